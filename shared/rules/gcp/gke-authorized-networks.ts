import { contains, isAnyAddress, tryParseCidr, type Cidr } from '../cidr.js';
import { defineRule, type RuleOutput } from '../kit.js';
import { CLUSTER_TYPE, clusterFinding, clusterWhere } from './topology.js';

const ENABLE = 'gcloud container clusters update {cluster} --location={location} --project={project} --enable-master-authorized-networks --master-authorized-networks={ranges}';
const NO_GOOGLE_CLOUD = 'gcloud container clusters update {cluster} --location={location} --project={project} --no-enable-google-cloud-access';

export default defineRule({
  meta: {
    id: 'gcp/gke-authorized-networks',
    title: 'GKE authorised networks are on, closed to the internet and include on-prem',
    severity: 'high',
    category: 'reachability',
    cloud: 'gcp',
    resource: CLUSTER_TYPE,
    description:
      "Fires for each GKE cluster whose master authorised networks are off (high), hold a /0 block such as 0.0.0.0/0 (high), or let every Google Cloud public IP in (`gcpPublicCidrsAccessEnabled` with a public endpoint, high); and (medium) when they are on but some configured on-prem range (`onPrem.ranges`) is not inside any authorised block, so kubectl from that range is refused. Undecided for a cluster with a block that is not a CIDR.",
    risk: 'Off or open authorised networks let any address that reaches the endpoint try the Kubernetes API; a missing on-prem range makes kubectl from the corporate network time out although routing is right.',
    remediation: ENABLE,
    references: ['https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks'],
    needs: ['gcp.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const onPrem = ctx.config.onPrem.ranges;
    for (const c of inv.gcp.clusters) {
      const man = c.masterAuthorizedNetworks;
      const parsed = man.cidrBlocks.map((b) => ({ text: b, cidr: tryParseCidr(b) }));
      const bad = parsed.filter((b) => b.cidr === undefined).map((b) => b.text);
      if (man.enabled && bad.length > 0) {
        out.push(ctx.undecided(c.scope, `GKE cluster ${c.projectId}/${c.name}: authorised network block${bad.length === 1 ? '' : 's'} ${bad.join(', ')} not a CIDR`));
        continue;
      }
      const blocks = parsed.filter((b): b is { text: string; cidr: Cidr } => b.cidr !== undefined);
      const open = blocks.filter((b) => isAnyAddress(b.cidr)).map((b) => b.text);
      const kept = blocks.filter((b) => !isAnyAddress(b.cidr)).map((b) => b.text);
      const missing = onPrem.filter((r) => {
        const range = tryParseCidr(r);
        return range !== undefined && !blocks.some((b) => contains(b.cidr, range));
      });
      const googleCloud = man.enabled && man.gcpPublicCidrsAccessEnabled && c.publicEndpointEnabled;
      const problems: string[] = [];
      if (!man.enabled) problems.push('authorised networks are off');
      else {
        if (open.length > 0) problems.push(`authorised networks include ${open.join(', ')}`);
        if (googleCloud) problems.push('every Google Cloud public IP is authorised (gcpPublicCidrsAccessEnabled)');
        if (missing.length > 0) problems.push(`on-prem range${missing.length === 1 ? '' : 's'} ${missing.join(', ')} not authorised (blocks: ${kept.join(', ') || 'none'})`);
      }
      if (problems.length === 0) continue;
      const high = !man.enabled || open.length > 0 || googleCloud;
      // The fix keeps the closed blocks and adds the on-prem ranges.
      const wanted = [...new Set([...kept, ...(man.enabled ? missing : onPrem)])];
      const fixes = [
        ...((!man.enabled || open.length > 0 || missing.length > 0) && wanted.length > 0 ? [ENABLE] : []),
        ...(googleCloud ? [NO_GOOGLE_CLOUD] : []),
      ];
      // No range to name (none kept, no on-prem configured): enabling with no blocks is the closed setting.
      const remediation = fixes.length > 0 ? fixes.join(' && ') : ENABLE.replace(' --master-authorized-networks={ranges}', '');
      out.push(
        clusterFinding(ctx, c, {
          severity: high ? 'high' : 'medium',
          message: `GKE cluster ${clusterWhere(c)}${c.publicEndpointEnabled ? ' (public endpoint)' : ' (private endpoint)'}: ${problems.join('; ')}`,
          evidence: { enabled: man.enabled, cidrBlocks: man.cidrBlocks, gcpPublicCidrsAccessEnabled: man.gcpPublicCidrsAccessEnabled, onPremRanges: onPrem, missingOnPrem: missing },
          data: { ranges: wanted.join(',') },
          remediation,
        }),
      );
    }
    return out;
  },
});
