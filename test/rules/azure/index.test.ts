import { describe, expect, it } from 'vitest';
import { azureRules } from '../../../shared/rules/azure/index.js';
import { unfilledPlaceholders } from '../../../shared/rules/kit.js';

/** The azure rows of the catalog in /work/shared/domain.md, in order. */
const CATALOG = [
  'aks-private-api',
  'aks-public-fqdn',
  'aks-private-dns-record',
  'aks-private-dns-links',
  'onprem-dns-path',
  'lb-public-frontend',
  'public-ip-in-node-rg',
  'aks-node-public-ip',
  'aks-egress-bypass',
  'aks-network-policy',
  'address-overlap',
  'hub-peering-cost',
  'bastion-cost',
  'virtual-nodes',
  'aks-identity',
  'acr-private',
].map((slug) => `azure/${slug}`);

describe('azureRules', () => {
  it('lists every azure/* rule of the catalog, in catalog order', () => {
    expect(azureRules.map((r) => r.meta.id)).toEqual(CATALOG);
  });

  it.each(azureRules.map((r) => [r.meta.id, r.meta] as const))('%s has complete metadata', (_id, meta) => {
    expect(meta.cloud).toBe('azure');
    expect(meta.needs.length).toBeGreaterThan(0);
    expect(meta.needs.every((n) => n.startsWith('azure.'))).toBe(true);
    expect(meta.references.length).toBeGreaterThan(0);
    expect(meta.references.some((r) => r.startsWith('https://learn.microsoft.com/'))).toBe(true);
    // The description states the severity it fires at.
    expect(meta.description).toMatch(new RegExp(`\\b${meta.severity}\\b`, 'i'));
    expect(meta.remediation).toMatch(/\baz |airlock\.yaml|kubectl /);
    // A template: named placeholders that each finding fills, never a hand-written <placeholder>.
    expect(unfilledPlaceholders(meta.remediation).length).toBeGreaterThan(0);
    expect(meta.remediation).not.toMatch(/<[a-z][a-z0-9-]*>/);
    // Every az command is pinned to the finding's subscription, so it can be pasted from any context.
    for (const command of meta.remediation.match(/\baz (?!extension)[a-z -]+ (?:create|update|delete|show|add-record|disable-addons|upgrade|add|list|sync|get-credentials)\b[^;&]*/g) ?? []) {
      if (/\baz ad /.test(command)) continue;
      expect(command, command).toMatch(/--subscription \{|--ids \{/);
    }
  });
});
