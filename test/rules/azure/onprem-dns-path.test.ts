import type { ScopeCoverage } from '../../../shared/model/coverage.js';
import rule from '../../../shared/rules/azure/onprem-dns-path.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster, link, resolverEndpoint, scopeOf, SUB, SUB2, systemZone, unreadable, vnet, vnetId, zone } from './builders.js';
import { linkFromArm, realdataCases, specBody, vnetFromArm, zoneFromArm } from './fixtures.js';

const aks1 = cluster('aks1');
const z1 = systemZone(aks1);
const spoke = vnet();
const hub = vnet('vnet-hub', ['10.0.0.0/22'], { rg: 'rg-hub', sub: SUB2 });
/** The hub's subscription audited, and complete, in this run. */
const hubAudited: ScopeCoverage = { scope: { cloud: 'azure', kind: 'subscription', id: SUB2 }, complete: true, failed: [] };
const audited: ScopeCoverage = { scope: { cloud: 'azure', kind: 'subscription', id: SUB }, complete: true, failed: [] };

ruleTester.run(rule, {
  valid: [
    {
      name: 'resolver inbound endpoint in a hub VNet linked to the zone',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke), link(z1, hub)], virtualNetworks: [spoke, hub], resolverInboundEndpoints: [resolverEndpoint('inbound', hub, ['10.0.0.4'])] } },
    },
    {
      name: 'configured forwarder VM inside a linked VNet',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke), link(z1, hub)], virtualNetworks: [spoke, hub] } },
      config: { clouds: { azure: { dnsForwarders: ['10.0.1.10', '10.0.2.53'] } } },
    },
    { name: 'cluster without privateFQDN yet: undecided', inventory: { azure: { clusters: [cluster('new', { privateFqdn: undefined })] } }, undecided: [scopeOf(SUB)] },
    { name: 'privateDNSZone none: not applicable', inventory: { azure: { clusters: [cluster('n', { privateDnsZone: 'none', publicFqdnEnabled: true })] } } },
    {
      name: 'resolver endpoints unreadable in the subscription of a linked VNet: undecided',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke)], virtualNetworks: [spoke] } },
      scopes: [unreadable(['resolverInboundEndpoints'], SUB)],
      undecided: [scopeOf(SUB)],
    },
    {
      name: 'forwarders configured, zone linked to a VNet outside the audited subscriptions: undecided',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, '/subscriptions/9f9f9f9f-0000-4000-8000-000000000009/resourceGroups/rg-dns/providers/Microsoft.Network/virtualNetworks/vnet-dns')] } },
      config: { clouds: { azure: { dnsForwarders: ['10.50.0.4'] } } },
      undecided: [scopeOf(SUB)],
    },
    {
      name: 'hub-and-spoke with the hub (and its resolver) in an unaudited subscription, no forwarders: undecided',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke), link(z1, hub)], virtualNetworks: [spoke] } },
      scopes: [audited],
      undecided: [scopeOf(SUB)],
    },
    {
      name: 'zone linked only to a VNet in an unaudited subscription, no forwarders: undecided',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, hub)] } },
      undecided: [scopeOf(SUB)],
    },
    {
      name: 'forwarders configured outside the audited VNets, hub in an unaudited subscription: undecided',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke), link(z1, hub)], virtualNetworks: [spoke] } },
      config: { clouds: { azure: { dnsForwarders: ['10.99.0.4'] } } },
      scopes: [audited],
      undecided: [scopeOf(SUB)],
    },
    {
      name: 'forwarders configured, hub linked to the zone in a subscription whose VNets could not be read: undecided',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke), link(z1, hub)], virtualNetworks: [spoke] } },
      config: { clouds: { azure: { dnsForwarders: ['10.0.1.10'] } } },
      scopes: [audited, unreadable(['virtualNetworks'], SUB2)],
      undecided: [scopeOf(SUB)],
    },
    {
      name: "system zone deleted: a shared zone whose name ends the FQDN is not the cluster's zone",
      inventory: { azure: { clusters: [aks1], privateDnsZones: [zone('privatelink.westeurope.azmk8s.io', { rg: 'rg-dns-hub' })], virtualNetworks: [spoke] } },
    },
    ...realdataCases(() => {
      // Spec zone + spec link to `virtualNetworkName`, with the spec VNet (10.0.0.0/16) standing in as that VNet.
      const z = zoneFromArm(specBody('privatedns/PrivateZoneGet.2024-06-01.json'));
      const l = linkFromArm(specBody('privatedns/VirtualNetworkLinkGet.2024-06-01.json'));
      const v = { ...vnetFromArm(specBody('network/VirtualNetworkGet.2024-03-01.json')), id: l.virtualNetworkId };
      const c = cluster('aks-spec', { sub: z.subscriptionId, privateDnsZone: z.id, privateFqdn: 'aks-spec.privatezone1.com' });
      return [
        {
          name: 'realdata: spec link + spec VNet holding the configured forwarder 10.0.1.4',
          inventory: { azure: { clusters: [c], privateDnsZones: [z], privateDnsLinks: [l], virtualNetworks: [v] } },
          config: { clouds: { azure: { dnsForwarders: ['10.0.1.4'] } } },
        },
      ];
    }),
  ],
  invalid: [
    {
      name: 'resolver endpoints unreadable only in an unrelated subscription: still a finding',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke)], virtualNetworks: [spoke] } },
      scopes: [unreadable(['resolverInboundEndpoints'], SUB2)],
      findings: [{ resource: 'aks1', messageIncludes: 'no DNS resolver inbound endpoint' }],
    },
    {
      name: 'zone linked only to the spoke, resolver in an unlinked hub',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke)], virtualNetworks: [spoke, hub], resolverInboundEndpoints: [resolverEndpoint('inbound', hub)] } },
      findings: [{ resource: 'aks1', severity: 'medium', messageIncludes: ['no DNS resolver inbound endpoint', 'vnet-spoke'] }],
    },
    {
      name: 'configured forwarder outside every linked VNet',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke)], virtualNetworks: [spoke, hub] } },
      config: { clouds: { azure: { dnsForwarders: ['10.0.1.10'] } } },
      findings: [{ resource: 'aks1', messageIncludes: 'or configured forwarder' }],
    },
    {
      name: 'hub linked to the zone is in an audited subscription and has no resolver endpoint',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke), link(z1, hub)], virtualNetworks: [spoke, hub] } },
      scopes: [audited, hubAudited],
      findings: [{ resource: 'aks1', messageIncludes: ['no DNS resolver inbound endpoint', 'vnet-hub'] }],
    },
    {
      name: 'forwarders configured, VNets unreadable only in a subscription holding no linked VNet: still a finding',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke)], virtualNetworks: [spoke] } },
      config: { clouds: { azure: { dnsForwarders: ['10.99.0.4'] } } },
      scopes: [audited, unreadable(['virtualNetworks'], SUB2)],
      findings: [{ resource: 'aks1', messageIncludes: ['or configured forwarder', 'vnet-spoke'] }],
    },
    {
      name: 'forwarders configured, a link to a VNet that no longer exists in a subscription read completely: still a finding',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], privateDnsLinks: [link(z1, spoke), link(z1, vnetId('rg-net', 'vnet-deleted'))], virtualNetworks: [spoke] } },
      config: { clouds: { azure: { dnsForwarders: ['10.99.0.4'] } } },
      scopes: [audited],
      findings: [{ resource: 'aks1', messageIncludes: 'or configured forwarder' }],
    },
    {
      name: 'zone linked to no VNet at all',
      inventory: { azure: { clusters: [aks1], privateDnsZones: [z1], virtualNetworks: [spoke] } },
      findings: [{ resource: 'aks1', messageIncludes: 'linked to no VNet' }],
    },
    ...realdataCases(() => {
      const z = zoneFromArm(specBody('privatedns/PrivateZoneGet.2024-06-01.json'));
      const c = cluster('aks-spec', { sub: z.subscriptionId, privateDnsZone: z.id, privateFqdn: 'aks-spec.privatezone1.com' });
      return [{ name: 'realdata: spec PrivateZoneGet with 0 links', inventory: { azure: { clusters: [c], privateDnsZones: [z] } }, findings: [{ resource: 'aks-spec', messageIncludes: 'privatezone1.com' }] }];
    }),
  ],
});
