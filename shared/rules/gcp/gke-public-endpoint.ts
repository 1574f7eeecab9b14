import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterFinding, clusterWhere } from './topology.js';

const IP_FIX = 'gcloud container clusters update {cluster} --location={location} --project={project} --enable-private-endpoint';
const DNS_FIX = 'gcloud container clusters update {cluster} --location={location} --project={project} --no-enable-dns-access';

export default defineRule({
  meta: {
    id: 'gcp/gke-public-endpoint',
    title: 'GKE control plane has no public endpoint',
    severity: 'high',
    category: 'exposure',
    cloud: 'gcp',
    resource: CLUSTER_TYPE,
    description:
      'Fires (high) for each GKE cluster whose control plane answers from outside the VPC: its public IP endpoint is on (`controlPlaneEndpointsConfig.ipEndpointsConfig.enablePublicEndpoint`, or on clusters without the newer config `privateClusterConfig.enablePrivateEndpoint` not true), or its DNS-based endpoint accepts external traffic (`dnsEndpointConfig.allowExternalTraffic`).',
    risk: 'The Kubernetes API is reachable from the internet, limited at best by authorised networks: credentials and API exploits can be tried from anywhere, outside the private network the estate is built on.',
    remediation: IP_FIX,
    references: [
      'https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation',
      'https://cloud.google.com/kubernetes-engine/docs/how-to/latest/network-isolation#dns-based-endpoint',
    ],
    needs: ['gcp.clusters'],
  },
  evaluate(inv, ctx) {
    return inv.gcp.clusters
      .filter((c) => c.publicEndpointEnabled || c.dnsEndpointAllowsExternalTraffic)
      .map((c) => {
        const doors: string[] = [];
        if (c.publicEndpointEnabled) doors.push(`public IP endpoint${c.publicEndpoint ? ` ${c.publicEndpoint}` : ''} enabled`);
        if (c.dnsEndpointAllowsExternalTraffic) doors.push('DNS-based endpoint allows external traffic (allowExternalTraffic true)');
        const fixes = [...(c.publicEndpointEnabled ? [IP_FIX] : []), ...(c.dnsEndpointAllowsExternalTraffic ? [DNS_FIX] : [])];
        return clusterFinding(ctx, c, {
          message: `GKE cluster ${clusterWhere(c)} control plane is reachable from outside the VPC: ${doors.join('; ')}`,
          evidence: { publicEndpointEnabled: c.publicEndpointEnabled, dnsEndpointAllowsExternalTraffic: c.dnsEndpointAllowsExternalTraffic, ...(c.publicEndpoint ? { publicEndpoint: c.publicEndpoint } : {}) },
          remediation: fixes.join(' && '),
        });
      });
  },
});
