import { createHash } from 'node:crypto';
import type { Cloud, ScopeKey } from './scope.js';
import type { Severity } from './severity.js';

export type FindingCategory =
  | 'exposure'
  | 'reachability'
  | 'dns'
  | 'egress'
  | 'addressing'
  | 'identity'
  | 'cost'
  | 'audit';

export interface ResourceRef {
  /** Cloud resource id (ARM id, GCP resource path, AWS ARN or id), or a scope key for scope-level findings. */
  id: string;
  type: string;
  name: string;
}

export interface CostFigure {
  currency: 'USD';
  /** What the current design costs per month. */
  monthly: number;
  /** What the recommended alternative would cost per month. */
  alternativeMonthly?: number;
  /** monthly − alternativeMonthly, when an alternative exists. */
  savingMonthly?: number;
  /** How the figure was obtained, e.g. "Cost Management ActualCost 2026-10-01..2026-10-31". */
  basis: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  category: FindingCategory;
  /** `audit` for findings about the audit itself that belong to no cloud (e.g. a stale exception). */
  cloud: Cloud | 'audit';
  scope: ScopeKey;
  resource: ResourceRef;
  title: string;
  message: string;
  /** The inventory fields the finding rests on; drift compares these between runs. */
  evidence: Record<string, unknown>;
  remediation: string;
  cost?: CostFigure;
  /** Distinguishes several findings of one rule on one resource (a frontend, a pool, a CIDR pair). */
  discriminator?: string;
  fingerprint: string;
}

/** A rule that could not decide for a scope because its input is missing there. */
export interface Undecided {
  ruleId: string;
  scope: ScopeKey;
  reason: string;
}

/**
 * Stable identity of a finding across runs: rule id, lower-cased resource id and discriminator.
 * Severity, message and evidence may change without changing the identity.
 */
export function fingerprint(ruleId: string, resourceId: string, discriminator = ''): string {
  return createHash('sha256')
    .update(`${ruleId}\u0000${resourceId.toLowerCase()}\u0000${discriminator.toLowerCase()}`)
    .digest('hex')
    .slice(0, 32);
}
