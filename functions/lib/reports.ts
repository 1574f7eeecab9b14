/**
 * Reports of stored runs, as the Functions app serves and publishes them: rendered from the
 * run's stored snapshot exactly as `airlock report --run <id> --format <f>` renders it (the same
 * renderer, the same version string, the same final newline), so the API, the report blob and the
 * CLI give the same bytes for the same run.
 *
 * After each finalised run the HTML and Markdown reports go to the container named by
 * AIRLOCK_REPORT_CONTAINER: `latest.html`/`latest.md` (replaced only by a run that finished later)
 * and a per-run copy `runs/<run id>/report.html`/`report.md` (deleted by the storage account's
 * lifecycle rule, infra/main.bicep reportRetentionDays). An upload that fails is logged once and
 * never fails the run.
 */
import { RestError, type ContainerClient } from '@azure/storage-blob';
import type { Logger } from '../../shared/log.js';
import { filterDocument, type DocumentFilter } from '../../shared/report/filter.js';
import { renderReport, type ReportFormat } from '../../shared/report/index.js';
import { decodeSnapshot, type ReportSnapshot } from '../../shared/report/snapshot.js';
import { productVersion } from '../../shared/report/version.js';
import type { FindingStore } from '../../shared/store/types.js';
import { redact } from '../../shared/util/redact.js';
import { errorLine } from './platform.js';

/** Media type of each format: OCSF is one Detection Finding per line, as `airlock report --format ocsf` writes it. */
export const CONTENT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
  ocsf: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

export const LATEST_HTML = 'latest.html';
const LATEST_MARKDOWN = 'latest.md';

/** A run's stored report, or why there is none (the run is not stored; it was stored without a snapshot). */
export async function storedReport(store: FindingStore, runId: string): Promise<ReportSnapshot | 'no-run' | 'no-report'> {
  if (!(await store.getRun(runId))) return 'no-run';
  const text = await store.getReport?.(runId);
  return text === undefined ? 'no-report' : decodeSnapshot(text);
}

/**
 * The report text of a snapshot in one format, narrowed by the filter, as the CLI writes it:
 * scrubbed of registered secrets (a no-op unless one was quoted back by a server) and ending in a newline.
 */
export async function renderStored(format: ReportFormat, snapshot: ReportSnapshot, filter: DocumentFilter = {}): Promise<string> {
  const text = redact(renderReport(format, filterDocument(snapshot.document, filter), snapshot.topology, await productVersion()));
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** The URL messages link to when `reportUrl` is not configured: the container's latest.html. */
export function latestReportUrl(container: ContainerClient): string {
  return container.getBlockBlobClient(LATEST_HTML).url;
}

function isStatus(err: unknown, ...statuses: number[]): boolean {
  return err instanceof RestError && statuses.includes(err.statusCode ?? 0);
}

/** Replaces `name` unless it holds a run that finished later (two runs finalised out of order), under its ETag. */
async function replaceLatest(container: ContainerClient, name: string, body: string, contentType: string, run: { id: string; finishedAt: string }): Promise<boolean> {
  const blob = container.getBlockBlobClient(name);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let etag: string | undefined;
    try {
      const props = await blob.getProperties();
      if ((props.metadata?.['finishedat'] ?? '') > run.finishedAt) return false;
      etag = props.etag;
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
    try {
      await blob.upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: contentType },
        metadata: { runid: run.id, finishedat: run.finishedAt },
        conditions: etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag },
      });
      return true;
    } catch (err) {
      // Another run replaced it between our read and our write: look again.
      if (!isStatus(err, 409, 412)) throw err;
    }
  }
  return false;
}

/**
 * Uploads a committed run's HTML and Markdown reports (per-run copies, then `latest.*`). Never
 * throws: a failure is one log line with the run id, and the run goes on (its messages are sent).
 * Returns the blob names written.
 */
export async function uploadReports(client: ContainerClient, store: FindingStore, runId: string, log: Logger): Promise<string[]> {
  try {
    const snapshot = await storedReport(store, runId);
    if (typeof snapshot === 'string') {
      log.warn(`run ${runId}: no report uploaded (${snapshot === 'no-run' ? 'the run is not stored' : 'the run was stored without a report snapshot'})`, { runId });
      return [];
    }
    await client.createIfNotExists();
    const run = { id: runId, finishedAt: snapshot.document.finishedAt };
    const written: string[] = [];
    for (const [format, latest, copy] of [
      ['html', LATEST_HTML, `runs/${runId}/report.html`],
      ['markdown', LATEST_MARKDOWN, `runs/${runId}/report.md`],
    ] as const) {
      const body = await renderStored(format, snapshot);
      const headers = { blobHTTPHeaders: { blobContentType: CONTENT_TYPES[format] }, metadata: { runid: runId, finishedat: run.finishedAt } };
      await client.getBlockBlobClient(copy).upload(body, Buffer.byteLength(body), headers);
      written.push(copy);
      if (await replaceLatest(client, latest, body, CONTENT_TYPES[format], run)) written.push(latest);
    }
    log.info(`run ${runId}: report uploaded to ${client.containerName} (${written.join(', ')})`, { runId, blobs: written.length });
    return written;
  } catch (err) {
    uploadFailed(log, runId, err);
    return [];
  }
}

/** The one log line of a report upload that failed (the run itself goes on). */
export function uploadFailed(log: Logger, runId: string, err: unknown): void {
  log.error(`run ${runId}: report upload failed (the run is stored and its messages are sent): ${errorLine(err)}`, { runId });
}
