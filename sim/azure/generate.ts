import { createHash } from 'node:crypto';
import { prng } from '../core/deterministic.js';
import type { AzureGenerateOptions } from '../core/types.js';
import { resourceId } from './render.js';
import type { AzureEstateInput } from './scenario.js';

/**
 * Generates an Azure estate of any size: one connectivity hub (firewall, ExpressRoute gateway,
 * DNS Private Resolver) and spokes with one private AKS cluster each, peered to the hub. A
 * seeded sprinkle of spokes carries one failure each, with its ground truth. Deterministic for
 * a seed; 2,000 subscriptions take well under a second.
 */

type Failure = 'network-policy' | 'public-api' | 'orphan-ip' | 'egress' | 'registry' | 'virtual-nodes' | 'identity' | 'overlap' | 'denied';

/** Cumulative odds per spoke (about one spoke in six carries a failure). */
const ODDS: [Failure, number][] = [
  ['network-policy', 0.03],
  ['public-api', 0.02],
  ['orphan-ip', 0.02],
  ['egress', 0.02],
  ['registry', 0.015],
  ['virtual-nodes', 0.01],
  ['identity', 0.01],
  ['overlap', 0.01],
  ['denied', 0.01],
];

function guid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function generateAzureEstate(options: AzureGenerateOptions): AzureEstateInput {
  const { subscriptions, seed } = options;
  if (!Number.isInteger(subscriptions) || subscriptions < 0) throw new Error(`generateAzureEstate: subscriptions must be a whole number ≥ 0, got ${subscriptions}`);
  if (subscriptions === 0) return { subscriptions: [], truth: [] };
  const random = prng(seed);
  const truth: { ruleId: string; resourceId: string }[] = [];
  const hubSub = guid(`airlock-gen/${seed}/hub`);
  const hubVnet = resourceId(hubSub, 'rg-hub-weu', 'Microsoft.Network/virtualNetworks/vnet-hub-weu');
  const estate: AzureEstateInput & { subscriptions: NonNullable<AzureEstateInput['subscriptions']> } = {
    subscriptions: [
      {
        id: hubSub,
        name: 'sub-connectivity',
        managementGroups: ['mg-platform'],
        resourceGroups: [
          {
            name: 'rg-hub-weu',
            location: 'westeurope',
            vnets: [
              {
                name: 'vnet-hub-weu',
                addressPrefixes: ['10.100.0.0/22'],
                subnets: [
                  { name: 'GatewaySubnet', prefix: '10.100.0.0/27' },
                  { name: 'AzureFirewallSubnet', prefix: '10.100.0.64/26' },
                  { name: 'snet-dns-inbound', prefix: '10.100.1.0/28' },
                ],
              },
            ],
            firewalls: [{ name: 'afw-hub-weu', vnet: 'rg-hub-weu/vnet-hub-weu', privateIp: '10.100.0.68' }],
            gateways: [{ name: 'ergw-hub-weu', type: 'ExpressRoute', sku: 'ErGw1AZ', vnet: 'rg-hub-weu/vnet-hub-weu' }],
            dnsResolvers: [{ name: 'dnspr-hub-weu', vnet: 'rg-hub-weu/vnet-hub-weu', inboundEndpoints: [{ name: 'in-onprem', ip: '10.100.1.4' }] }],
          },
        ],
      },
    ],
    truth,
  };

  for (let i = 1; i < subscriptions; i++) {
    const n = String(i).padStart(4, '0');
    const sub = guid(`airlock-gen/${seed}/spoke/${i}`);
    const rg = `rg-aks-${n}-weu`;
    const cluster = `aks-${n}-weu`;
    const nodeRg = `MC_${rg}_${cluster}_westeurope`;
    const clusterId = resourceId(sub, rg, `Microsoft.ContainerService/managedClusters/${cluster}`);
    const roll = random();
    let acc = 0;
    const failure = ODDS.find(([, p]) => (acc += p) > roll)?.[0];
    // Spoke address plan: 10.16.0.0/24 upwards, clear of on-prem (10.10/16) and the hub (10.100/22).
    const block = failure === 'overlap' ? `10.10.${i % 256}.0/24` : `10.${16 + Math.floor(i / 256)}.${i % 256}.0/24`;
    const vnetName = `vnet-aks-${n}-weu`;
    const vnetId = resourceId(sub, rg, `Microsoft.Network/virtualNetworks/${vnetName}`);
    const orphanIpName = `kubernetes-${guid(`pip/${sub}`).slice(0, 8)}`;
    const registryName = `acr${n}weu`;
    const spoke: NonNullable<AzureEstateInput['subscriptions']>[number] = {
      id: sub,
      name: `sub-aks-${n}`,
      managementGroups: ['mg-landingzones'],
      denied: failure === 'denied',
      resourceGroups: [
        {
          name: rg,
          location: 'westeurope',
          vnets: [{ name: vnetName, addressPrefixes: [block], subnets: [{ name: 'snet-aks-nodes', prefix: block }], peerings: [{ remote: hubVnet, useRemoteGateways: true }] }],
          clusters: [
            {
              name: cluster,
              private: failure !== 'public-api',
              subnet: `${rg}/${vnetName}/snet-aks-nodes`,
              networkPolicy: failure === 'network-policy' ? 'none' : 'calico',
              outboundType: failure === 'egress' ? 'loadBalancer' : 'userDefinedRouting',
              virtualNodes: failure === 'virtual-nodes',
              ...(failure === 'identity' ? { servicePrincipal: guid(`sp/${sub}`) } : {}),
              systemZone: { extraLinks: [hubVnet] },
            },
          ],
          registries: failure === 'registry' ? [{ name: registryName, sku: 'Basic', publicNetworkAccess: 'Enabled', privateEndpoints: 0 }] : [],
        },
        ...(failure === 'orphan-ip' ? [{ name: nodeRg, location: 'westeurope', publicIps: [{ name: orphanIpName, ipAddress: `20.${50 + (i % 100)}.${i % 256}.${(i * 7) % 250}` }] }] : []),
      ],
    };
    // Egress goes through the hub's firewall, so every spoke pays some peering traffic each month
    // (200–1,500 GB each way at 0.01 USD/GB: under the 50 USD default threshold, no finding).
    const gb = 200 + (parseInt(guid(`peering-gb/${sub}`).slice(0, 4), 16) % 1300);
    spoke.peeringCosts = [
      { vnet: `${rg}/${vnetName}`, meter: 'Intra-Region Egress', quantityGb: gb },
      { vnet: `${rg}/${vnetName}`, meter: 'Intra-Region Ingress', quantityGb: Math.round(gb * 0.6) },
    ];
    estate.subscriptions.push(spoke);
    switch (failure) {
      case 'network-policy':
        truth.push({ ruleId: 'azure/aks-network-policy', resourceId: clusterId });
        break;
      case 'public-api':
        truth.push({ ruleId: 'azure/aks-private-api', resourceId: clusterId });
        break;
      case 'orphan-ip':
        truth.push({ ruleId: 'azure/public-ip-in-node-rg', resourceId: resourceId(sub, nodeRg, `Microsoft.Network/publicIPAddresses/${orphanIpName}`) });
        break;
      case 'egress':
        truth.push({ ruleId: 'azure/aks-egress-bypass', resourceId: clusterId });
        break;
      case 'registry':
        truth.push({ ruleId: 'azure/acr-private', resourceId: resourceId(sub, rg, `Microsoft.ContainerRegistry/registries/${registryName}`) });
        break;
      case 'virtual-nodes':
        truth.push({ ruleId: 'azure/virtual-nodes', resourceId: clusterId });
        break;
      case 'identity':
        truth.push({ ruleId: 'azure/aks-identity', resourceId: clusterId });
        break;
      case 'overlap':
        truth.push({ ruleId: 'azure/address-overlap', resourceId: vnetId });
        break;
      case 'denied':
        truth.push({ ruleId: 'audit/scope-unreadable', resourceId: `azure/subscription/${sub}` });
        break;
      case undefined:
        break;
    }
  }
  return estate;
}
