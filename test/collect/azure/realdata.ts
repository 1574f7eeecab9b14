/**
 * Real recorded and API-spec ARM bodies (/work/shared/realdata, or AIRLOCK_REALDATA_DIR): the
 * inputs of the mapping tests here and of the rule cases (test/rules/azure/fixtures.ts), so both
 * read what Azure actually returns through the collector's own mapping.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { mapVirtualNetwork } from '../../../shared/collect/azure/map.js';
import type { VnetPeering } from '../../../shared/model/inventory/azure.js';
import { parentId } from '../../../shared/util/arm-id.js';
import { ciArray, getPathCi } from '../../../shared/util/props.js';

// AIRLOCK_REALDATA_DIR points elsewhere (or at nothing, to check the skip path).
const REALDATA = process.env['AIRLOCK_REALDATA_DIR'] ?? path.resolve(import.meta.dirname, '../../../../shared/realdata');
export const realdataAvailable = existsSync(path.join(REALDATA, 'INDEX.md'));

/** Cases built from realdata, or none when the folder is absent (then a skipped test says so). */
export function realdataCases<T>(build: () => T[]): T[] {
  if (realdataAvailable) return build();
  it.skip(`realdata cases: ${REALDATA} not found (CI and the dev machine have it)`, () => undefined);
  return [];
}

export function readJson(relative: string): unknown {
  return JSON.parse(readFileSync(path.join(REALDATA, relative), 'utf8')) as unknown;
}

/** The response body of an azure-rest-api-specs example (200 unless told). */
export function specBody(relative: string, status = '200'): unknown {
  return getPathCi(readJson(`azure-rest-api-specs/${relative}`), `responses.${status}.body`);
}

/** `value[]` of a list body. */
export function listValues(body: unknown): unknown[] {
  return ciArray(body, 'value');
}

/** A peering GET body, mapped as the collector sees peerings: inside its VNet's body. */
export function peeringFromArm(body: unknown): VnetPeering {
  const id = String(getPathCi(body, 'id'));
  const vnet = mapVirtualNetwork({ id: parentId(id), name: parentId(id).split('/').pop(), location: 'unknown', properties: { virtualNetworkPeerings: [body] } });
  const peering = vnet.peerings[0];
  if (!peering) throw new Error(`no peering mapped from ${id}`);
  return peering;
}
