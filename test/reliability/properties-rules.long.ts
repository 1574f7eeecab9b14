import { rulesPropertySuite } from './properties-rules-suite.js';

/** The unparsable-address properties of properties-rules.test.ts over ten times the inputs (`npm run test:reliability`). */
rulesPropertySuite(20_000);
