import { describe, expect, it, vi } from 'vitest';

/**
 * What the Functions host is told at start-up, read from the registration calls themselves (test
 * mode has no host to send a request without a key to): every HTTP function asks for a function
 * key, so the host refuses a request without one (401) before any handler runs.
 */

const registered = vi.hoisted(() => ({ http: new Map<string, Record<string, unknown>>(), triggers: [] as string[] }));

vi.mock('@azure/functions', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@azure/functions')>();
  const record = (kind: string) => (name: string) => registered.triggers.push(`${kind} ${name}`);
  const app = {
    ...actual.app,
    http: (name: string, options: Record<string, unknown>) => registered.http.set(name, options),
    timer: record('timer'),
    storageQueue: record('queue'),
  };
  return { ...actual, app, default: { ...actual, app } };
});

describe('function registration', () => {
  it('registers every HTTP route with authLevel function (never anonymous), and the handlers the module exports', { timeout: 120_000 }, async () => {
    const mod = await import('../../functions/airlock.js');
    expect([...registered.http.keys()].sort()).toEqual(['auditStatus', 'listFindings', 'startAudit']);
    for (const [name, options] of registered.http) {
      expect(options['authLevel'], name).toBe('function');
      expect(options['handler'], name).toBe(mod[name as 'startAudit' | 'auditStatus' | 'listFindings']);
    }
    expect(registered.http.get('startAudit')).toMatchObject({ methods: ['POST'], route: 'audits' });
    expect(registered.http.get('auditStatus')).toMatchObject({ methods: ['GET'], route: 'audits/{runId}' });
    expect(registered.http.get('listFindings')).toMatchObject({ methods: ['GET'], route: 'findings' });
    expect(registered.triggers).toHaveLength(8);
  });
});
