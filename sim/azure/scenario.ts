import { z } from 'zod';
import { estateTruthSchema } from '../core/estate-schema.js';

/**
 * The azure part of a scenario: subscriptions → resource groups → resources, written compactly.
 * ARM ids are derived from subscription / resource group / name. References between resources
 * (`subnet`, `vnet`, `remote`, `publicIp`, `zone`...) accept a full ARM id, or a short form
 * `[<subscription id or name>:]<resource group>/<name>[/<child>]` resolved in the estate.
 */

const ref = z.string().min(1);
const tags = z.record(z.string(), z.string()).default({});

const agentPool = z
  .object({
    name: z.string().min(1),
    mode: z.enum(['System', 'User']).default('System'),
    /** Subnet ref (`rg/vnet/subnet`); defaults to the cluster's `subnet`. */
    subnet: ref.optional(),
    podSubnet: ref.optional(),
    nodePublicIp: z.boolean().default(false),
    count: z.number().int().min(0).default(3),
  })
  .strict();

const cluster = z
  .object({
    name: z.string().min(1),
    location: z.string().optional(),
    private: z.boolean().default(true),
    /** `system`, `none`, or a private DNS zone ref (BYO zone). */
    privateDnsZone: z.string().default('system'),
    publicFqdn: z.boolean().default(false),
    authorizedIpRanges: z.array(z.string()).default([]),
    vnetIntegration: z.boolean().default(false),
    dnsPrefix: z.string().optional(),
    nodeResourceGroup: z.string().optional(),
    publicNetworkAccess: z.enum(['Enabled', 'Disabled']).optional(),
    networkPlugin: z.enum(['azure', 'kubenet', 'none']).default('azure'),
    networkPolicy: z.enum(['none', 'calico', 'azure', 'cilium']).optional().default('calico'),
    outboundType: z.enum(['loadBalancer', 'userDefinedRouting', 'managedNATGateway', 'userAssignedNATGateway', 'none']).default('userDefinedRouting'),
    podCidr: z.string().optional(),
    serviceCidr: z.string().default('10.0.0.0/16'),
    virtualNodes: z.boolean().default(false),
    /** A service principal client id; absent means managed identity (`msi`). */
    servicePrincipal: z.string().optional(),
    identityType: z.enum(['SystemAssigned', 'UserAssigned', 'None']).optional(),
    /** Node subnet ref for the default pool (`rg/vnet/subnet`). */
    subnet: ref.optional(),
    pools: z.array(agentPool).optional(),
    /** What AKS created in the system zone (only for `privateDnsZone: system`). */
    systemZone: z
      .object({
        exists: z.boolean().default(true),
        aRecord: z.boolean().default(true),
        /** Extra VNets (besides the cluster VNet, which AKS links) the operator linked. */
        extraLinks: z.array(ref).default([]),
        linkClusterVnet: z.boolean().default(true),
      })
      .strict()
      .default({ exists: true, aRecord: true, extraLinks: [], linkClusterVnet: true }),
    /** Whether AKS wrote the API server A record into the BYO zone. */
    byoZoneRecord: z.boolean().default(true),
    tags,
  })
  .strict();

const lbRule = z.object({ name: z.string().min(1), frontend: z.string().min(1) }).strict();

const loadBalancer = z
  .object({
    name: z.string().min(1),
    location: z.string().optional(),
    sku: z.string().default('Standard'),
    frontends: z
      .array(
        z
          .object({
            name: z.string().min(1),
            /** Public IP ref (`rg/name`, usually the same resource group). */
            publicIp: ref.optional(),
            privateIp: z.string().optional(),
            subnet: ref.optional(),
          })
          .strict(),
      )
      .default([]),
    rules: z.array(lbRule).default([]),
    natRules: z.array(lbRule).default([]),
    outboundRules: z.array(lbRule).default([]),
    tags,
  })
  .strict();

const publicIp = z
  .object({
    name: z.string().min(1),
    location: z.string().optional(),
    ipAddress: z.string().optional(),
    sku: z.string().default('Standard'),
    /** An explicit ip configuration id (NIC, gateway...); LB frontends that reference the IP set it themselves. */
    ipConfiguration: z.string().optional(),
    tags,
  })
  .strict();

const subnet = z
  .object({
    name: z.string().min(1),
    prefix: z.string(),
    routeTable: ref.optional(),
    natGateway: ref.optional(),
  })
  .strict();

const peering = z
  .object({
    name: z.string().optional(),
    remote: ref,
    allowGatewayTransit: z.boolean().default(false),
    useRemoteGateways: z.boolean().default(false),
    allowForwardedTraffic: z.boolean().default(true),
    state: z.enum(['Initiated', 'Connected', 'Disconnected']).default('Connected'),
    /** Overrides the remote address space (defaults to the remote VNet's prefixes when it is in the estate). */
    remoteAddressPrefixes: z.array(z.string()).optional(),
  })
  .strict();

