import type { FindingsDocument } from './document.js';
import { renderCsv, renderJson, renderJsonl, renderMarkdown } from './formats.js';
import { renderHtml } from './html.js';
import { renderOcsf } from './ocsf.js';
import { regionLookup, type Topology } from './topology.js';

export const REPORT_FORMATS = ['json', 'jsonl', 'csv', 'markdown', 'html', 'ocsf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Renders a findings document (and the picture, for HTML and OCSF regions) in one format. */
export function renderReport(format: ReportFormat, doc: FindingsDocument, topology: Topology | undefined, productVersion: string): string {
  switch (format) {
    case 'json':
      return renderJson(doc);
    case 'jsonl':
      return renderJsonl(doc);
    case 'csv':
      return renderCsv(doc);
    case 'markdown':
      return renderMarkdown(doc);
    case 'html':
      return renderHtml(doc, topology, { productVersion });
    case 'ocsf':
      return renderOcsf(doc, { productVersion, ...(topology ? { regionOf: regionLookup(topology) } : {}) });
  }
}
