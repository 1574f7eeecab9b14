/**
 * A stand-in for `airlock audit` in a child process, for the crash test in drift-notify.long.test.ts:
 * audit, then publish. With AIRLOCK_TEST_CRASH=after-commit it kills itself (SIGKILL) right after
 * the store write and before any delivery. That variable is read here only, never by shared/.
 *
 * Usage: tsx drift-crash-child.ts <airlock.yaml> <run id>
 */
import { runAudit } from '../../shared/audit.js';
import { loadConfigFile } from '../../shared/config/load.js';
import { commitRun, publishRun } from '../../shared/publish.js';
import { openStore } from '../../shared/store/index.js';
import type { Logger } from '../../shared/log.js';

const [configFile, runId] = process.argv.slice(2);
if (configFile === undefined || runId === undefined) {
  process.stderr.write('usage: drift-crash-child.ts <airlock.yaml> <run id>\n');
  process.exit(2);
}
const log: Logger = {
  debug() {},
  info: (m) => process.stderr.write(`info ${m}\n`),
  warn: (m) => process.stderr.write(`warn ${m}\n`),
  error: (m) => process.stderr.write(`error ${m}\n`),
};
const config = await loadConfigFile(configFile);
const store = await openStore(config.store, { env: process.env });
const run = await runAudit(config, { trigger: 'cli', runId, log });
const now = (): Date => new Date();
if (process.env['AIRLOCK_TEST_CRASH'] === 'after-commit') {
  await commitRun(run, { config, store, now, log });
  process.kill(process.pid, 'SIGKILL');
}
const result = await publishRun(run, { config, store, env: process.env, now, log, delivery: { baseDelayMs: 10, maxDelayMs: 50 } });
process.stdout.write(`${JSON.stringify({ committed: result.committed, deliveries: result.deliveries })}\n`);
