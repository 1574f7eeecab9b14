import { describe, expect, it } from 'vitest';
import { parentId, parseArmId, resourceGroupOf } from '../../shared/util/arm-id.js';
import { exceptionExpired, exceptionMatches } from '../../shared/util/exceptions.js';
import { ciArray, ciBool, ciString, getPathCi, sameId } from '../../shared/util/props.js';

describe('case-insensitive Azure property access', () => {
  const cluster = {
    properties: {
      apiServerAccessProfile: { enablePrivateCluster: 'True', authorizedIpRanges: ['10.0.0.0/8'] },
      privateFQDN: 'aks-1.abc.privatelink.westeurope.azmk8s.io',
      addonProfiles: { AciConnectorLinux: { enabled: true } },
    },
  };
  it('reads keys whatever their case', () => {
    expect(ciBool(cluster, 'properties.apiServerAccessProfile.enablePrivateCluster')).toBe(true);
    expect(ciArray(cluster, 'Properties.ApiServerAccessProfile.AuthorizedIPRanges')).toEqual(['10.0.0.0/8']);
    expect(ciString(cluster, 'properties.privateFqdn')).toBe('aks-1.abc.privatelink.westeurope.azmk8s.io');
    expect(getPathCi(cluster, 'properties.addonProfiles.aciConnectorLinux.enabled')).toBe(true);
    expect(getPathCi(cluster, 'properties.missing.deeper')).toBeUndefined();
    expect(ciBool({ a: 'maybe' }, 'a')).toBeUndefined();
  });
  it('compares ARM ids case-insensitively', () => {
    expect(sameId('/subscriptions/A/resourceGroups/RG', '/subscriptions/a/resourcegroups/rg')).toBe(true);
    expect(sameId(undefined, 'x')).toBe(false);
  });
});

describe('ARM ids', () => {
  const subnet = '/subscriptions/s1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/snet-aks';
  it('splits a child resource id', () => {
    expect(parseArmId(subnet)).toEqual({ subscriptionId: 's1', resourceGroup: 'rg-net', provider: 'Microsoft.Network', types: ['virtualNetworks', 'subnets'], names: ['vnet-spoke', 'snet-aks'] });
    expect(parentId(subnet)).toBe('/subscriptions/s1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-spoke');
    expect(resourceGroupOf(subnet)).toBe('rg-net');
    expect(parseArmId('not-an-id')).toBeUndefined();
  });
});

describe('exceptions', () => {
  const finding = { ruleId: 'azure/lb-public-frontend', resource: { id: '/subscriptions/s/resourceGroups/MC_rg_aks_weu/providers/Microsoft.Network/loadBalancers/kubernetes', type: 'lb', name: 'kubernetes' } };
  it('match by rule and case-insensitive glob', () => {
    expect(exceptionMatches({ rule: 'azure/lb-public-frontend', resource: '*/mc_rg_aks_weu/*' }, finding)).toBe(true);
    expect(exceptionMatches({ rule: '*', resource: '*/loadBalancers/kubernetes' }, finding)).toBe(true);
    expect(exceptionMatches({ rule: 'azure/aks-public-fqdn', resource: '*' }, finding)).toBe(false);
    expect(exceptionMatches({ rule: 'azure/lb-public-frontend', resource: '*/loadBalancers/kubernetes-internal' }, finding)).toBe(false);
  });
  it('expire after the end of their day (UTC)', () => {
    expect(exceptionExpired({ expires: '2026-11-22' }, new Date('2026-11-22T23:59:00Z'))).toBe(false);
    expect(exceptionExpired({ expires: '2026-11-22' }, new Date('2026-11-23T00:00:01Z'))).toBe(true);
  });
});
