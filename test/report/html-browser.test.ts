import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FindingsDocument } from '../../shared/report/document.js';
import { startSimulator, type Simulator } from '../../sim/index.js';

/**
 * `airlock audit --format html` on hybrid-broken (Azure) through the CLI, `airlock report --latest`
 * from the store it wrote, then the page in Debian's Chromium: no console error, no request,
 * filtering and click-to-highlight work, and a screenshot for a human in test-artifacts/.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

function airlock(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin/airlock.mjs'), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let sim: Simulator;
let dir: string;
let configFile: string;
let auditHtml: string;
let reportHtml: string;
let doc: FindingsDocument;

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'hybrid-broken', behaviour: { throttle: { enabled: false, resourceGraph: { quota: 100_000, windowSeconds: 5 } } } });
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-html-'));
  ({ configFile } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), { overrides: { clouds: { gcp: { enabled: false }, aws: { enabled: false } } } }));
  const audit = await airlock(['audit', '--config', configFile, '--format', 'html', '--out', path.join(dir, 'r.html')]);
  expect(audit.code, audit.stderr).toBe(3); // one subscription is denied in this scenario
  auditHtml = await readFile(path.join(dir, 'r.html'), 'utf8');
  // The simulator is gone before the report: it must come from the store alone.
  await sim.stop();
  const report = await airlock(['report', '--config', configFile, '--latest', '--format', 'html', '--out', path.join(dir, 'stored.html')]);
  expect(report.code, report.stderr).toBe(0);
  reportHtml = await readFile(path.join(dir, 'stored.html'), 'utf8');
  const json = await airlock(['report', '--config', configFile, '--latest', '--format', 'json']);
  doc = JSON.parse(json.stdout) as FindingsDocument;
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the HTML report of hybrid-broken', () => {
  it('draws the hub, its spokes and the on-prem ranges', () => {
    expect(auditHtml).toContain('vnet-hub-weu');
    expect(auditHtml).toMatch(/class="node k-hub[^"]*"/);
    expect(auditHtml).toContain('vnet-aks-prod-weu');
    expect(auditHtml).toContain('class="node k-onprem');
    expect(auditHtml).toMatch(/on-premises/);
    expect(auditHtml).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
  });

  it('points every Azure finding on a resource at a node in the picture', () => {
    const rows = [...auditHtml.matchAll(/<tr data-cloud="azure"[^>]*>/g)].map((m) => m[0]);
    expect(rows.length).toBeGreaterThan(10);
    const scopeLevel = rows.filter((r) => !r.includes('data-node='));
    // Only findings about a whole scope (the unreadable subscription) have no node.
    expect(scopeLevel.every((r) => r.includes('data-rule="audit/'))).toBe(true);
    for (const r of rows.filter((x) => x.includes('data-node='))) {
      const id = /data-node="([^"]+)"/.exec(r)?.[1] ?? '';
      expect(auditHtml).toContain(`id="${id}"`);
    }
  });

  it('renders the stored run again from the store, with the same findings', () => {
    const count = (html: string): number => html.match(/<tr data-cloud=/g)?.length ?? 0;
    expect(count(reportHtml)).toBe(count(auditHtml));
    expect(reportHtml).toContain('vnet-hub-weu');
    expect(doc.findings.length).toBe(count(auditHtml));
    expect(doc.drift?.entries.length).toBe(doc.findings.length);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM });
  }, 60_000);
  afterAll(async () => {
    await browser.close();
  });

  it('loads with no console error and no request, filters by cloud, and highlights a finding\'s node', async () => {
    const file = path.join(dir, 'r.html');
    // A second cloud's row (a synthetic one) proves the cloud filter hides what it should.
    const withGcp = auditHtml
      .replace('<tbody>\n', '<tbody>\n<tr data-cloud="gcp" data-severity="high" data-state="new" data-rule="gcp/gke-private-nodes"><td>gcp row</td></tr>\n')
      .replace('<select id="f-cloud"><option value="">all</option>', '<select id="f-cloud"><option value="">all</option><option value="gcp">gcp</option>');
    await writeFile(file, withGcp);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    await page.selectOption('#f-cloud', 'gcp');
    expect(await page.locator('#findings tbody tr:visible').count()).toBe(1);
    await page.selectOption('#f-cloud', 'azure');
    const visible = page.locator('#findings tbody tr:visible');
    expect(await visible.count()).toBeGreaterThan(10);
    expect(await page.locator('#findings tbody tr[data-cloud="gcp"]:visible').count()).toBe(0);

    const row = page.locator('#findings tbody tr[data-rule="azure/lb-public-frontend"]').first();
    const nodeId = await row.getAttribute('data-node');
    expect(nodeId).toBeTruthy();
    await row.locator('td').first().click();
    await expect.poll(() => page.locator(`[id="${nodeId ?? ''}"]`).getAttribute('class')).toContain('hl');
    expect(await page.locator('.node.hl').count()).toBe(1);

    await mkdir(path.join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(root, 'test-artifacts/report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  }, 60_000);
});