const vnet = z
  .object({
    name: z.string().min(1),
    location: z.string().optional(),
    addressPrefixes: z.array(z.string()).min(1),
    dnsServers: z.array(z.string()).default([]),
    subnets: z.array(subnet).default([]),
    peerings: z.array(peering).default([]),
    tags,
  })
  .strict();

const privateDnsZone = z
  .object({
    name: z.string().min(1),
    links: z
      .array(
        z
          .object({
            name: z.string().optional(),
            vnet: ref,
            registrationEnabled: z.boolean().default(false),
            state: z.enum(['InProgress', 'Completed']).default('Completed'),
          })
          .strict(),
      )
      .default([]),
    aRecords: z.array(z.object({ name: z.string().min(1), ips: z.array(z.string()).min(1), ttl: z.number().int().default(300) }).strict()).default([]),
    tags,
  })
  .strict();

const dnsResolver = z
  .object({
    name: z.string().min(1),
    location: z.string().optional(),
    vnet: ref,
    inboundEndpoints: z
      .array(z.object({ name: z.string().min(1), ip: z.string(), subnet: z.string().default('snet-dns-inbound') }).strict())
      .default([]),
  })
  .strict();

const registry = z
  .object({
    name: z.string().min(1),
    location: z.string().optional(),
    sku: z.enum(['Basic', 'Standard', 'Premium']).default('Premium'),
    publicNetworkAccess: z.enum(['Enabled', 'Disabled']).default('Disabled'),
    adminUserEnabled: z.boolean().default(false),
    privateEndpoints: z.number().int().min(0).default(1),
  })
  .strict();

const bastion = z.object({ name: z.string().min(1), location: z.string().optional(), sku: z.string().default('Basic'), vnet: ref }).strict();
const firewall = z
  .object({ name: z.string().min(1), location: z.string().optional(), sku: z.string().default('Standard'), vnet: ref, privateIp: z.string().default('10.0.1.4') })
  .strict();
const gateway = z
  .object({
    name: z.string().min(1),
    location: z.string().optional(),
    type: z.enum(['Vpn', 'ExpressRoute']).default('Vpn'),
    sku: z.string().default('VpnGw1'),
    vnet: ref,
  })
  .strict();

const resourceGroup = z
  .object({
    name: z.string().min(1),
    location: z.string().default('westeurope'),
    clusters: z.array(cluster).default([]),
    loadBalancers: z.array(loadBalancer).default([]),
    publicIps: z.array(publicIp).default([]),
    vnets: z.array(vnet).default([]),
    privateDnsZones: z.array(privateDnsZone).default([]),
    dnsResolvers: z.array(dnsResolver).default([]),
    registries: z.array(registry).default([]),
    bastionHosts: z.array(bastion).default([]),
    firewalls: z.array(firewall).default([]),
    gateways: z.array(gateway).default([]),
  })
  .strict();

const peeringCost = z
  .object({
    /** The VNet billed (ref). */
    vnet: ref,
    meter: z.enum(['Intra-Region Ingress', 'Intra-Region Egress', 'Inter-Region Ingress', 'Inter-Region Egress']),
    quantityGb: z.number().nonnegative(),
    /** USD; defaults to quantity × list price (0.01/GB intra-region, 0.035/GB inter-region). */
    cost: z.number().nonnegative().optional(),
  })
  .strict();

const subscription = z
  .object({
    id: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'expected a subscription GUID'),
    name: z.string().min(1),
    /** The provider answers 403 AuthorizationFailed for every read in this subscription. */
    denied: z.boolean().default(false),
    managementGroups: z.array(z.string()).default([]),
    resourceGroups: z.array(resourceGroup).default([]),
    peeringCosts: z.array(peeringCost).default([]),
  })
  .strict();

/**
 * The billing agreement of the estate's subscriptions, which decides the scopes Cost Management
 * answers above a subscription: management groups for Enterprise Agreement and pay-as-you-go
 * (MOSP) subscriptions only; the billing account for EA and MCA; billing profiles for MCA.
 */
const billing = z
  .object({
    agreement: z.enum(['EnterpriseAgreement', 'MicrosoftCustomerAgreement', 'MicrosoftOnlineServicesProgram']).default('EnterpriseAgreement'),
    accountId: z.string().min(1).default('8611537'),
    /** MCA billing profiles (each bills every subscription of the estate here). */
    profiles: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const azureEstateSchema = z
  .object({
    tenantId: z.string().default('72f988bf-86f1-41af-91ab-2d7cd011db47'),
    billing: billing.default({ agreement: 'EnterpriseAgreement', accountId: '8611537', profiles: [] }),
    subscriptions: z.array(subscription).default([]),
    truth: z.array(estateTruthSchema).default([]),
  })
  .strict();

export type AzureEstate = z.output<typeof azureEstateSchema>;
export type AzureEstateInput = z.input<typeof azureEstateSchema>;
export type AzureSubscriptionSpec = AzureEstate['subscriptions'][number];
type AzureResourceGroupSpec = AzureSubscriptionSpec['resourceGroups'][number];
export type AzureClusterSpec = AzureResourceGroupSpec['clusters'][number];
