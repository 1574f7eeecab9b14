import rule from '../../../shared/rules/azure/aks-private-dns-record.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { aRecord, apiRecord, cluster, readable, scopeOf, SUB, SUB2, systemZone, unreadable, zone } from './builders.js';
import { aRecordFromArm, clusterFromArm, readJson, realdataCases, specBody, zoneFromArm } from './fixtures.js';

const aks1 = cluster('aks1');
const byoZone = zone('privatelink.westeurope.azmk8s.io', { rg: 'rg-dns-hub', sub: SUB2 });
const byo = cluster('aks-byo', { privateDnsZone: byoZone.id, privateFqdn: 'aks-byo-9f8e7d6c.privatelink.westeurope.azmk8s.io' });
const subZone = zone('team-a.privatelink.westeurope.azmk8s.io', { rg: 'rg-dns-hub' });
const withSubzone = cluster('aks-sub', { privateDnsZone: subZone.id, privateFqdn: 'aks-sub-11aa22bb.team-a.privatelink.westeurope.azmk8s.io' });
const vnetIntegrated = cluster('aks-vi', { vnetIntegration: true, privateFqdn: 'aks-vi-33cc44dd.private.westeurope.azmk8s.io' });
const viZone = zone('private.westeurope.azmk8s.io', { rg: vnetIntegrated.nodeResourceGroup ?? '' });
/** A BYO zone shared by other clusters: its name ends every westeurope private FQDN, but it is not aks1's zone. */
const sharedZone = zone('privatelink.westeurope.azmk8s.io', { rg: 'rg-dns-hub' });
const sharing = cluster('aks-shared', { privateDnsZone: sharedZone.id, privateFqdn: 'aks-shared-5e6f7a8b.privatelink.westeurope.azmk8s.io' });

