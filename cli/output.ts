import type { LogFields, Logger } from '../shared/log.js';
import { redact } from '../shared/util/redact.js';

/** Columns to wrap the report to: the terminal's, else a width that reads well in logs. */
export function terminalWidth(): number {
  const columns = process.stdout.columns;
  return typeof columns === 'number' && columns >= 40 ? Math.min(columns, 160) : 100;
}

/** Progress and logs go to stderr so that stdout carries only the requested output (JSON, table). */
export function stderrLogger(verbose: boolean): Logger {
  const write = (level: string) => (message: string, fields?: LogFields) => {
    const extra = verbose && fields ? Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}=${String(v)}`).join('') : '';
    // Scrubbed at the sink: a secret resolved anywhere in the run never reaches the terminal.
    process.stderr.write(redact(`${level} ${message}${extra}\n`));
  };
  return {
    debug: verbose ? write('debug') : () => undefined,
    info: write('info '),
    warn: write('warn '),
    error: write('error'),
  };
}

/** A plain text table: columns padded to their widest cell, the last column left free. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  // The last column is free text (messages): it is not padded, so it does not size the rule line either.
  const widths = headers.map((h, i) => (i === headers.length - 1 ? h.length : Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const EXIT = {
  ok: 0,
  findings: 1,
  usage: 2,
  incomplete: 3,
  /** The configured store cannot be used, at opening or a later step (unreachable, credentials refused, unreadable connection string, directory not writable). */
  store: 4,
} as const;

/** A failure the CLI reports as a usage or configuration error (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}
