import path from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../../shared/config/load.js';
import type { PublishResult } from '../../shared/publish.js';
import { CLOUDS, type Cloud } from '../../shared/model/scope.js';
import type { Inventory } from '../../shared/model/inventory/index.js';
import type { Run } from '../../shared/model/run.js';
import { atLeast, SEVERITIES, type Severity } from '../../shared/model/severity.js';
import { redact } from '../../shared/util/redact.js';
import { EXIT, stderrLogger, terminalWidth, UsageError } from '../output.js';
import { exceptionFor, renderTableReport } from '../table.js';
import { productVersion } from '../../shared/report/version.js';
import { parseFormat, writeOutput } from './report.js';

const AUDIT_FORMATS = ['table', 'json', 'jsonl', 'csv', 'markdown', 'html', 'ocsf'] as const;

interface AuditOptions {
  config: string;
  cloud?: string;
  format: string;
  out?: string;
  failOn?: string;
  verbose?: boolean;
  publish: boolean;
}

function parseClouds(text: string | undefined): Cloud[] | undefined {
  if (text === undefined) return undefined;
  const clouds = text.split(',').map((c) => c.trim()).filter(Boolean);
  const unknown = clouds.filter((c) => !(CLOUDS as readonly string[]).includes(c));
  if (unknown.length > 0) throw new UsageError(`--cloud: expected a comma-separated list of ${CLOUDS.join(', ')}, got "${unknown.join(', ')}"`);
  return clouds as Cloud[];
}

function parseSeverity(text: string | undefined): Severity | undefined {
  if (text === undefined) return undefined;
  if (!(SEVERITIES as readonly string[]).includes(text)) throw new UsageError(`--fail-on: expected one of ${SEVERITIES.join(', ')}, got "${text}"`);
  return text as Severity;
}

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('audit the configured scopes and print the findings')
    .requiredOption('--config <file>', 'path to airlock.yaml')
    .option('--cloud <clouds>', 'only these clouds, comma-separated (azure,gcp,aws)')
    .option('--format <format>', `${AUDIT_FORMATS.join(', ')} (output to stdout or --out, progress to stderr)`, 'table')
    .option('--out <file>', 'write the output to this file instead of stdout')
    .option('--fail-on <severity>', `exit 1 when a finding is at or above this severity (${SEVERITIES.join(', ')})`)
    .option('--no-publish', 'do not record the run in the store nor notify (a dry run: no drift)')
    .option('--verbose', 'debug logging on stderr')
    .action(async (opts: AuditOptions) => {
      const format = parseFormat(opts.format, AUDIT_FORMATS);
      const clouds = parseClouds(opts.cloud);
      const failOn = parseSeverity(opts.failOn);
      const config = await loadConfigFile(opts.config);
      const log = stderrLogger(opts.verbose ?? false);
      // The pipeline pulls in every cloud SDK: load it only when an audit actually runs.
      const { auditAndPublish, runAudit } = await import('../../shared/audit.js');
      // The picture is drawn from the inventory, which the run itself does not keep.
      let inventory: Inventory | undefined;
      const auditOptions = { trigger: 'cli' as const, log, onInventory: (inv: Inventory) => (inventory = inv), ...(clouds ? { clouds } : {}) };
      let run: Run;
      let published: PublishResult | undefined;
      if (opts.publish) {
        // A relative file-store path is relative to the configuration file, not to where the CLI runs.
        const { openStore } = await import('../../shared/store/index.js');
        const store = await openStore(config.store, { env: process.env, cwd: path.dirname(path.resolve(opts.config)) });
        ({ run, published } = await auditAndPublish(config, { ...auditOptions, store }));
      } else {
        run = await runAudit(config, auditOptions);
      }
      const now = new Date(run.finishedAt);
      if (opts.verbose) {
        for (const c of run.coverage.calls) {
          log.debug(`call ${c.cloud} ${c.api} ${c.scope} (${c.dataset}): ${c.ok ? 'ok' : (c.errorKind ?? 'failed')}${c.status === undefined ? '' : ` HTTP ${c.status}`}, ${c.requests} request(s)${c.retries ? `, ${c.retries} retried` : ''}${c.durationMs === undefined ? '' : `, ${c.durationMs} ms`}`);
        }
      }
      for (const note of run.coverage.notes) log.info(`note: ${note}`);
      let output: string;
      if (format === 'table') {
        output = renderTableReport(run, config, published, { width: terminalWidth(), now });
      } else {
        const [{ buildDocument }, { renderReport }, { topologyOf }] = await Promise.all([import('../../shared/report/document.js'), import('../../shared/report/index.js'), import('../../shared/report/snapshot.js')]);
        const doc = buildDocument({ run, config, ...(published ? { published: { ...(published.drift ? { drift: published.drift } : {}), deliveries: published.deliveries } } : {}) });
        const topology = inventory && (format === 'html' || format === 'ocsf') ? topologyOf(run, inventory, config) : undefined;
        output = renderReport(format, doc, topology, await productVersion());
      }
      // Coverage messages and delivery records may quote what a remote server sent back.
      await writeOutput(redact(output), opts.out);
      if (!run.complete || run.undecided.length > 0) {
        // Either is an audit that cannot vouch for what it did not see: never a pass.
        if (!run.complete) log.warn('audit incomplete: some scopes could not be read (see audit/scope-unreadable findings)');
        if (run.undecided.length > 0) log.warn(`audit incomplete: ${run.undecided.length} check(s) could not be decided (see "Could not decide")`);
        process.exitCode = EXIT.incomplete;
      } else if (failOn && run.findings.some((f) => atLeast(f.severity, failOn) && exceptionFor(f, config, now) === undefined)) {
        process.exitCode = EXIT.findings;
      }
    });
}
