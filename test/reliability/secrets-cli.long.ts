import { FORMATS, secretsCliSuite } from './secrets-cli-suite.js';

/** The CLI secrets scan over every output format and every failure case. */
secretsCliSuite({ formats: FORMATS, allCases: true, suite: 'secrets-cli-long', command: 'npm run test:reliability -- test/reliability/secrets-cli.long.ts' });
