/**
 * `airlock audit` with publishing, in a child process, for the crash suite: it SIGKILLs itself at
 * the named point. Commit steps come from the file store's step hook; `after-commit` falls between
 * the store write and delivery; `mid-delivery` right after a receiver accepted the first message
 * and before the outbox records it. `--lease-wait 0` makes a held commit lock an error at once.
 *
 * Usage: tsx crash-child.ts <airlock.yaml> <run id> [crash point]
 */
import path from 'node:path';
import { runAudit } from '../../shared/audit.js';
import { loadConfigFile } from '../../shared/config/load.js';
import { commitRun, publishRun } from '../../shared/publish.js';
import { FileFindingStore, type CommitStep } from '../../shared/store/file.js';
import { redactingLogger } from '../../shared/util/redact.js';
import type { Logger } from '../../shared/log.js';

const [configFile, runId, crashAt = 'none'] = process.argv.slice(2);
if (configFile === undefined || runId === undefined) {
  process.stderr.write('usage: crash-child.ts <airlock.yaml> <run id> [crash point]\n');
  process.exit(2);
}
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};
const log: Logger = redactingLogger({
  debug: (m) => process.stderr.write(`debug ${m}\n`),
  info: (m) => process.stderr.write(`info ${m}\n`),
  warn: (m) => process.stderr.write(`warn ${m}\n`),
  error: (m) => process.stderr.write(`error ${m}\n`),
});
const config = await loadConfigFile(configFile);
if (config.store.kind !== 'file') throw new Error('the crash suite uses the file store');
const store = new FileFindingStore(path.resolve(path.dirname(configFile), config.store.path), {
  onStep: (step: CommitStep) => {
    if (step === crashAt) die();
  },
});
const run = await runAudit(config, { trigger: 'cli', runId, log });
const now = (): Date => new Date();
const lease = { maxWaitMs: 0 };
if (crashAt === 'after-commit') {
  await commitRun(run, { config, store, now, log, lease });
  die();
}
const realFetch = globalThis.fetch;
const fetch: typeof globalThis.fetch = async (input, init) => {
  const response = await realFetch(input, init);
  if (crashAt === 'mid-delivery' && response.ok) die();
  return response;
};
const result = await publishRun(run, { config, store, env: process.env, now, log, fetch, lease, delivery: { baseDelayMs: 10, maxDelayMs: 50 } });
process.stdout.write(`${JSON.stringify({ committed: result.committed, deliveries: result.deliveries })}\n`);
