import rule from '../../../shared/rules/azure/aks-private-dns-links.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster, link, pool, scopeOf, SPOKE_VNET_ID, SUB, SUB2, subnetId, systemZone, unreadable, vnet, vnetId, zone } from './builders.js';
import { linkFromArm, realdataCases, specBody, zoneFromArm } from './fixtures.js';

const aks1 = cluster('aks1');
const z1 = systemZone(aks1);
const spoke = vnet();
const hubDns = vnetId('rg-hub', 'vnet-hub-dns', SUB2);
const resolverConfig = { clouds: { azure: { resolverVnets: [hubDns] } } };
// Managed VNet: no vnetSubnetId; AKS puts the VNet in the node resource group.
const managed = cluster('aks-managed', { agentPools: [pool('system', { vnetSubnetId: undefined })] });
const managedVnet = vnet('aks-vnet-12345678', ['10.224.0.0/12'], { rg: managed.nodeResourceGroup ?? '' });

ruleTester.run(rule, {
  valid: [
    { name: 'system zone linked to the cluster VNet', inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke)], virtualNetworks: [spoke] } } },
    {
      name: 'linked to cluster VNet and resolver VNet; ids compared case-insensitively',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, SPOKE_VNET_ID.toLowerCase()), link(z1, hubDns.toUpperCase())] } },
      config: resolverConfig,
    },
    {
      name: 'managed VNet (no vnetSubnetId): the VNet in the node RG is linked',
      inventory: { azure: { clusters: [managed], virtualNetworks: [managedVnet], privateDnsZones: [systemZone(managed)], privateDnsLinks: [link(systemZone(managed), managedVnet)] } },
    },
    { name: 'privateDNSZone none: no zone to link', inventory: { azure: { clusters: [cluster('aks-none', { privateDnsZone: 'none', publicFqdnEnabled: true })] } } },
    { name: 'cluster without privateFQDN yet: undecided', inventory: { azure: { clusters: [cluster('new', { privateFqdn: undefined })] } }, undecided: [scopeOf(SUB)] },
    { name: 'zone missing: aks-private-dns-record reports it, not this rule', inventory: { azure: { clusters: [aks1] } } },
    {
      name: "system zone deleted: an unlinked shared zone whose name ends the FQDN is not the cluster's zone",
      inventory: { azure: { clusters: [aks1], privateDnsZones: [zone('privatelink.westeurope.azmk8s.io', { rg: 'rg-dns-hub' })], virtualNetworks: [spoke] } },
    },
    {
      name: 'links unreadable: undecided, not "not linked"',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1] } },
      scopes: [unreadable(['privateDnsLinks'])],
      undecided: [scopeOf(SUB)],
    },
    {
      name: 'managed VNet cluster whose node RG VNets could not be read: undecided',
      inventory: { azure: { clusters: [managed], privateDnsZones: [systemZone(managed)] } },
      scopes: [unreadable(['virtualNetworks'])],
      undecided: [scopeOf(SUB)],
    },
    ...realdataCases(() => {
      const z = zoneFromArm(specBody('privatedns/PrivateZoneGet.2024-06-01.json'));
      const l = linkFromArm(specBody('privatedns/VirtualNetworkLinkGet.2024-06-01.json'));
      const c = cluster('aks-spec', { sub: z.subscriptionId, privateDnsZone: z.id, privateFqdn: 'aks-spec.privatezone1.com', agentPools: [pool('system', { vnetSubnetId: `${l.virtualNetworkId}/subnets/aks` })] });
      return [{ name: 'realdata: spec VirtualNetworkLinkGet links the BYO zone to the cluster VNet (other subscription)', inventory: { azure: { clusters: [c], privateDnsZones: [z], privateDnsLinks: [l] } } }];
    }),
  ],
  invalid: [
    {
      name: 'zone not linked to the cluster VNet',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, vnetId('rg-x', 'vnet-other'))] } },
      findings: [{ resource: 'aks1', severity: 'high', messageIncludes: ['not linked to cluster VNet vnet-spoke', z1.name] }],
    },
    {
      name: 'linked to the cluster VNet but not to the configured resolver VNet',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke)] } },
      config: resolverConfig,
      findings: [{ resource: 'aks1', messageIncludes: 'resolver VNet vnet-hub-dns' }],
    },
    {
      name: 'BYO hub zone shared by two clusters: the one in another spoke is not linked',
      inventory: {
        azure: {
          clusters: [
            cluster('aks-a', { privateDnsZone: zone('privatelink.westeurope.azmk8s.io', { rg: 'rg-dns' }).id, privateFqdn: 'aks-a-1.privatelink.westeurope.azmk8s.io' }),
            cluster('aks-b', {
              privateDnsZone: zone('privatelink.westeurope.azmk8s.io', { rg: 'rg-dns' }).id,
              privateFqdn: 'aks-b-2.privatelink.westeurope.azmk8s.io',
              agentPools: [pool('system', { vnetSubnetId: subnetId('rg-net', 'vnet-spoke-b', 'snet-aks') })],
            }),
          ],
          privateDnsZones: [zone('privatelink.westeurope.azmk8s.io', { rg: 'rg-dns' })],
          privateDnsLinks: [link(zone('privatelink.westeurope.azmk8s.io', { rg: 'rg-dns' }), spoke)],
        },
      },
      findings: [{ resource: 'aks-b', messageIncludes: 'cluster VNet vnet-spoke-b' }],
    },
    {
      name: 'managed VNet not linked',
      inventory: { azure: { clusters: [managed], virtualNetworks: [managedVnet], privateDnsZones: [systemZone(managed)] } },
      findings: [{ resource: 'aks-managed', messageIncludes: 'aks-vnet-12345678' }],
    },
    ...realdataCases(() => {
      const z = zoneFromArm(specBody('privatedns/PrivateZoneGet.2024-06-01.json'));
      const c = cluster('aks-spec', { sub: z.subscriptionId, privateDnsZone: z.id, privateFqdn: 'aks-spec.privatezone1.com' });
      return [
        {
          name: 'realdata: spec PrivateZoneGet with 0 VNet links as the BYO zone',
          inventory: { azure: { clusters: [c], privateDnsZones: [z] } },
          findings: [{ resource: 'aks-spec', messageIncludes: 'privatezone1.com' }],
        },
      ];
    }),
  ],
});
