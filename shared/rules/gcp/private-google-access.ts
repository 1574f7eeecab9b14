import type { GcpSubnetwork, GkeCluster } from '../../model/inventory/gcp.js';
import { defineRule, type RuleOutput } from '../kit.js';
import { hasPrivateNodes, lastSegment, networkGap, nodeSubnetKeys, projectAudited, projectOf, regionOf, resourcePath, SUBNETWORK_TYPE, subnetworksByKey } from './topology.js';

export default defineRule({
  meta: {
    id: 'gcp/private-google-access',
    title: 'GKE node subnets have Private Google Access',
    severity: 'high',
    category: 'egress',
    cloud: 'gcp',
    resource: SUBNETWORK_TYPE,
    description:
      "Fires (high) once for each subnetwork used by the private nodes of a GKE cluster (the cluster's subnetwork and any node pool's own) that has `privateIpGoogleAccess` off. Subnets that carry no private GKE nodes are out of scope. A Shared VPC cluster's subnetwork belongs to the host project; undecided when that project is not audited, its subnetworks could not be read, or the subnetwork is not in the inventory.",
    risk: 'Nodes without external IPs cannot reach Google APIs (Artifact Registry / GCR image pulls, Cloud Logging, the GKE metadata and token endpoints): nodes fail to register, image pulls fail and logs are lost.',
    remediation: 'gcloud compute networks subnets update {subnetwork} --region={region} --project={project} --enable-private-ip-google-access',
    references: ['https://cloud.google.com/vpc/docs/configure-private-google-access', 'https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters#private_google_access'],
    needs: ['gcp.clusters', 'gcp.subnetworks'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const subnets = subnetworksByKey(ctx, inv.gcp);
    const failing = new Map<string, { subnet: GcpSubnetwork; clusters: GkeCluster[] }>();
    for (const c of inv.gcp.clusters) {
      if (!hasPrivateNodes(c)) continue;
      const keys = nodeSubnetKeys(c);
      if (keys.length === 0) {
        out.push(ctx.undecided(c.scope, `GKE cluster ${c.projectId}/${c.name} names no subnetwork`));
        continue;
      }
      const gap = networkGap(ctx, c, ['gcp.subnetworks']);
      for (const key of keys) {
        const subnet = subnets.get(key);
        if (!subnet) {
          const owner = projectOf(key) ?? c.projectId;
          const why = projectAudited(ctx, owner, c.projectId) ? 'is not in the inventory' : `is in project ${owner}, which this run does not audit`;
          out.push(ctx.undecided(c.scope, gap ?? `GKE cluster ${c.projectId}/${c.name}: node subnetwork ${key} ${why}`));
          continue;
        }
        if (subnet.privateIpGoogleAccess) continue;
        const entry = failing.get(key);
        if (entry) entry.clusters.push(c);
        else failing.set(key, { subnet, clusters: [c] });
      }
    }
    for (const { subnet, clusters } of failing.values()) {
      const path = resourcePath(subnet.selfLink || subnet.id);
      const region = regionOf(subnet.region);
      out.push(
        ctx.finding({
          scope: subnet.scope,
          resource: { id: path, type: SUBNETWORK_TYPE, name: subnet.name },
          message: `subnetwork \`${subnet.name}\` (project ${subnet.projectId}, region ${region}, network ${lastSegment(subnet.network)}) has Private Google Access off, but private nodes of GKE cluster${clusters.length === 1 ? '' : 's'} ${clusters.map((c) => `${c.projectId}/${c.name}`).join(', ')} use it`,
          evidence: { privateIpGoogleAccess: false, ipCidrRange: subnet.ipCidrRange, clusters: clusters.map((c) => c.id) },
          data: { subnetwork: subnet.name, region, project: subnet.projectId },
        }),
      );
    }
    return out;
  },
});
