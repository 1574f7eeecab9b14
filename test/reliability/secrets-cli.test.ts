import { secretsCliSuite } from './secrets-cli-suite.js';

/**
 * The CLI secrets scan in `npm test`: the table on stdout, a table store with a SAS signature that
 * its endpoint echoes, an inline secret in the configuration. Every format (JSON to a file among
 * them) and the remaining failure cases: secrets-cli.long.ts (`npm run test:reliability`).
 */
secretsCliSuite({ formats: ['table'], allCases: false, suite: 'secrets-cli', command: 'npx vitest run test/reliability/secrets-cli.test.ts' });
