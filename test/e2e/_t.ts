import { azureCollector } from '/work/main/shared/collect/azure/index.js';
import { startAzureSim } from '/work/main/test/collect/azure/harness.js';
const s = await startAzureSim('hybrid-broken', { azure: { subscriptionsPerQuery: 1 } });
try {
  const ctx = { config: s.config, env: {}, log: console, now: new Date('2026-11-22T06:00:00Z') };
  const plan = await azureCollector.plan(ctx);
  for (const sc of plan.scopes) { const t = Date.now(); const r = await azureCollector.collect([sc], ctx); console.log(sc.id, Date.now() - t, r.calls.length); }
  console.log(JSON.stringify(s.sim.counts().providers.azure.operations['resourcegraph:resources']));
} finally { await s.stop(); }
