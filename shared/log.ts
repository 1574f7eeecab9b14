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

