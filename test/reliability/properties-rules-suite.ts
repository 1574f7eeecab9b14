import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../shared/config/schema.js';
import { emptyCoverage } from '../../shared/model/coverage.js';
import { emptyInventory, type Inventory } from '../../shared/model/inventory/index.js';
import { scopeKey } from '../../shared/model/scope.js';
import { tryParseCidr } from '../../shared/rules/cidr.js';
import { allRules } from '../../shared/rules/index.js';
import { evaluateRules } from '../../shared/rules/kit.js';
import * as aws from '../rules/aws/builders.js';
import * as azure from '../rules/azure/builders.js';
import * as gcp from '../rules/gcp/builders.js';
import { BAD_CIDRS, GOOD_CIDRS, oddString, SEED } from './properties-arbitraries.js';

/**
 * Rules treat a value they cannot parse as "could not decide" for that resource (issue 14): each
 * generated inventory puts unparsable address texts (prefixes, CIDR blocks, IPs) in the fields the
 * address rules read, one resource per scope, beside valid ranges, with on-prem ranges configured
 * so the rules have something to compare with. Every rule is evaluated; the properties: no rule
 * throws, and every resource holding an unparsable value gets, from the rule that reads that
 * field, an undecided entry for its scope or a finding (in that scope) whose evidence names the
 * bad value. Never silently nothing.
 */

/** One field a rule reads, and how to build a resource holding `values` there, in the scope of case `i`. */
interface Slot {
  rule: string;
  field: string;
  /**
   * Valid values that may stand beside the bad one (default GOOD_CIDRS). A rule that needs only one
   * entry to decide (a router range covering the control plane) rightly ignores the rest: such a
   * slot leaves out the entries that would decide, so the bad value is what the decision rests on.
   */
  good?: readonly string[];
  place: (i: number, values: string[], bad: string) => { scope: string; add: (inv: Inventory) => void };
}

const sub = (i: number): string => `1b2c3d4e-0000-4000-8000-${String(100_000_000_000 + i).slice(-12)}`;
const project = (i: number): string => `airlock-props-${String(i)}`;
const account = (i: number): { scope: string; accountId: string } => {
  const accountId = String(300_000_000_000 + i);
  return { accountId, scope: scopeKey({ cloud: 'aws', kind: 'account-region', id: `${accountId}/${aws.REGION}` }) };
};

