import path from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../../shared/config/load.js';
import type { AirlockConfig } from '../../shared/config/schema.js';
import { summariseDrift } from '../../shared/drift/index.js';
import type { Finding } from '../../shared/model/finding.js';
import type { PublishResult } from '../../shared/publish.js';
import { exceptionExpired, exceptionMatches } from '../../shared/util/exceptions.js';
import { CLOUDS, type Cloud } from '../../shared/model/scope.js';
import type { Run } from '../../shared/model/run.js';
import { atLeast, compareSeverity, SEVERITIES, type Severity } from '../../shared/model/severity.js';
import { EXIT, renderTable, stderrLogger, UsageError } from '../output.js';

interface AuditOptions {
  config: string;
  cloud?: string;
  format: string;
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

/** Findings an unexpired exception accepts: shown, but they do not fail `--fail-on`. */
function isExcepted(finding: Finding, config: AirlockConfig, now: Date): boolean {
  return config.exceptions.some((e) => !exceptionExpired(e, now) && exceptionMatches(e, finding));
}

function renderRun(run: Run, published: PublishResult | undefined): string {
  const findings = [...run.findings].sort((a, b) => compareSeverity(a.severity, b.severity) || a.ruleId.localeCompare(b.ruleId));
  const parts: string[] = [];
  const sev = SEVERITIES.filter((s) => run.counts.bySeverity[s] > 0).map((s) => `${run.counts.bySeverity[s]} ${s}`);
  const unread = run.coverage.scopes.filter((s) => !s.complete);
  parts.push(
    `Run ${run.id}: ${run.coverage.scopes.length} scope(s), ${run.counts.total} finding(s)${sev.length > 0 ? ` (${sev.join(', ')})` : ''}, ${unread.length} scope(s) incomplete`,
  );
  if (findings.length > 0) {
    parts.push('', renderTable(['SEVERITY', 'RULE', 'RESOURCE', 'MESSAGE'], findings.map((f) => [f.severity, f.ruleId, f.resource.name, f.message])));
  }
  if (run.undecided.length > 0) {
    parts.push('', 'Could not decide:', ...run.undecided.map((u) => `  ${u.ruleId} in ${u.scope}: ${u.reason}`));
  }
  for (const note of run.coverage.notes) parts.push(`note: ${note}`);
  if (published?.drift) parts.push('', ...summariseDrift(published.drift));
  const failed = published?.deliveries.filter((d) => d.status === 'dead-letter') ?? [];
  for (const d of failed) parts.push(`delivery to ${d.channel} failed after ${d.attempts} attempt(s): ${d.lastError ?? 'unknown error'}`);
  return parts.join('\n');
}

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('audit the configured scopes and print the findings')
    .requiredOption('--config <file>', 'path to airlock.yaml')
    .option('--cloud <clouds>', 'only these clouds, comma-separated (azure,gcp,aws)')
    .option('--format <format>', 'table or json (json goes to stdout, progress to stderr)', 'table')
    .option('--fail-on <severity>', `exit 1 when a finding is at or above this severity (${SEVERITIES.join(', ')})`)
    .option('--no-publish', 'do not record the run in the store nor notify (a dry run: no drift)')
    .option('--verbose', 'debug logging on stderr')
    .action(async (opts: AuditOptions) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new UsageError(`--format: expected table or json, got "${opts.format}"`);
      const clouds = parseClouds(opts.cloud);
      const failOn = parseSeverity(opts.failOn);
      const config = await loadConfigFile(opts.config);
      const log = stderrLogger(opts.verbose ?? false);
      // The pipeline pulls in every cloud SDK: load it only when an audit actually runs.
      const { auditAndPublish, runAudit } = await import('../../shared/audit.js');
      const auditOptions = { trigger: 'cli' as const, log, ...(clouds ? { clouds } : {}) };
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
      const output = opts.format === 'json' ? JSON.stringify({ ...run, ...(published ? { drift: published.drift ?? null, deliveries: published.deliveries } : {}) }, null, 2) : renderRun(run, published);
      process.stdout.write(`${output}\n`);
      if (!run.complete || run.undecided.length > 0) {
        // Either is an audit that cannot vouch for what it did not see: never a pass.
        if (!run.complete) log.warn('audit incomplete: some scopes could not be read (see audit/scope-unreadable findings)');
        if (run.undecided.length > 0) log.warn(`audit incomplete: ${run.undecided.length} check(s) could not be decided (see "Could not decide")`);
        process.exitCode = EXIT.incomplete;
      } else if (failOn && run.findings.some((f) => atLeast(f.severity, failOn) && !isExcepted(f, config, new Date(run.finishedAt)))) {
        process.exitCode = EXIT.findings;
      }
    });
}