ruleTester.run(rule, {
  valid: [
    { name: 'system zone in the node RG with the API A record', inventory: { azure: { clusters: [aks1], privateDnsZones: [systemZone(aks1)], privateDnsRecords: [apiRecord(aks1)] } } },
    {
      name: 'BYO zone id in another (audited) subscription, record present; privateFQDN case differs',
      inventory: { azure: { clusters: [{ ...byo, privateFqdn: 'AKS-BYO-9f8e7d6c.PrivateLink.WestEurope.azmk8s.io.' }], privateDnsZones: [byoZone], privateDnsRecords: [aRecord(byoZone, 'aks-byo-9f8e7d6c')] } },
      scopes: [readable(SUB), readable(SUB2)],
    },
    { name: 'subzone', inventory: { azure: { clusters: [withSubzone], privateDnsZones: [subZone], privateDnsRecords: [aRecord(subZone, 'aks-sub-11aa22bb')] } } },
    { name: 'VNet-integrated API server: private.<region> zone', inventory: { azure: { clusters: [vnetIntegrated], privateDnsZones: [viZone], privateDnsRecords: [aRecord(viZone, 'aks-vi-33cc44dd')] } } },
    {
      name: 'the node-RG system zone wins over a generic privatelink zone elsewhere',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [zone('privatelink.westeurope.azmk8s.io', { rg: 'rg-dns-hub' }), systemZone(aks1)], privateDnsRecords: [apiRecord(aks1)] } },
    },
    { name: 'privateDNSZone none: no private zone expected', inventory: { azure: { clusters: [cluster('aks-none', { privateDnsZone: 'none', publicFqdnEnabled: true })] } } },
    { name: 'public cluster', inventory: { azure: { clusters: [cluster('pub', { privateCluster: false, privateDnsZone: undefined, privateFqdn: undefined })] } } },
    {
      name: 'zones unreadable in the cluster subscription: undecided, not "missing"',
      inventory: { azure: { clusters: [aks1] } },
      scopes: [unreadable(['privateDnsZones'])],
      undecided: [scopeOf(SUB)],
    },
    {
      name: 'BYO zone in a subscription that was not audited: undecided',
      inventory: { azure: { clusters: [byo] } },
      scopes: [readable(SUB)],
      undecided: [scopeOf(SUB)],
    },
    {
      name: 'BYO zone subscription unreadable: undecided',
      inventory: { azure: { clusters: [byo] } },
      scopes: [readable(SUB), unreadable(['privateDnsZones'], SUB2)],
      undecided: [scopeOf(SUB), scopeOf(SUB2)],
    },
    {
      name: 'record sets unreadable: undecided',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [systemZone(aks1)] } },
      scopes: [unreadable(['privateDnsRecords'])],
      undecided: [scopeOf(SUB)],
    },
    { name: 'cluster without privateFQDN yet: undecided', inventory: { azure: { clusters: [cluster('new', { privateFqdn: undefined })] } }, undecided: [scopeOf(SUB)] },
    ...realdataCases(() => {
      // Spec zone and A record, with a cluster whose BYO zone is that zone and whose API host is that record.
      const z = zoneFromArm(specBody('privatedns/PrivateZoneGet.2024-06-01.json'));
      const rec = aRecordFromArm(specBody('privatedns/RecordSetAGet.2024-06-01.json'));
      return [
        {
          name: 'realdata: spec PrivateZoneGet + RecordSetAGet as a BYO zone with the API record',
          inventory: { azure: { clusters: [cluster('aks-spec', { sub: z.subscriptionId, privateDnsZone: z.id, privateFqdn: 'recorda.privatezone1.com' })], privateDnsZones: [z], privateDnsRecords: [rec] } },
        },
      ];
    }),
  ],
  invalid: [
    {
      name: 'system zone missing from the node RG',
      inventory: { azure: { clusters: [aks1, cluster('aks2')], privateDnsZones: [systemZone(cluster('aks2'))], privateDnsRecords: [apiRecord(cluster('aks2'))] } },
      findings: [{ resource: 'aks1', severity: 'high', messageIncludes: ['no private DNS zone', 'MC_rg-aks_aks1_westeurope'] }],
    },
    {
      name: "system zone deleted while a shared BYO zone ends its FQDN: the cluster's own zone is missing, the shared one is not blamed",
      inventory: { azure: { clusters: [aks1, sharing], privateDnsZones: [sharedZone], privateDnsRecords: [aRecord(sharedZone, 'aks-shared-5e6f7a8b')] } },
      findings: [{ resource: aks1.id, messageIncludes: ['no private DNS zone', `zone ${systemZone(aks1).name}`, 'MC_rg-aks_aks1_westeurope'] }],
    },
    {
      name: 'a zone with the system name but outside the node resource group is not the cluster zone',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [{ ...systemZone(aks1), id: zone(systemZone(aks1).name, { rg: 'rg-elsewhere' }).id, resourceGroup: 'rg-elsewhere' }] } },
      findings: [{ resource: 'aks1', messageIncludes: ['no private DNS zone', 'MC_rg-aks_aks1_westeurope'] }],
    },
    {
      name: 'zone present, API A record missing',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [systemZone(aks1)], privateDnsRecords: [aRecord(systemZone(aks1), 'other')] } },
      findings: [{ resource: aks1.id, messageIncludes: 'no A record `aks1-1a2b3c4d`' }],
    },
    {
      name: 'A record without addresses',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [systemZone(aks1)], privateDnsRecords: [apiRecord(aks1, [])] } },
      findings: [{ resource: 'aks1', messageIncludes: 'has no address' }],
    },
    {
      name: 'BYO zone id that does not exist (audited subscription)',
      inventory: { azure: { clusters: [byo] } },
      scopes: [readable(SUB), readable(SUB2)],
      findings: [{ resource: 'aks-byo', messageIncludes: byoZone.id }],
    },
    {
      name: 'subzone record missing; another zone unreadable elsewhere does not matter',
      inventory: { azure: { clusters: [withSubzone], privateDnsZones: [subZone] } },
      scopes: [readable(SUB), unreadable(['privateDnsRecords'], SUB2)],
      findings: [{ resource: 'aks-sub', messageIncludes: 'no A record `aks-sub-11aa22bb`' }],
    },
    {
      name: 'VNet-integrated cluster without its private.<region> zone',
      inventory: { azure: { clusters: [vnetIntegrated] } },
      findings: [{ resource: 'aks-vi', messageIncludes: 'aks-vi-33cc44dd.private.westeurope.azmk8s.io' }],
    },
    ...realdataCases(() => {
      const recorded = clusterFromArm(readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'));
      const subdomain = clusterFromArm(specBody('containerservice/ManagedClustersCreate_PrivateClusterFQDNSubdomain.2024-09-01.json'));
      const byoSpecZone = { ...zoneFromArm(specBody('privatedns/PrivateZoneGet.2024-06-01.json')), id: subdomain.privateDnsZone ?? '', name: 'privatelink.location1.azmk8s.io', resourceGroup: 'rg1', subscriptionId: subdomain.subscriptionId, scope: subdomain.scope };
      return [
        {
          name: 'realdata: azure-cli recorded system cluster whose zone is absent',
          inventory: { azure: { clusters: [recorded] } },
          findings: [{ resource: 'cliakstest000001', messageIncludes: 'MC_clitest000001_cliakstest000001_westus2' }],
        },
        {
          name: 'realdata: spec FQDNSubdomain BYO zone without the domain1 record',
          inventory: { azure: { clusters: [subdomain], privateDnsZones: [byoSpecZone] } },
          findings: [{ resource: 'clustername1', messageIncludes: 'no A record `domain1`' }],
        },
      ];
    }),
  ],
});
