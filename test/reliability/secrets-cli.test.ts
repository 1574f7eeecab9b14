import { secretsCliSuite } from './secrets-cli-suite.js';

/**
 * The CLI secrets scan in `npm test`: JSON to a file and the table on stdout, a table store with a
 * SAS signature that its endpoint echoes, an inline secret in the configuration. Every format and
 * the remaining failure cases: secrets-cli.long.ts.
 */
secretsCliSuite({ formats: ['table', 'json'], allCases: false, suite: 'secrets-cli', command: 'npx vitest run test/reliability/secrets-cli.test.ts' });
