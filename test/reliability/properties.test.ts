import { propertySuites } from './properties-suites.js';

/**
 * Property-based input testing in `npm test`: a fixed seed and a size that keeps the file near
 * 15 s (the same properties, ten times the inputs: properties.long.ts).
 */
propertySuites({ scale: 1, scenario: 'demo', suite: 'properties', command: 'npx vitest run test/reliability/properties.test.ts' });
