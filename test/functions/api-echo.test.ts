import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { apiHandlers } from '../../functions/lib/api.js';

/**
 * Bad input is quoted back cut to 80 characters, as configuration problems quote it: a 70,000-
 * character key in a POST /api/audits body (or a findings query parameter) made a 140 KB answer.
 * These answers come before any storage is touched, so no settings are needed.
 */

const { HttpRequest, InvocationContext } = functions;
const LONG = `k${'x'.repeat(70_000)}`;
/** What clip() makes of LONG: its first 77 characters and an ellipsis. */
const CLIPPED = `${LONG.slice(0, 77)}...`;

const api = apiHandlers({});
const context = (): InstanceType<typeof InvocationContext> => new InvocationContext({ functionName: 'api', invocationId: 'echo-1', logHandler: () => undefined });

function problemText(res: { status?: number; body?: unknown }): string {
  expect(res.status).toBe(400);
  const text = String(res.body);
  expect(text.length, text.slice(0, 300)).toBeLessThan(2_000);
  return text;
}

describe('HTTP API: quoted input is cut to 80 characters', () => {
  it('POST /api/audits with a 70,000-character unknown key: 400 quoting 80 characters of it', async () => {
    const res = await api.startAudit(new HttpRequest({ method: 'POST', url: 'https://x/api/audits', body: { string: JSON.stringify({ [LONG]: 1, clouds: ['azure'] }) } }), context());
    const text = problemText(res);
    const doc = JSON.parse(text) as { detail: string; errors: { pointer: string; detail: string }[] };
    expect(doc.detail).toContain(`unknown key "${CLIPPED}"`);
    expect(doc.errors).toEqual([{ pointer: '/', detail: `unknown key "${CLIPPED}"` }]);
  });

  it('POST /api/audits with several unknown keys names each, each cut', async () => {
    const res = await api.startAudit(new HttpRequest({ method: 'POST', url: 'https://x/api/audits', body: { string: JSON.stringify({ [LONG]: 1, short: 2 }) } }), context());
    const doc = JSON.parse(problemText(res)) as { detail: string };
    expect(doc.detail).toContain(`unknown keys "${CLIPPED}", "short"`);
  });

  it('GET /api/findings with a 70,000-character unknown or repeated parameter: 400 quoting 80 characters of it', async () => {
    const unknown = await api.listFindings(new HttpRequest({ method: 'GET', url: `https://x/api/findings?${LONG}=1` }));
    expect(problemText(unknown)).toContain(CLIPPED);
    const repeated = await api.listFindings(new HttpRequest({ method: 'GET', url: `https://x/api/findings?${LONG}=1&${LONG}=2` }));
    const doc = JSON.parse(problemText(repeated)) as { detail: string; errors: { parameter: string }[] };
    expect(doc.detail).toBe(`${CLIPPED}: given more than once`);
    expect(doc.errors[0]?.parameter).toBe(CLIPPED);
  });
});
