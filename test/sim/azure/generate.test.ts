import { describe, expect, it } from 'vitest';
import { generateAzureEstate } from '../../../sim/azure/generate.js';
import { createAzureProvider } from '../../../sim/azure/index.js';
import { azureEstateSchema } from '../../../sim/azure/scenario.js';

describe('generateAzureEstate', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateAzureEstate({ subscriptions: 300, seed: 7 });
    const b = generateAzureEstate({ subscriptions: 300, seed: 7 });
    const c = generateAzureEstate({ subscriptions: 300, seed: 8 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('builds 2,000 valid subscriptions with a sprinkle of failures and their truth', () => {
    const estate = azureEstateSchema.parse(generateAzureEstate({ subscriptions: 2000, seed: 42 }));
    expect(estate.subscriptions).toHaveLength(2000);
    expect(new Set(estate.subscriptions.map((s) => s.id)).size).toBe(2000);
    const rules = new Set(estate.truth.map((t) => t.ruleId));
    expect(rules).toEqual(
      new Set(['azure/aks-network-policy', 'azure/aks-private-api', 'azure/public-ip-in-node-rg', 'azure/aks-egress-bypass', 'azure/acr-private', 'azure/virtual-nodes', 'azure/aks-identity', 'azure/address-overlap', 'audit/scope-unreadable']),
    );
    // A sprinkle, not a flood.
    expect(estate.truth.length).toBeGreaterThan(100);
    expect(estate.truth.length).toBeLessThan(600);
    expect(estate.subscriptions.filter((s) => s.denied)).toHaveLength(estate.truth.filter((t) => t.ruleId === 'audit/scope-unreadable').length);
    // Every truth id names a resource (or scope) the estate renders.
    const provider = createAzureProvider(estate, { pageSize: () => 1000, baseUrl: 'https://127.0.0.1:1' });
    expect(provider.provider).toBe('azure');
  });

  it('accepts zero subscriptions and rejects nonsense', () => {
    expect(generateAzureEstate({ subscriptions: 0, seed: 1 })).toEqual({ subscriptions: [], truth: [] });
    expect(() => generateAzureEstate({ subscriptions: -1, seed: 1 })).toThrow(/whole number/);
  });
});