const SLOTS: readonly Slot[] = [
  {
    rule: 'azure/address-overlap',
    field: 'VNet addressPrefixes',
    place: (i, values) => {
      const v = azure.vnet(`vnet-${String(i)}`, values, { sub: sub(i) });
      return { scope: v.scope, add: (inv) => inv.azure.virtualNetworks.push(v) };
    },
  },
  {
    rule: 'azure/address-overlap',
    field: 'VNet peering remoteAddressPrefixes',
    place: (i, values) => {
      const v = azure.vnet(`vnet-${String(i)}`, ['10.20.0.0/16'], { sub: sub(i) });
      v.peerings.push(azure.peering(v, azure.vnetId('rg-partner', `vnet-partner-${String(i)}`, sub(i)), { remoteAddressPrefixes: values }));
      return { scope: v.scope, add: (inv) => inv.azure.virtualNetworks.push(v) };
    },
  },
  {
    rule: 'azure/address-overlap',
    field: 'AKS podCidrs',
    place: (i, values) => {
      const c = azure.cluster(`aks-${String(i)}`, { sub: sub(i), networkPlugin: 'kubenet', podCidrs: values });
      return { scope: c.scope, add: (inv) => inv.azure.clusters.push(c) };
    },
  },
  {
    rule: 'azure/address-overlap',
    field: 'AKS serviceCidrs',
    place: (i, values) => {
      const c = azure.cluster(`aks-${String(i)}`, { sub: sub(i), serviceCidrs: values });
      return { scope: c.scope, add: (inv) => inv.azure.clusters.push(c) };
    },
  },
  {
    rule: 'azure/aks-private-api',
    field: 'AKS authorizedIpRanges',
    place: (i, values) => {
      const c = azure.cluster(`aks-${String(i)}`, { sub: sub(i), privateCluster: false, authorizedIpRanges: values });
      return { scope: c.scope, add: (inv) => inv.azure.clusters.push(c) };
    },
  },
  {
    rule: 'gcp/address-overlap',
    field: 'subnetwork ipCidrRange',
    place: (i, _values, bad) => {
      const s = gcp.subnet(`subnet-${String(i)}`, { ipCidrRange: bad }, project(i));
      return { scope: s.scope, add: (inv) => inv.gcp.subnetworks.push(s) };
    },
  },
  {
    rule: 'gcp/address-overlap',
    field: 'subnetwork secondaryIpRanges',
    place: (i, values) => {
      const s = gcp.subnet(`subnet-${String(i)}`, { secondaryIpRanges: values.map((ipCidrRange, n) => ({ rangeName: `range-${String(n)}`, ipCidrRange })) }, project(i));
      return { scope: s.scope, add: (inv) => inv.gcp.subnetworks.push(s) };
    },
  },
  {
    rule: 'gcp/address-overlap',
    field: 'GKE masterIpv4CidrBlock',
    place: (i, _values, bad) => {
      const c = gcp.cluster(`gke-${String(i)}`, { projectId: project(i), masterIpv4CidrBlock: bad });
      return { scope: c.scope, add: (inv) => inv.gcp.clusters.push(c) };
    },
  },
  {
    rule: 'gcp/address-overlap',
    field: 'GKE clusterIpv4Cidr (routes-based)',
    place: (i, _values, bad) => {
      const c = gcp.cluster(`gke-${String(i)}`, { projectId: project(i), vpcNative: false, clusterIpv4Cidr: bad, servicesIpv4Cidr: '10.140.0.0/20' });
      return { scope: c.scope, add: (inv) => inv.gcp.clusters.push(c) };
    },
  },
  {
    rule: 'gcp/address-overlap',
    field: 'GKE servicesIpv4Cidr (routes-based)',
    place: (i, _values, bad) => {
      const c = gcp.cluster(`gke-${String(i)}`, { projectId: project(i), vpcNative: false, clusterIpv4Cidr: '10.144.0.0/14', servicesIpv4Cidr: bad });
      return { scope: c.scope, add: (inv) => inv.gcp.clusters.push(c) };
    },
  },
  {
    rule: 'gcp/gke-authorized-networks',
    field: 'GKE masterAuthorizedNetworks.cidrBlocks',
    place: (i, values) => {
      const c = gcp.cluster(`gke-${String(i)}`, { projectId: project(i), masterAuthorizedNetworks: { enabled: true, cidrBlocks: values, gcpPublicCidrsAccessEnabled: false } });
      return { scope: c.scope, add: (inv) => inv.gcp.clusters.push(c) };
    },
  },
  {
    rule: 'gcp/router-advertises-master',
    field: 'Cloud Router advertisedIpRanges',
    // Not 172.16.0.0/12: it holds the default control-plane range 172.16.0.0/28.
    good: GOOD_CIDRS.filter((c) => c !== '172.16.0.0/12'),
    place: (i, values) => {
      const c = gcp.cluster(`gke-${String(i)}`, { projectId: project(i) });
      const r = gcp.router(`cr-${String(i)}`, { advertisedIpRanges: values }, project(i));
      return { scope: c.scope, add: (inv) => { inv.gcp.clusters.push(c); inv.gcp.routers.push(r); } };
    },
  },
  // Private nodes with no default route: the network needs the Google API VIP, and these rules read its routes, firewalls and zones.
  {
    rule: 'gcp/restricted-vip-route',
    field: 'route destRange',
    place: (i, _values, bad) => {
      const c = gcp.cluster(`gke-${String(i)}`, { projectId: project(i) });
      const r = gcp.route(`r-${String(i)}`, bad, {}, project(i));
      return { scope: c.scope, add: (inv) => { inv.gcp.clusters.push(c); inv.gcp.routes.push(r); } };
    },
  },
  {
    rule: 'gcp/restricted-vip-egress',
    field: 'firewall destinationRanges',
    place: (i, values) => {
      const c = gcp.cluster(`gke-${String(i)}`, { projectId: project(i) });
      const f = gcp.firewall(`fw-${String(i)}`, { destinationRanges: values, denied: [{ IPProtocol: 'tcp', ports: ['443'] }] }, project(i));
      return { scope: c.scope, add: (inv) => { inv.gcp.clusters.push(c); inv.gcp.firewalls.push(f); } };
    },
  },
  {
    rule: 'gcp/restricted-vip-dns',
    field: 'private zone A record rrdatas',
    place: (i, values) => {
      const c = gcp.cluster(`gke-${String(i)}`, { projectId: project(i) });
      const zones = gcp.allVipZones([gcp.netUrl('prod-vpc', project(i))]).map((z) => ({ ...z, id: `${z.id}-${String(i)}` }));
      const [apis, ...rest] = zones;
      if (!apis) throw new Error('allVipZones gave no googleapis.com zone');
      const broken = { ...apis, records: [{ name: '*.googleapis.com.', type: 'A', rrdatas: values }] };
      return { scope: c.scope, add: (inv) => { inv.gcp.clusters.push(c); inv.gcp.dnsZones.push(broken, ...rest); } };
    },
  },
  // With Cloud NAT for every subnet, a default route would be another way to Google APIs: an unparsable route destination may be that route.
  ...(['gcp/restricted-vip-dns', 'gcp/restricted-vip-egress'] as const).map(
    (rule): Slot => ({
      rule,
      field: 'route destRange (Cloud NAT present)',
      place: (i, _values, bad) => {
        const c = gcp.cluster(`gke-${String(i)}`, { projectId: project(i) });
        const nat = gcp.router(`cr-nat-${String(i)}`, { bgpPeers: [], nats: [{ name: 'nat', sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES', subnetworks: [] }] }, project(i));
        const r = gcp.route(`r-${String(i)}`, bad, {}, project(i));
        // A deny of everything on 443, so the egress rule has something to judge.
        const deny = gcp.firewall(`fw-deny-${String(i)}`, { denied: [{ IPProtocol: 'tcp', ports: ['443'] }] }, project(i));
        return { scope: c.scope, add: (inv) => { inv.gcp.clusters.push(c); inv.gcp.routers.push(nat); inv.gcp.routes.push(r); inv.gcp.firewalls.push(deny); } };
      },
    }),
  ),
  {
    rule: 'aws/address-overlap',
    field: 'VPC cidrBlocks',
    place: (i, values) => {
      const v = aws.vpc(`vpc-${String(i).padStart(17, '0')}`, { ...account(i), cidrBlocks: values });
      return { scope: v.scope, add: (inv) => inv.aws.vpcs.push(v) };
    },
  },
  {
    rule: 'aws/address-overlap',
    field: 'kops networkCIDR',
    place: (i, values) => {
      // Its VPC is not created yet (not in the inventory): judged on the cluster itself.
      const k = aws.kops(`k${String(i)}.corp.example.com`, { ...account(i), networkId: `vpc-${String(i).padStart(17, '9')}`, networkCidrs: values, subnets: [] });
      return { scope: k.scope, add: (inv) => inv.aws.kopsClusters.push(k) };
    },
  },
  {
    rule: 'aws/kops-api-internal',
    field: 'kops kubernetesApiAccess',
    place: (i, values) => {
      const k = aws.kops(`k${String(i)}.corp.example.com`, { ...account(i), apiLoadBalancerType: 'Public', kubernetesApiAccess: values });
      return { scope: k.scope, add: (inv) => inv.aws.kopsClusters.push(k) };
    },
  },
  {
    rule: 'aws/eks-public-endpoint',
    field: 'EKS publicAccessCidrs',
    place: (i, values) => {
      const c = aws.eks(`eks-${String(i)}`, { ...account(i), endpointPublicAccess: true, publicAccessCidrs: values });
      return { scope: c.scope, add: (inv) => inv.aws.clusters.push(c) };
    },
  },
];

/** Texts no rule can read as an address: the known traps, near-misses built from parts, and odd strings. */
const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.integer({ min: 256, max: 99_999 }).map(String), fc.constantFrom('00', '010', '0x0a', '-1', '1e1', ''));
const nearMiss = fc
  .tuple(fc.array(octet, { minLength: 1, maxLength: 6 }), fc.option(fc.oneof(fc.integer({ min: -5, max: 300 }).map(String), fc.constantFrom('', '08', '+8', ' 8', '8/8')), { nil: undefined }))
  .map(([parts, prefix]) => `${parts.join('.')}${prefix === undefined ? '' : `/${prefix}`}`);
const ipv6NearMiss = fc.constantFrom('fd00::/129', 'fd00:::/8', 'fe80::1%eth0/64', '::ffff:10.0.0.0/200', 'fd00::/8/8', 'g::/8', '1:2:3:4:5:6:7:8:9/64');
const badAddress = fc
  .oneof({ arbitrary: fc.constantFrom(...BAD_CIDRS), weight: 4 }, { arbitrary: nearMiss, weight: 4 }, { arbitrary: ipv6NearMiss, weight: 1 }, { arbitrary: fc.tuple(fc.constantFrom(...GOOD_CIDRS), oddString).map(([g, s]) => `${g}${s}`), weight: 2 }, { arbitrary: oddString, weight: 2 })
  // An empty text is an absent value (an optional field the API left empty), not an unparsable one.
  .filter((t) => t !== '' && tryParseCidr(t) === undefined);

interface Case {
  slot: number;
  bad: string;
  good: number[];
  at: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  slot: fc.nat({ max: SLOTS.length - 1 }),
  bad: badAddress,
  good: fc.array(fc.nat(), { maxLength: 2 }),
  at: fc.nat(),
});

const ON_PREM = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

export interface RulesPropertyResult {
  inventories: number;
  badValues: number;
  undecided: number;
  namedInEvidence: number;
  bySlot: Record<string, number>;
}

/** The properties over `numRuns` generated inventories (1 to 6 bad resources each); returns what was checked. */
export function rulesPropertySuite(numRuns: number, onDone?: (result: RulesPropertyResult) => void): void {
  describe('rules with unparsable address values', () => {
    it(`${String(numRuns)} inventories: never an exception, never silently nothing`, () => {
      const result: RulesPropertyResult = { inventories: 0, badValues: 0, undecided: 0, namedInEvidence: 0, bySlot: {} };
      fc.assert(
        fc.property(fc.array(caseArb, { minLength: 1, maxLength: 6 }), fc.subarray(ON_PREM, { minLength: 1 }), (cases, onPrem) => {
          const inv = emptyInventory();
          const placed = cases.map((c, i) => {
            const slot = SLOTS[c.slot] as Slot;
            const pool = slot.good ?? GOOD_CIDRS;
            const values = c.good.map((n) => pool[n % pool.length] ?? '10.0.0.0/8');
            values.splice(c.at % (values.length + 1), 0, c.bad);
            const { scope, add } = slot.place(i, values, c.bad);
            add(inv);
            return { slot, scope, bad: c.bad };
          });
          const config = configSchema.parse({ onPrem: { ranges: onPrem } });
          const out = evaluateRules(allRules, { inventory: inv, coverage: emptyCoverage(), config, now: new Date('2026-11-22T06:00:00Z') });
          result.inventories += 1;
          for (const p of placed) {
            const undecided = out.undecided.some((u) => u.ruleId === p.slot.rule && u.scope === p.scope);
            const quoted = JSON.stringify(p.bad).slice(1, -1);
            const named = out.findings.some((f) => f.ruleId === p.slot.rule && f.scope === p.scope && JSON.stringify(f.evidence).includes(quoted));
            expect(undecided || named, `${p.slot.rule} (${p.slot.field}) said nothing about ${JSON.stringify(p.bad)} in ${p.scope}`).toBe(true);
            result.badValues += 1;
            if (undecided) result.undecided += 1;
            else result.namedInEvidence += 1;
            result.bySlot[`${p.slot.rule} ${p.slot.field}`] = (result.bySlot[`${p.slot.rule} ${p.slot.field}`] ?? 0) + 1;
          }
        }),
        { numRuns, seed: SEED },
      );
      // Every slot was exercised.
      expect(Object.keys(result.bySlot)).toHaveLength(SLOTS.length);
      onDone?.(result);
    });
  });
}
