import { rulesPropertySuite } from './properties-rules-suite.js';

/**
 * Unparsable address values in every field the address rules read (test/reliability/properties-rules-suite.ts):
 * a fixed seed and a size that keeps the file within a few seconds (ten times the inputs: properties-rules.long.ts).
 */
rulesPropertySuite(2_000);
