import { createPipelineRequest, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { getCi } from '../../util/props.js';
import { ShapeError } from '../kit/errors.js';

/** Any SDK client: core-client's ServiceClient sends a request through the client's whole pipeline. */
export interface PipelineClient {
  sendRequest(request: PipelineRequest): Promise<PipelineResponse>;
}

/** An HTTP failure from a raw pipeline call, shaped like the SDKs' RestError (statusCode). */
class ArmHttpError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ArmHttpError';
  }
}

/**
 * GET (or POST) a list through a client's own pipeline (credential, retry, counting, CA) and
 * follow `nextLink`: for calls the SDKs do not expose, such as listing resource groups.
 */
export async function* rawPages(client: PipelineClient, url: string, method: 'GET' | 'POST' = 'GET', body?: string): AsyncGenerator {
  let next: string | undefined = url;
  while (next) {
    const request = createPipelineRequest({ url: next, method, ...(body === undefined ? {} : { body }) });
    if (body !== undefined) request.headers.set('content-type', 'application/json');
    const response = await client.sendRequest(request);
    const text = response.bodyAsText ?? '';
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : {};
    } catch {
      throw new ShapeError(`${method} ${new URL(next).pathname}: the response is not JSON (HTTP ${response.status})`);
    }
    if (response.status < 200 || response.status >= 300) {
      const code = getCi(getCi(parsed, 'error'), 'code');
      const message = getCi(getCi(parsed, 'error'), 'message');
      throw new ArmHttpError(`${typeof code === 'string' ? code : 'HTTP error'}: ${typeof message === 'string' ? message : text.slice(0, 200)}`, response.status, typeof code === 'string' ? code : undefined);
    }
    yield parsed;
    const props = getCi(parsed, 'properties');
    const link = getCi(parsed, 'nextLink') ?? getCi(props, 'nextLink');
    next = typeof link === 'string' && link.length > 0 ? link : undefined;
  }
}

/** The items of every `value` page of a raw list. */
export async function* rawItems(client: PipelineClient, url: string): AsyncGenerator {
  for await (const page of rawPages(client, url)) {
    const value = getCi(page, 'value');
    if (!Array.isArray(value)) throw new ShapeError(`GET ${new URL(url).pathname}: expected a "value" array`);
    yield* value as unknown[];
  }
}
