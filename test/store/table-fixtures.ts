/** The two runs and channels of the table-store crash tests (test/store/table-recovery.test.ts and its child). */
import { configSchema } from '../../shared/config/schema.js';
import { silentLogger } from '../../shared/log.js';
import type { Finding } from '../../shared/model/finding.js';
import type { PublishOptions } from '../../shared/publish.js';
import type { FindingStore } from '../../shared/store/types.js';
import { finding, LB1, LB2, LB3, run, SUB_B } from '../drift/fixtures.js';

const SECRET = `whsec_${Buffer.from('table-recovery-signing-secret-0123').toString('base64')}`;
export const config = configSchema.parse({
  notifications: [
    { name: 'hook', kind: 'webhook', url: 'env:HOOK_URL', signingSecret: 'env:HOOK_SECRET', minSeverity: 'info' },
    { name: 'hook-2', kind: 'webhook', url: 'env:HOOK_URL', signingSecret: 'env:HOOK_SECRET', minSeverity: 'info' },
  ],
});
const env = { HOOK_URL: 'http://127.0.0.1:9/hook', HOOK_SECRET: SECRET };

export interface Sent {
  key: string;
  channel: string;
  body: string;
  findings: { state: string; fingerprint: string }[];
}

/** A receiver that accepts everything and keeps what it was sent. */
export function receiver(): { sent: Sent[]; fetch: typeof globalThis.fetch } {
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = (_url, init) => {
    const body = typeof init?.body === 'string' ? init.body : '';
    const parsed = JSON.parse(body) as { channel: string; findings: { state: string; fingerprint: string }[] };
    sent.push({ key: String(new Headers(init?.headers).get('webhook-id')), channel: parsed.channel, body, findings: parsed.findings });
    return Promise.resolve(new Response('ok'));
  };
  return { sent, fetch };
}

// Run 1 finds three load balancers over two scopes (two finding partitions, so two transactions);
// run 2 no longer finds LB2 and finds LB4 in the first scope: it has transitions of its own.
const LB4 = `${LB1}-second`;
export const RUN1: Finding[] = [finding({ resource: LB1, severity: 'critical' }), finding({ resource: LB2 }), finding({ resource: LB3, scope: SUB_B, severity: 'low' })];
const RUN2: Finding[] = [finding({ resource: LB1, severity: 'critical' }), finding({ resource: LB3, scope: SUB_B, severity: 'low' }), finding({ resource: LB4 })];
export const run1 = run({ id: 'run-1', findings: RUN1, startedAt: '2026-11-22T06:00:00.000Z' });
export const run2 = run({ id: 'run-2', findings: RUN2, startedAt: '2026-11-22T07:00:00.000Z' });
const at = (r: typeof run1) => () => new Date(r.finishedAt);

export function publishOptions(store: FindingStore, fetch: typeof globalThis.fetch, r: typeof run1, extra: Partial<PublishOptions> = {}): PublishOptions {
  return { config, store, env, now: at(r), log: silentLogger, fetch, delivery: { baseDelayMs: 1, maxDelayMs: 5 }, report: () => `report of ${r.id}`, ...extra };
}

