import { describe, expect, it } from 'vitest';
import rule from '../../shared/rules/azure/address-overlap.js';
import { configSchema } from '../../shared/config/schema.js';
import { emptyCoverage } from '../../shared/model/coverage.js';
import { evaluateRules, type Evaluation } from '../../shared/rules/kit.js';
import { buildInventory, type InventoryInput } from '../helpers/rule-tester.js';
import { cluster, peering, vnet, vnetId } from '../rules/azure/builders.js';

/**
 * A prefix the API returns that does not parse (`10.0.0.0/99`) must leave azure/address-overlap
 * undecided for that resource's scope: never a silent skip that reads as "no overlap".
 */
function evaluate(inventory: InventoryInput): Evaluation {
  const config = configSchema.parse({ onPrem: { ranges: ['10.0.0.0/14'] } });
  return evaluateRules([rule], { inventory: buildInventory(inventory), coverage: emptyCoverage(), config, now: new Date('2026-11-22T06:00:00Z') });
}

describe('azure/address-overlap with an unparsable prefix', () => {
  it('a VNet prefix 10.0.0.0/99 makes its scope undecided', () => {
    const bad = vnet('vnet-bad', ['10.0.0.0/99']);
    const out = evaluate({ azure: { virtualNetworks: [bad] } });
    expect(out.findings.filter((f) => f.ruleId === rule.meta.id)).toEqual([]);
    expect(out.undecided.map((u) => [u.scope, u.reason])).toEqual([[bad.scope, expect.stringContaining('10.0.0.0/99')]]);
  });

  it('a peer known only by an unparsable remote prefix, and a cluster service CIDR that does not parse', () => {
    const spoke = vnet('vnet-spoke', ['10.20.0.0/16']);
    const withPeer = { ...spoke, peerings: [peering(spoke, vnetId('rg-zzz', 'vnet-partner'), { remoteAddressPrefixes: ['10.20.5.0/33'] })] };
    const aks = cluster('aks-odd', { serviceCidrs: ['172.16.0.0/40'] });
    const out = evaluate({ azure: { virtualNetworks: [withPeer], clusters: [aks] } });
    const reasons = out.undecided.map((u) => u.reason).join('\n');
    expect(reasons).toContain('10.20.5.0/33');
    expect(reasons).toContain('172.16.0.0/40');
  });
});
