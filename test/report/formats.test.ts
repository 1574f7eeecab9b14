import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { Run } from '../../shared/model/run.js';
import { buildDocument, findingsJsonSchema, type FindingsDocument } from '../../shared/report/document.js';
import { csvCell, renderCsv, renderJsonl, renderMarkdown } from '../../shared/report/formats.js';
import { esc, renderHtml } from '../../shared/report/html.js';
import { buildTopology } from '../../shared/report/topology.js';
import { emptyInventory } from '../../shared/model/inventory/index.js';

const hostile = '=HYPERLINK("http://x","y") <img src=x onerror=alert(1)> "quoted", line\nbreak';

function run(): Run {
  const finding = {
    ruleId: 'azure/lb-public-frontend',
    severity: 'critical' as const,
    category: 'exposure' as const,
    cloud: 'azure' as const,
    scope: 'azure/subscription/5b0e2c1a-8d3f-4a6b-9c2e-7f1d0a3b4c01',
    resource: { id: '/subscriptions/5b0e2c1a-8d3f-4a6b-9c2e-7f1d0a3b4c01/resourceGroups/mc/providers/Microsoft.Network/loadBalancers/kubernetes', type: 'Microsoft.Network/loadBalancers', name: hostile },
    title: 'Public frontend',
    message: `-1+1 ${hostile}`,
    evidence: { frontend: '</details>```' },
    remediation: '@SUM(A1) az network lb frontend-ip delete',
    fingerprint: 'f1',
  };
  return {
    id: 'run-1', trigger: 'cli', startedAt: '2026-11-22T06:00:00Z', finishedAt: '2026-11-22T06:01:00Z', clouds: ['azure'], findings: [finding], undecided: [], rules: ['azure/lb-public-frontend'],
    coverage: { scopes: [], calls: [], notes: [] }, complete: true, apiCalls: {}, counts: { bySeverity: { critical: 1, high: 0, medium: 0, low: 0, info: 0 }, total: 1 },
  };
}

const doc = (): FindingsDocument => buildDocument({ run: run(), config: { exceptions: [] } });

describe('docs/findings.schema.json', () => {
  it('is what the zod definition generates (npm run schema:findings)', async () => {
    const committed = JSON.parse(await readFile(new URL('../../docs/findings.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(findingsJsonSchema())));
  });

  it('accepts the JSON output and rejects a finding without a state', () => {
    const validate = new Ajv2020({ strict: false }).compile(findingsJsonSchema());
    expect(validate(JSON.parse(JSON.stringify(doc()))), JSON.stringify(validate.errors)).toBe(true);
    const broken = JSON.parse(JSON.stringify(doc())) as { findings: Record<string, unknown>[] };
    delete broken.findings[0]?.['state'];
    expect(validate(broken)).toBe(false);
  });
});

describe('CSV', () => {
  it('escapes formula cells and quotes as RFC 4180 says', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@x')).toBe("'@x");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell('plain')).toBe('plain');
  });

  it('gives a header and one row per finding with the same number of cells', () => {
    const text = renderCsv(doc());
    expect(text.endsWith('\r\n')).toBe(true);
    // Parse it back: quoted fields may hold commas and line breaks.
    const rows: string[][] = [];
    let row: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < text.length; i += 1) {
      const c = text[i] ?? '';
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false; else cell += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') { row.push(cell); cell = ''; }
      else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 1; }
      else cell += c;
    }
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveLength(rows[0]?.length ?? 0);
    expect(rows[1]?.[rows[0]?.indexOf('message') ?? -1]).toBe(`'-1+1 ${hostile}`);
    expect(rows[1]?.[rows[0]?.indexOf('resourceName') ?? -1]?.startsWith("'=HYPERLINK")).toBe(true);
  });
});

describe('JSON Lines and Markdown', () => {
  it('writes one finding per line', () => {
    const lines = renderJsonl(doc()).split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ runId: 'run-1', fingerprint: 'f1', state: 'open' });
  });

  it('gives a summary, a severity section and a collapsible block whose fences hold', () => {
    const md = renderMarkdown(doc());
    expect(md).toMatch(/^## Airlock: 1 finding\(s\) \(1 critical\)/);
    expect(md).toContain('### Critical (1)');
    expect(md.match(/<details>/g)).toHaveLength(1);
    expect(md.match(/<\/details>/g)).toHaveLength(1);
    expect(md).not.toContain('<img');
    expect(md).toContain('````json');
  });
});

describe('HTML escaping', () => {
  it('escapes cloud data everywhere, including the picture', () => {
    const inv = emptyInventory();
    inv.azure.virtualNetworks.push({ id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v', name: '<script>alert(1)</script>', scope: 'azure/subscription/s', subscriptionId: 's', resourceGroup: 'r', location: 'westeurope', tags: {}, addressPrefixes: ['10.0.0.0/16'], dnsServers: [], subnets: [], peerings: [] });
    const html = renderHtml(doc(), buildTopology(inv, { onPremRanges: ['"><b>x'], keep: new Set() }), { productVersion: '0.1.0' });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('"><b>x');
    expect(html).toContain(esc('<script>alert(1)</script>').slice(0, 20));
    expect(html.match(/<script>/g)).toHaveLength(1);
  });
});
