import { overlaps } from '../../../shared/util/cidr.js';
import { buildAwsModel } from '../../../sim/aws/model.js';
import type { AwsEstate } from '../../../sim/aws/scenario.js';

/**
 * A reference reading of the catalog's aws/* rules (domain.md), written independently of the
 * rules in shared/, over what the emulation serves. Scenario tests compare it with each scenario's
 * hand-written truth. "Cluster VPC" = the VPC of an EKS cluster's subnets.
 */

const ONPREM = ['10.10.0.0/16', '172.20.0.0/14'];
const REQUIRED_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'sts', 'logs', 's3'];
const TRANSIT_THRESHOLD = 100;

function routesOf(xml: string): { dest: string; target: string }[] {
  const out: { dest: string; target: string }[] = [];
  const re = /<destinationCidrBlock>([^<]+)<\/destinationCidrBlock><(gatewayId|natGatewayId|transitGatewayId|vpcPeeringConnectionId|networkInterfaceId)>([^<]+)</g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push({ dest: m[1] ?? '', target: m[3] ?? '' });
  return out;
}

export function awsOracle(estate: AwsEstate): { ruleId: string; resourceId: string }[] {
  const out: { ruleId: string; resourceId: string }[] = [];
  const add = (ruleId: string, resourceId: string) => out.push({ ruleId, resourceId });
  const model = buildAwsModel(estate);
  const denied = new Set<string>();
  for (const a of model.accounts.values()) {
    for (const r of a.regions.values()) {
      if (a.denied || r.denied) {
        denied.add(`${a.id}/${r.region}`);
        add('audit/scope-unreadable', `aws/account-region/${a.id}/${r.region}`);
        continue;
      }
      const vpcOfSubnet = new Map(r.subnets.map((s) => [s.id, s.filters.get('vpc-id')?.[0] ?? '']));
      const clusterVpcs = new Set<string>();
      for (const c of r.clusters) {
        const cfg = c.body['resourcesVpcConfig'] as { subnetIds: string[]; endpointPublicAccess: boolean; endpointPrivateAccess: boolean };
        const arn = String(c.body['arn']);
        for (const s of cfg.subnetIds) clusterVpcs.add(vpcOfSubnet.get(s) ?? '');
        if (cfg.endpointPublicAccess) add('aws/eks-public-endpoint', arn);
        if (!cfg.endpointPrivateAccess) add('aws/eks-private-endpoint', arn);
      }
      for (const lb of [...r.elbv2, ...r.elb]) if (clusterVpcs.has(lb.vpcId) && lb.xml.includes('<Scheme>internet-facing</Scheme>')) add('aws/lb-internet-facing', lb.arn);

      // Effective route table of each subnet: its explicit association, else the VPC's main table.
      const tableOf = new Map<string, { dest: string; target: string }[]>();
      for (const t of r.routeTables) for (const s of t.filters.get('association.subnet-id') ?? []) tableOf.set(s, routesOf(t.xml));
      const mainOf = new Map(r.routeTables.filter((t) => t.filters.get('association.main')?.[0] === 'true').map((t) => [t.filters.get('vpc-id')?.[0] ?? '', routesOf(t.xml)]));
      const egressVpcs = new Set<string>();
      for (const s of r.subnets) {
        const vpc = vpcOfSubnet.get(s.id) ?? '';
        const routes = tableOf.get(s.id) ?? mainOf.get(vpc) ?? [];
        const defaultTarget = routes.find((x) => x.dest === '0.0.0.0/0')?.target ?? '';
        if (/^(igw|nat|tgw)-/.test(defaultTarget)) egressVpcs.add(vpc);
        if (!clusterVpcs.has(vpc)) continue;
        if (defaultTarget.startsWith('igw-')) add('aws/subnet-igw-route', s.id);
        if (s.filters.get('map-public-ip-on-launch')?.[0] === 'true') add('aws/subnet-auto-public-ip', s.id);
      }
      for (const i of r.instances) if (clusterVpcs.has(i.filters.get('vpc-id')?.[0] ?? '') && (i.filters.get('ip-address') ?? []).length > 0) add('aws/instance-public-ip', i.id);
      for (const vpc of clusterVpcs) {
        const services = new Set(r.vpcEndpoints.filter((e) => e.filters.get('vpc-id')?.[0] === vpc).map((e) => (e.filters.get('service-name')?.[0] ?? '').split('.').slice(3).join('.')));
        if (!REQUIRED_ENDPOINTS.every((s) => services.has(s)) && !egressVpcs.has(vpc)) add('aws/vpc-endpoints', vpc);
        if (!(model.zonesByVpc.get(`${r.region}/${vpc}`) ?? []).some((z) => z.private)) add('aws/route53-private-zone', vpc);
      }
      for (const v of r.vpcs) if ((v.filters.get('cidr-block-association.cidr-block') ?? []).some((c) => ONPREM.some((o) => overlaps(c, o)))) add('aws/address-overlap', v.id);
    }
  }
  for (const f of model.transfer) if (!denied.has(`${f.account}/${f.region}`) && f.cost > TRANSIT_THRESHOLD) add('aws/transit-cost', f.resourceId);
  return out;
}
