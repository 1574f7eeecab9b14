/**
 * Real recorded and API-spec ARM bodies (../shared/realdata next to the repo, or
 * AIRLOCK_REALDATA_DIR): the inputs of the mapping tests here, of the rule cases
 * (test/rules/azure/fixtures.ts) and of the simulator's replay and wire-shape tests, so all of them
 * read what the clouds actually return. This module holds the one resolved directory every test uses.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { mapVirtualNetwork } from '../../../shared/collect/azure/map.js';
import type { VnetPeering } from '../../../shared/model/inventory/azure.js';
import { parentId } from '../../../shared/util/arm-id.js';
import { ciArray, getPathCi } from '../../../shared/util/props.js';
import type { InvalidCase, ValidCase } from '../../helpers/rule-tester.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/** The realdata directory: AIRLOCK_REALDATA_DIR (elsewhere, or at nothing to check the skip path), else ../shared/realdata from the repo root. */
const fromEnv = process.env['AIRLOCK_REALDATA_DIR'];
export const REALDATA = fromEnv ? path.resolve(fromEnv) : path.resolve(REPO_ROOT, '../shared/realdata');
export const realdataAvailable = existsSync(path.join(REALDATA, 'INDEX.md'));

/** Why realdata tests are skipped, for their titles; empty when realdata is present. */
export const realdataSkipReason = realdataAvailable ? '' : ` (skipped: realdata absent at ${REALDATA}; CI and the dev machine have it)`;

/** A test that reads realdata: run when present, else skipped visibly with the reason in its title. */
export function itRealdata(name: string, fn: () => void | Promise<void>, timeout?: number): void {
  it.skipIf(!realdataAvailable)(`${name}${realdataSkipReason}`, fn, timeout);
}

/** Absolute path of a file in realdata. */
export function realdataPath(relative: string): string {
  return path.join(REALDATA, relative);
}

/** Cases built from realdata, or none when the folder is absent (then a skipped test says so). */
export function realdataCases<T extends ValidCase | InvalidCase>(build: () => T[]): T[] {
  if (realdataAvailable) return build();
  it.skip(`realdata cases${realdataSkipReason}`, () => undefined);
  return [];
}

export function readJson(relative: string): unknown {
  return JSON.parse(readFileSync(realdataPath(relative), 'utf8')) as unknown;
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
