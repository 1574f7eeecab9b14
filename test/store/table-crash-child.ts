/**
 * Publishes run 1 of the table-store crash tests to a table store and SIGKILLs itself at the nth
 * time the store reaches the named commit step (the test then checks that the next instance
 * completes the run). Exits 3 when the step was never reached.
 *
 * Usage: tsx table-crash-child.ts <connection string> <table prefix> <step> <nth>
 */
import { publishRun } from '../../shared/publish.js';
import { TableFindingStore } from '../../shared/store/table.js';
import { publishOptions, receiver, run1 } from './table-fixtures.js';

const [connectionString, tablePrefix, step, nth = '1'] = process.argv.slice(2);
if (connectionString === undefined || tablePrefix === undefined || step === undefined) {
  process.stderr.write('usage: table-crash-child.ts <connection string> <table prefix> <step> [nth]\n');
  process.exit(2);
}
let seen = 0;
const store = await TableFindingStore.open({
  connectionString,
  tablePrefix,
  onStep: (s) => {
    if (s === step && (seen += 1) === Number(nth)) process.kill(process.pid, 'SIGKILL');
  },
});
await publishRun(run1, publishOptions(store, receiver().fetch, run1, { lease: { leaseMs: 400 } }));
process.exit(3);
