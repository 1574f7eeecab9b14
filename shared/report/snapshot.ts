/**
 * What a stored run keeps for its reports: the findings document (without per-call records) and
 * the topology, so `airlock report` renders any stored run again without calling a cloud.
 * Stored gzip-compressed and base64-encoded: a picture of hundreds of spokes stays small.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AirlockConfig } from '../config/schema.js';
import type { DriftResult } from '../drift/reconcile.js';
import type { Inventory } from '../model/inventory/index.js';
import type { Run } from '../model/run.js';
import type { DeliveryRecord } from '../store/types.js';
import { buildDocument, type FindingsDocument } from './document.js';
import { buildTopology, type Topology } from './topology.js';

export interface ReportSnapshot {
  kind: 'airlock.report';
  version: 1;
  document: FindingsDocument;
  topology: Topology;
}

/** The picture of a run's inventory; resources with findings are never folded away. */
export function topologyOf(run: Pick<Run, 'findings'>, inventory: Inventory, config: Pick<AirlockConfig, 'onPrem'>): Topology {
  return buildTopology(inventory, { onPremRanges: config.onPrem.ranges, keep: new Set(run.findings.map((f) => f.resource.id.toLowerCase())) });
}

export function encodeSnapshot(snapshot: ReportSnapshot): string {
  return gzipSync(JSON.stringify(snapshot)).toString('base64');
}

export function decodeSnapshot(text: string): ReportSnapshot {
  const value = JSON.parse(gunzipSync(Buffer.from(text, 'base64')).toString('utf8')) as Partial<ReportSnapshot>;
  if (value.kind !== 'airlock.report' || value.version !== 1) throw new Error('stored report: not an Airlock report snapshot of version 1');
  return value as ReportSnapshot;
}

/** The encoded snapshot of a published run (its drift known), for the store. */
export function snapshotOf(run: Run, inventory: Inventory, config: Pick<AirlockConfig, 'onPrem' | 'exceptions'>, drift: DriftResult | undefined, deliveries: DeliveryRecord[] = []): string {
  const document = buildDocument({ run, config, published: { ...(drift ? { drift } : {}), deliveries }, calls: false });
  return encodeSnapshot({ kind: 'airlock.report', version: 1, document, topology: topologyOf(run, inventory, config) });
}
