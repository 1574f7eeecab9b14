export const CLOUDS = ['azure', 'gcp', 'aws'] as const;
export type Cloud = (typeof CLOUDS)[number];

export type ScopeKind =
  | 'subscription'
  | 'management-group'
  | 'project'
  | 'folder'
  | 'organization'
  | 'account-region';

/** A unit the collectors read: an Azure subscription, a GCP project, an AWS account in one region. */
export interface Scope {
  cloud: Cloud;
  kind: ScopeKind;
  /** Subscription GUID, project id, or `<account>/<region>` for AWS. */
  id: string;
  name?: string;
}

/** The stable text key of a scope, e.g. `azure/subscription/<guid>` or `aws/account-region/<acct>/<region>`. */
export type ScopeKey = string;

export function scopeKey(scope: Pick<Scope, 'cloud' | 'kind' | 'id'>): ScopeKey {
  return `${scope.cloud}/${scope.kind}/${scope.id.toLowerCase()}`;
}

export function parseScopeKey(key: ScopeKey): Scope {
  const [cloud, kind, ...rest] = key.split('/');
  if (!cloud || !kind || rest.length === 0 || !(CLOUDS as readonly string[]).includes(cloud)) {
    throw new Error(`not a scope key: "${key}" (expected <cloud>/<kind>/<id>)`);
  }
  return { cloud: cloud as Cloud, kind: kind as ScopeKind, id: rest.join('/') };
}

/** A group of scopes audited together: the unit of fan-out. */
export interface Shard {
  id: string;
  cloud: Cloud;
  scopes: Scope[];
}
