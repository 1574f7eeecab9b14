/**
 * The one logger interface of the pipeline. Fields are structured (run id, shard, cloud, scope,
 * operation, counts) so that the Functions app can send them as custom dimensions and the CLI can
 * print them; the message stays a readable sentence on its own.
 */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A logger that adds `fields` to every line (e.g. `{ runId, shard }` for one shard's work). */
export function withFields(log: Logger, fields: LogFields): Logger {
  const merge = (extra?: LogFields): LogFields => ({ ...fields, ...extra });
  return {
    debug: (m, f) => { log.debug(m, merge(f)); },
    info: (m, f) => { log.info(m, merge(f)); },
    warn: (m, f) => { log.warn(m, merge(f)); },
    error: (m, f) => { log.error(m, merge(f)); },
  };
}
