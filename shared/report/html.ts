/**
 * The HTML report: one self-contained page (inline CSS, SVG and a small script; a CSP that forbids
 * every request) with summary cards, a topology picture per cloud laid out with dagre at render
 * time, a findings table that filters and points at the picture, drift and coverage.
 */
import dagreModule from '@dagrejs/dagre';
import { compareSeverity, SEVERITIES, type Severity } from '../model/severity.js';
import { CLOUDS, type Cloud } from '../model/scope.js';
import { FINDING_STATES, isFirstRun, resolvedFindings, type FindingsDocument, type FindingView } from './document.js';
import { nodeLocator, type CloudTopology, type TopoEdge, type TopoNode, type Topology } from './topology.js';

/** Every string from cloud data goes through here before it reaches the page. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** The part of dagre's graph the layout uses (typed here: its bundled types do not resolve under the linter). */
interface LayoutGraph {
  setGraph(label: object): void;
  setDefaultEdgeLabel(fn: () => object): void;
  setNode(id: string, label: { width: number; height: number }): void;
  setEdge(from: string, to: string, label: object, name: string): void;
  graph(): { width?: number; height?: number };
  node(id: string): { x: number; y: number; height: number };
  edge(e: { v: string; w: string; name: string }): { points?: { x: number; y: number }[] };
}
const dagre = dagreModule as unknown as { graphlib: { Graph: new (options: { multigraph: boolean }) => LayoutGraph }; layout: (g: LayoutGraph) => void };

const cap = (text: string, n: number): string => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
const usd = (n: number): string => `$${n >= 100 ? n.toFixed(0) : n.toFixed(2)}/mo`;
const NODE_W = 190;
const LINE_H = 14;

interface Placed {
  node: TopoNode;
  domId: string;
  x: number;
  y: number;
  h: number;
  worst?: Severity;
}

interface Picture {
  svg: string;
  /** Finding fingerprint → DOM id of its node. */
  nodeOf: Map<string, string>;
}

