/**
 * Findings as OCSF 1.8 Detection Findings (class 2004, category 2 Findings), one event per
 * finding, for SIEMs and security data lakes (Security Lake, Sentinel, Chronicle) to ingest.
 */
import { parseScopeKey } from '../model/scope.js';
import type { Severity } from '../model/severity.js';
import { resolvedFindings, type FindingsDocument, type FindingView } from './document.js';

const OCSF_VERSION = '1.8.0';
const CLASS_UID = 2004;
const CATEGORY_UID = 2;

const SEVERITY_ID: Record<Severity, { id: number; name: string }> = {
  info: { id: 1, name: 'Informational' },
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
};

const ACTIVITY = { create: { id: 1, name: 'Create' }, update: { id: 2, name: 'Update' }, close: { id: 3, name: 'Close' } } as const;
const STATUS = { new: { id: 1, name: 'New' }, inProgress: { id: 2, name: 'In Progress' }, suppressed: { id: 3, name: 'Suppressed' }, resolved: { id: 4, name: 'Resolved' } } as const;

/**
 * Drift state → what happened to the finding (activity) and where it stands (status): a new or
 * regressed finding is created, a persisting one updated, a resolved one closed, an excepted one
 * suppressed; without drift (not published) a finding is reported as created.
 */
function lifecycle(state: FindingView['state']): { activity: { id: number; name: string }; status: { id: number; name: string } } {
  switch (state) {
    case 'new':
    case 'regressed':
    case 'open':
      return { activity: ACTIVITY.create, status: STATUS.new };
    case 'persisting':
      return { activity: ACTIVITY.update, status: STATUS.inProgress };
    case 'resolved':
      return { activity: ACTIVITY.close, status: STATUS.resolved };
    case 'excepted':
      return { activity: ACTIVITY.update, status: STATUS.suppressed };
  }
}

const PROVIDER = { azure: 'Azure', gcp: 'GCP', aws: 'AWS' } as const;

/** Where a finding lives: provider, account (subscription / project / AWS account) and region when known. */
function placement(f: FindingView, regionOf: (resourceId: string) => string | undefined): { provider: string; account?: { uid: string; type_id: number; type: string }; projectUid?: string; region?: string } {
  let scope;
  try {
    scope = parseScopeKey(f.scope);
  } catch {
    return { provider: 'Airlock' };
  }
  const region = regionOf(f.resource.id);
  const withRegion = region ? { region } : {};
  switch (scope.cloud) {
    case 'azure': {
      const sub = /\/subscriptions\/([^/]+)/i.exec(f.resource.id)?.[1] ?? (scope.kind === 'subscription' ? scope.id : undefined);
      return { provider: PROVIDER.azure, ...(sub ? { account: { uid: sub, type_id: 13, type: 'Azure Subscription' } } : {}), ...withRegion };
    }
    case 'gcp':
      return { provider: PROVIDER.gcp, ...(scope.kind === 'project' ? { account: { uid: scope.id, type_id: 11, type: 'GCP Project' }, projectUid: scope.id } : {}), ...withRegion };
    case 'aws': {
      const [account, awsRegion] = scope.id.split('/');
      return { provider: PROVIDER.aws, ...(account ? { account: { uid: account, type_id: 10, type: 'AWS Account' } } : {}), ...(awsRegion ? { region: awsRegion } : withRegion) };
    }
  }
}

export interface OcsfOptions {
  productVersion: string;
  /** The region of a resource, where the inventory knows it (Azure location, GCP region). */
  regionOf?: (resourceId: string) => string | undefined;
}

/** One Detection Finding event. */
export function toDetectionFinding(f: FindingView, doc: Pick<FindingsDocument, 'id' | 'finishedAt'>, options: OcsfOptions): Record<string, unknown> {
  const { activity, status } = lifecycle(f.state);
  const sev = SEVERITY_ID[f.severity];
  const where = placement(f, options.regionOf ?? (() => undefined));
  const time = Date.parse(doc.finishedAt);
  return {
    category_uid: CATEGORY_UID,
    category_name: 'Findings',
    class_uid: CLASS_UID,
    class_name: 'Detection Finding',
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: CLASS_UID * 100 + activity.id,
    type_name: `Detection Finding: ${activity.name}`,
    severity_id: sev.id,
    severity: sev.name,
    status_id: status.id,
    status: status.name,
    ...(f.exception ? { status_detail: `Excepted until ${f.exception.expires}: ${f.exception.reason}` } : {}),
    time,
    message: f.message,
    is_alert: activity.id === ACTIVITY.create.id,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Airlock', vendor_name: 'Airlock', version: options.productVersion },
      profiles: ['cloud'],
      correlation_uid: doc.id,
      log_name: 'airlock-findings',
    },
    finding_info: {
      uid: f.fingerprint,
      title: f.title,
      desc: f.message,
      types: [f.category, f.ruleId],
      analytic: { uid: f.ruleId, name: f.ruleId, type_id: 1, type: 'Rule' },
    },
    cloud: {
      provider: where.provider,
      ...(where.account ? { account: where.account } : {}),
      ...(where.projectUid ? { project_uid: where.projectUid } : {}),
      ...(where.region ? { region: where.region } : {}),
    },
    resources: [
      {
        uid: f.resource.id,
        name: f.resource.name,
        type: f.resource.type,
        role_id: 1,
        ...(where.region ? { region: where.region } : {}),
        cloud_partition: where.provider,
        ...(where.account ? { group: { uid: where.account.uid, type: where.account.type } } : {}),
      },
    ],
    remediation: { desc: f.remediation },
    unmapped: {
      airlock: { ruleId: f.ruleId, scope: f.scope, state: f.state, evidence: f.evidence, ...(f.cost ? { cost: f.cost } : {}) },
    },
  };
}

/** Every finding of the run, and each one it resolved, as Detection Findings. */
export function toOcsfEvents(doc: FindingsDocument, options: OcsfOptions): Record<string, unknown>[] {
  return [...doc.findings, ...resolvedFindings(doc)].map((f) => toDetectionFinding(f, doc, options));
}

/** JSON Lines: what Security Lake custom sources and most SIEM collectors take. */
export function renderOcsf(doc: FindingsDocument, options: OcsfOptions): string {
  return toOcsfEvents(doc, options).map((e) => JSON.stringify(e)).join('\n');
}
