import { FirewallsClient, SubnetworksClient } from '@google-cloud/compute';
import { ClusterManagerClient } from '@google-cloud/container';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../sim/index.js';

// The GCP emulation served by the simulator core (paging, throttling model, faults, counting),
// read through the official clients with endpoint and credential settings only.

type GaxOptions = NonNullable<ConstructorParameters<typeof FirewallsClient>[0]>;

let sim: Simulator;
let opts: GaxOptions;

// gax retries nothing on 403 by default; through an AuthClient the code it compares is the HTTP status.
const retry = {
  retryCodes: [403],
  backoffSettings: { initialRetryDelayMillis: 100, retryDelayMultiplier: 1.5, maxRetryDelayMillis: 400, initialRpcTimeoutMillis: 5000, rpcTimeoutMultiplier: 1, maxRpcTimeoutMillis: 5000, totalTimeoutMillis: 20000 },
};

beforeAll(async () => {
  sim = await startSimulator({
    scenario: 'hybrid-broken',
    // Three reads per project per 0.3 s: a multi-page listing is throttled part-way.
    behaviour: { pageSize: { default: 2 }, throttle: { gcp: { quota: 3, windowSeconds: 0.3 } } },
  });
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'sim-token', expiry_date: Date.now() + 3_600_000 });
  const port = Number(new URL(sim.endpoints.gcp.url).port);
  opts = { apiEndpoint: '127.0.0.1', port, protocol: 'http', fallback: true, authClient: auth as unknown as NonNullable<GaxOptions['authClient']> };
});

afterAll(async () => {
  await sim.stop();
});

describe('GCP emulation behind the simulator core', () => {
  it('pages an aggregated list at the behaviour page size', async () => {
    const names = [];
    for await (const [, scoped] of new SubnetworksClient(opts).aggregatedListAsync({ project: 'northwind-gke-prod' }, { retry })) names.push(...(scoped.subnetworks ?? []).map((s) => s.name));
    expect(names).toHaveLength(11); // northwind-gke-prod's subnetworks in hybrid-broken (incl. the Cloud NAT subnet)
    expect(names).toContain('gke-analytics-euw2');
    expect(sim.counts().providers.gcp.operations['compute:subnetworks.aggregatedList']?.calls).toBeGreaterThanOrEqual(5);
  });

  it('throttles a project past its quota with 403 rateLimitExceeded, and a retrying caller gets through', async () => {
    const client = new FirewallsClient(opts);
    const all = [];
    for (let i = 0; i < 3; i++) {
      const [firewalls] = await client.list({ project: 'northwind-data-prod' }, { retry });
      all.push(firewalls.length);
    }
    expect(all).toEqual([3, 3, 3]);
    expect(sim.counts().providers.gcp.operations['compute:firewalls.list']?.throttled).toBeGreaterThanOrEqual(1);
  });

  it('answers a denied project with 403 and an injected fault with 500', async () => {
    const container = new ClusterManagerClient(opts);
    await expect(container.listClusters({ parent: 'projects/northwind-secops/locations/-' })).rejects.toMatchObject({ code: 403 });
    sim.setBehaviour({ faults: { calls: [{ kind: 'server-error', operation: 'container:clusters.list', times: 1 }] } });
    await expect(container.listClusters({ parent: 'projects/northwind-gke-dev/locations/-' })).rejects.toMatchObject({ code: 500 });
    const [res] = await container.listClusters({ parent: 'projects/northwind-gke-dev/locations/-' });
    expect(res.clusters?.map((c) => c.name)).toEqual(['sandbox-usc1']);
  });
});
