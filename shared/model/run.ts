import type { Coverage } from './coverage.js';
import type { Finding, Undecided } from './finding.js';
import type { Cloud } from './scope.js';
import type { Severity } from './severity.js';

export type Trigger = 'timer' | 'http' | 'cli' | 'queue';

export interface Run {
  id: string;
  trigger: Trigger;
  startedAt: string;
  finishedAt: string;
  clouds: Cloud[];
  findings: Finding[];
  undecided: Undecided[];
  /** Ids of the rules evaluated in this run (enabled, for the audited clouds). */
  rules: string[];
  coverage: Coverage;
  /** True when every planned scope was read completely and every configured cloud had a collector. */
  complete: boolean;
  /** API requests sent, by `<cloud>:<api>`. */
  apiCalls: Record<string, number>;
  counts: { bySeverity: Record<Severity, number>; total: number };
}
