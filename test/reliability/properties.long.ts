import { propertySuites } from './properties-suites.js';

/** The property suites of properties.test.ts with ten times the inputs, mutating the largest scenario. */
propertySuites({ scale: 10, scenario: 'hybrid-broken', suite: 'properties-long', command: 'npm run test:reliability -- test/reliability/properties.long.ts' });