/** Lays one cloud out with dagre and draws it as SVG; nodes of findings carry the worst severity. */
function drawCloud(cloud: Cloud, topo: CloudTopology, findings: readonly FindingView[]): Picture {
  const locate = nodeLocator(topo);
  const nodeOf = new Map<string, string>();
  const worst = new Map<string, Severity>();
  const domIds = new Map(topo.nodes.map((n, i) => [n.id, `n-${cloud}-${i}`]));
  for (const f of findings) {
    const id = locate(f.resource.id);
    if (!id) continue;
    nodeOf.set(f.fingerprint, domIds.get(id) ?? '');
    if (f.state === 'resolved' || f.state === 'excepted') continue;
    const prev = worst.get(id);
    if (!prev || compareSeverity(f.severity, prev) < 0) worst.set(id, f.severity);
  }
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 70, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of topo.nodes) g.setNode(n.id, { width: NODE_W, height: LINE_H * (1 + Math.min(2, n.detail.length)) + 12 });
  topo.edges.forEach((e, i) => {
    const label = edgeLabel(e);
    g.setEdge(e.from, e.to, label ? { width: Math.min(160, label.length * 6), height: LINE_H, labelpos: 'c' } : {}, `e${i}`);
  });
  dagre.layout(g);
  const graph = g.graph();
  const width = Math.ceil(graph.width ?? 400);
  const height = Math.ceil(graph.height ?? 200);
  const placed: Placed[] = topo.nodes.map((node) => {
    const p = g.node(node.id);
    const w = worst.get(node.id);
    return { node, domId: domIds.get(node.id) ?? '', x: p.x, y: p.y, h: p.height, ...(w ? { worst: w } : {}) };
  });
  const edges = topo.edges.map((e, i) => {
    const points = g.edge({ v: e.from, w: e.to, name: `e${i}` }).points ?? [];
    const d = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const label = edgeLabel(e);
    const mid = points[Math.floor(points.length / 2)];
    const cls = ['edge', `e-${e.kind}`, e.broken ? 'broken' : ''].filter(Boolean).join(' ');
    return `<g class="${cls}"><path d="${d}"/>${label && mid ? `<text x="${mid.x.toFixed(1)}" y="${(mid.y - 3).toFixed(1)}" text-anchor="middle">${esc(cap(label, 34))}</text>` : ''}</g>`;
  });
  const nodes = placed.map(({ node, domId, x, y, h, worst: w }) => {
    const cls = ['node', `k-${node.kind}`, node.public ? 'public' : '', w ? `finding sev-${w}` : ''].filter(Boolean).join(' ');
    const left = x - NODE_W / 2;
    const top = y - h / 2;
    const lines = node.detail.slice(0, 2).map((d, j) => `<text class="detail" x="${(left + 8).toFixed(1)}" y="${(top + 30 + j * LINE_H).toFixed(1)}">${esc(cap(d, 32))}</text>`);
    const tooltip = [node.label, node.kind, ...node.detail, ...(node.public ? ['reachable from the internet'] : []), ...(node.region ? [node.region] : [])].join('\n');
    return `<g class="${cls}" id="${domId}" data-node="${esc(node.id)}"><title>${esc(tooltip)}</title><rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${NODE_W}" height="${h}" rx="6"/><text class="label" x="${(left + 8).toFixed(1)}" y="${(top + 16).toFixed(1)}">${esc(cap(`${KIND_ICON[node.kind]} ${node.label}`, 28))}</text>${lines.join('')}</g>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(cloud)} topology">${edges.join('')}${nodes.join('')}</svg>`;
  return { svg, nodeOf };
}

const KIND_ICON: Record<TopoNode['kind'], string> = {
  onprem: '🏢', hub: '⬢', vnet: '⬡', gateway: '⇅', firewall: '🛡', bastion: '⌂', resolver: '⌕', 'dns-zone': '◎', cluster: '☸', registry: '▣', lb: '⇶', 'public-ip': '🌐', network: '⬡', router: '⇆', vpc: '⬡', tgw: '✳', collapsed: '⋯',
};

function edgeLabel(e: TopoEdge): string {
  return [e.label ?? '', e.monthlyCost ? usd(e.monthlyCost) : ''].filter(Boolean).join(' · ');
}

const CSS = `
:root{--crit:#b3001b;--high:#e4572e;--med:#f0a202;--low:#3b8ea5;--info:#7a7a7a;--fg:#1d1d1f;--muted:#666;--line:#ddd}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);margin:0;padding:24px;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}.muted{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:110px}
.card b{display:block;font-size:22px}.card.sev-critical b{color:var(--crit)}.card.sev-high b{color:var(--high)}.card.sev-medium b{color:var(--med)}.card.sev-low b{color:var(--low)}
.cloud{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px;margin-bottom:14px;overflow:auto;max-height:80vh}
svg.topology text{font-size:11px;fill:var(--fg)}svg .label{font-weight:600}svg .detail{fill:var(--muted)}
svg .node rect{fill:#fff;stroke:#8a8a8a;stroke-width:1.2}svg .k-hub rect{fill:#eef4ff;stroke:#3d6bd6}svg .k-onprem rect{fill:#f1f1e6;stroke:#6b6b3d}
svg .k-cluster rect{fill:#eefaf0}svg .k-dns-zone rect{fill:#f6f0ff}svg .k-collapsed rect{stroke-dasharray:4 3}
svg .node.public rect{fill:#fff0f0}svg .node.finding rect{stroke-width:2.5}
svg .sev-critical rect{stroke:var(--crit)}svg .sev-high rect{stroke:var(--high)}svg .sev-medium rect{stroke:var(--med)}svg .sev-low rect{stroke:var(--low)}svg .sev-info rect{stroke:var(--info)}
svg .node.hl rect{stroke:#000;stroke-width:4;fill:#fff7b0}
svg .edge path{fill:none;stroke:#9a9a9a;stroke-width:1.4}svg .e-dns-link path{stroke-dasharray:5 3;stroke:#8a63d2}svg .e-api-record path{stroke-dasharray:2 3}
svg .e-hybrid path{stroke:#6b6b3d;stroke-width:2.2}svg .e-peering path{stroke:#3d6bd6}svg .edge.broken path{stroke:var(--crit);stroke-width:2.2;stroke-dasharray:6 3}
svg .edge text{font-size:10px;fill:#444}svg .edge.broken text{fill:var(--crit);font-weight:600}
.filters{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0}.filters label{font-size:13px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:top}
tbody tr{cursor:pointer}tbody tr:hover{background:#f3f6ff}tr.sel{background:#fff7b0}
.sev{font-weight:600;text-transform:uppercase;font-size:11px}.sev.critical{color:var(--crit)}.sev.high{color:var(--high)}.sev.medium{color:var(--med)}.sev.low{color:var(--low)}
details pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:6px;margin:4px 0}code{font-size:12px}
.legend span{margin-right:14px}
`;

/** Filtering by data attributes and highlighting a finding's node; no data from the run is in the script. */
const SCRIPT = `
(function(){
  var rows=[].slice.call(document.querySelectorAll('#findings tbody tr'));
  var sel=function(n){return document.getElementById('f-'+n).value};
  function apply(){
    var c=sel('cloud'),s=sel('severity'),st=sel('state'),r=sel('rule');
    rows.forEach(function(tr){var d=tr.dataset;tr.hidden=!((!c||d.cloud===c)&&(!s||d.severity===s)&&(!st||d.state===st)&&(!r||d.rule===r));});
    document.querySelectorAll('section.cloud').forEach(function(sec){sec.hidden=!!c&&sec.dataset.cloud!==c;});
    document.getElementById('shown').textContent=rows.filter(function(tr){return !tr.hidden}).length;
  }
  ['cloud','severity','state','rule'].forEach(function(n){document.getElementById('f-'+n).addEventListener('change',apply);});
  rows.forEach(function(tr){tr.addEventListener('click',function(ev){
    if(ev.target.closest('details'))return;
    rows.forEach(function(o){o.classList.remove('sel')});tr.classList.add('sel');
    document.querySelectorAll('.node.hl').forEach(function(n){n.classList.remove('hl')});
    var node=tr.dataset.node&&document.getElementById(tr.dataset.node);
    if(node){node.classList.add('hl');node.scrollIntoView({block:'center',inline:'center'});}
  });});
  apply();
})();
`;

function options(values: readonly string[], all: string): string {
  return `<option value="">${esc(all)}</option>${values.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join('')}`;
}

function findingRow(f: FindingView, nodeId: string | undefined): string {
  return `<tr data-cloud="${esc(f.cloud)}" data-severity="${esc(f.severity)}" data-state="${esc(f.state)}" data-rule="${esc(f.ruleId)}"${nodeId ? ` data-node="${esc(nodeId)}"` : ''} data-fingerprint="${esc(f.fingerprint)}">
<td><span class="sev ${esc(f.severity)}">${esc(f.severity)}</span></td><td>${esc(f.state)}${f.exception ? `<br><span class="muted">until ${esc(f.exception.expires)}</span>` : ''}</td><td>${esc(f.cloud)}</td>
<td><code>${esc(f.ruleId)}</code></td><td>${esc(f.resource.name)}${nodeId ? '' : ' <span class="muted">(not in picture)</span>'}</td>
<td>${esc(f.message)}${f.cost ? `<br><span class="muted">${esc(usd(f.cost.monthly))}</span>` : ''}<details><summary>evidence and fix</summary><pre>${esc(JSON.stringify(f.evidence, null, 2))}</pre><b>Fix</b><pre>${esc(f.remediation)}</pre>${f.exception ? `<p>Excepted: ${esc(f.exception.reason)}</p>` : ''}<p class="muted"><code>${esc(f.resource.id)}</code></p></details></td></tr>`;
}

function count<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

export interface HtmlOptions {
  productVersion: string;
}

export function renderHtml(doc: FindingsDocument, topology: Topology | undefined, opts: HtmlOptions): string {
  const resolved = resolvedFindings(doc);
  const all = [...doc.findings, ...resolved];
  const nodeOf = new Map<string, string>();
  const pictures: string[] = [];
  for (const cloud of CLOUDS) {
    const topo = topology?.[cloud];
    if (!topo) continue;
    const cloudFindings = all.filter((f) => f.cloud === cloud || f.scope.startsWith(`${cloud}/`));
    const pic = drawCloud(cloud, topo, cloudFindings);
    for (const [k, v] of pic.nodeOf) nodeOf.set(k, v);
    const costs = topo.edges.reduce((s, e) => s + (e.monthlyCost ?? 0), 0);
    pictures.push(
      `<section class="cloud" data-cloud="${cloud}"><h3>${esc(cloud.toUpperCase())} <span class="muted">${topo.nodes.length} node(s)${topo.collapsed > 0 ? `, ${topo.collapsed} clean spoke(s) folded` : ''}${costs > 0 ? `, ${esc(usd(costs))} on edges` : ''}</span></h3>${pic.svg}</section>`,
    );
  }
  const sevCards = SEVERITIES.map((s) => `<div class="card sev-${s}"><b>${doc.counts.bySeverity[s]}</b>${s}</div>`).join('');
  const byCloud = count(doc.findings, (f) => f.cloud);
  const cloudCards = [...byCloud].map(([c, n]) => `<div class="card"><b>${n}</b>${esc(c)}</div>`).join('');
  const byState = count(all, (f) => f.state);
  const stateCards = [...byState].map(([s, n]) => `<div class="card"><b>${n}</b>${esc(s)}</div>`).join('');
  const rows = [...all].sort((a, b) => compareSeverity(a.severity, b.severity) || a.ruleId.localeCompare(b.ruleId) || a.resource.name.localeCompare(b.resource.name)).map((f) => findingRow(f, nodeOf.get(f.fingerprint)));
  const rules = [...new Set(all.map((f) => f.ruleId))].sort();
  const clouds = [...new Set(all.map((f) => f.cloud))].sort();

  const drift = doc.drift;
  let driftHtml = '<p class="muted">Not published: no drift (the run was not compared with a stored one).</p>';
  if (drift === null) driftHtml = '<p class="muted">The run was already stored; drift was reported when it was first published.</p>';
  else if (drift && isFirstRun(doc)) driftHtml = `<p>First run: ${drift.entries.length} finding(s) recorded; later runs report what changed.</p>`;
  else if (drift) {
    const changes = drift.entries.filter((e) => !e.carriedOver && (e.state === 'new' || e.state === 'regressed' || e.state === 'resolved' || e.escalatedFrom));
    driftHtml = `<p>${(['new', 'regressed', 'resolved', 'persisting', 'excepted'] as const).map((s) => `${drift.entries.filter((e) => e.state === s).length} ${s}`).join(', ')}${drift.carriedOver.findings > 0 ? `; ${drift.carriedOver.findings} carried over from unread scopes` : ''}.</p>${changes.length > 0 ? `<ul>${changes.map((e) => `<li><b>${esc(e.escalatedFrom ? `escalated from ${e.escalatedFrom}` : e.state)}</b> <span class="sev ${esc(e.finding.severity)}">${esc(e.finding.severity)}</span> <code>${esc(e.finding.ruleId)}</code> ${esc(e.finding.resource.name)}</li>`).join('')}</ul>` : ''}`;
  }
  const incomplete = doc.coverage.scopes.filter((s) => !s.complete);
  const coverageHtml = `<p>${doc.coverage.scopes.length - incomplete.length} of ${doc.coverage.scopes.length} scope(s) read completely; ${doc.undecided.length} check(s) undecided.</p>${
    incomplete.length > 0 ? `<table><thead><tr><th>Scope</th><th>Could not read</th></tr></thead><tbody>${incomplete.map((s) => `<tr><td><code>${esc(`${s.scope.cloud}/${s.scope.kind}/${s.scope.id}`)}</code>${s.scope.name ? ` ${esc(s.scope.name)}` : ''}</td><td>${s.failed.slice(0, 8).map((f) => `${esc(f.dataset)} (${esc(f.api)}${f.status ? ` HTTP ${f.status}` : ''}): ${esc(cap(f.message, 160))}`).join('<br>')}${s.failed.length > 8 ? `<br>+${s.failed.length - 8} more` : ''}</td></tr>`).join('')}</tbody></table>` : ''
  }${doc.coverage.notes.length > 0 ? `<ul>${doc.coverage.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}${
    doc.undecided.length > 0 ? `<details><summary>Undecided checks</summary><ul>${doc.undecided.map((u) => `<li><code>${esc(u.ruleId)}</code> ${esc(u.scope)}: ${esc(u.reason)}</li>`).join('')}</ul></details>` : ''
  }`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Airlock report ${esc(doc.id)}</title><style>${CSS}</style></head><body>
<h1>Airlock report</h1>
<p class="muted">Run <code>${esc(doc.id)}</code> · ${esc(doc.clouds.join(', ') || 'no cloud')} · finished ${esc(doc.finishedAt)} · Airlock ${esc(opts.productVersion)}${doc.complete ? '' : ' · <b>incomplete</b>'}</p>
<div class="cards">${sevCards}</div><div class="cards">${cloudCards}${stateCards}</div>
<h2>Topology</h2>
<p class="legend muted"><span>red outline: finding (colour = worst severity)</span><span>pink fill: reachable from the internet</span><span>red dashes: broken link</span><span>$/mo: monthly peering/transit cost</span></p>
${pictures.join('\n') || '<p class="muted">No inventory to draw (stored before reports kept one, or nothing was read).</p>'}
<h2>Findings <span class="muted">(<span id="shown">${all.length}</span> shown)</span></h2>
<div class="filters">
<label>Cloud <select id="f-cloud">${options(clouds, 'all')}</select></label>
<label>Severity <select id="f-severity">${options(SEVERITIES.filter((s) => all.some((f) => f.severity === s)), 'all')}</select></label>
<label>State <select id="f-state">${options(FINDING_STATES.filter((s) => all.some((f) => f.state === s)), 'all')}</select></label>
<label>Rule <select id="f-rule">${options(rules, 'all')}</select></label>
</div>
<table id="findings"><thead><tr><th>Severity</th><th>State</th><th>Cloud</th><th>Rule</th><th>Resource</th><th>Message</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
<h2>Drift since the previous run</h2>${driftHtml}
<h2>Coverage</h2>${coverageHtml}
<script>${SCRIPT}</script>
</body></html>
`;
}
