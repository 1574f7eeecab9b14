import { scopeKey, type Cloud, type Scope, type ScopeKey } from './scope.js';

/** How a cloud call failed, whatever SDK raised it. */
export type CallErrorKind = 'throttled' | 'denied' | 'not-found' | 'api-disabled' | 'malformed' | 'network' | 'timeout' | 'server' | 'client';

/** One API operation's outcome for one scope (aggregated over its pages and retries). */
export interface CallRecord {
  cloud: Cloud;
  /** Service and operation, e.g. `arm:managedClusters.list`, `resourcegraph:resources`, `ec2:DescribeVpcs`. */
  api: string;
  scope: ScopeKey;
  /** The inventory dataset the call feeds, e.g. `clusters`, `loadBalancers`. */
  dataset: string;
  ok: boolean;
  /** HTTP status of the final attempt, when there was one. */
  status?: number;
  message?: string;
  /** Requests sent, including pages and retries. */
  requests: number;
  /** Of those, attempts repeated after a throttled or failed attempt. */
  retries?: number;
  /** Wall time of the whole call, pages and retries included. */
  durationMs?: number;
  /** How the call failed (see shared/collect/kit/errors.ts), for coverage and the operator's hint. */
  errorKind?: CallErrorKind;
  /** The service's error code or name, e.g. `AuthorizationFailed`, `accessNotConfigured`, `AccessDenied`. */
  code?: string;
}

export interface ScopeCoverage {
  scope: Scope;
  /** True when every dataset of the scope was read completely. */
  complete: boolean;
  /** Datasets that could not be read, with the reason. */
  failed: { dataset: string; api: string; status?: number; errorKind?: CallErrorKind; message: string }[];
}

export interface Coverage {
  scopes: ScopeCoverage[];
  calls: CallRecord[];
  /** Run-level facts that are not tied to one call, e.g. "no collector registered for gcp". */
  notes: string[];
}

export function emptyCoverage(): Coverage {
  return { scopes: [], calls: [], notes: [] };
}

/** Builds scope coverage from call records: a scope is complete when none of its calls failed. */
export function summariseCoverage(scopes: readonly Scope[], calls: readonly CallRecord[]): ScopeCoverage[] {
  const failedByScope = new Map<ScopeKey, ScopeCoverage['failed']>();
  for (const call of calls) {
    if (call.ok) continue;
    const list = failedByScope.get(call.scope) ?? [];
    list.push({
      dataset: call.dataset,
      api: call.api,
      ...(call.status === undefined ? {} : { status: call.status }),
      ...(call.errorKind === undefined ? {} : { errorKind: call.errorKind }),
      message: call.message ?? 'failed',
    });
    failedByScope.set(call.scope, list);
  }
  return scopes.map((scope) => {
    const failed = failedByScope.get(scopeKey(scope)) ?? [];
    return { scope, complete: failed.length === 0, failed };
  });
}
