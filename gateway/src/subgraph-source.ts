import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { DEADLINE_HEADER, REQUEST_ID_HEADER, traceHeaders } from '@novamart/kit';
import type { GatewayContext } from './context';

export interface SubgraphSourceOptions {
  name: string;
  url: string;
  timeoutMs: number;
  /** Called with every subgraph round trip: metrics. */
  onFetch?: (subgraph: string, seconds: number, outcome: 'ok' | 'error' | 'timeout') => void;
}

/**
 * What a subgraph is told of the gateway's patience (`x-novamart-deadline`): the timeout less a
 * margin of 1 s (a tenth of a shorter timeout), so that a subgraph that checks the deadline before committing gives up while the gateway
 * still waits, and a commit cannot land after the client was told the request failed.
 */
export const DEADLINE_MARGIN_MS = 1_000;

/** The deadline a subgraph is given: its timeout less the margin (at most a tenth of a short timeout). */
export function deadlineHeader(timeoutMs: number): Record<string, string> {
  const margin = Math.min(DEADLINE_MARGIN_MS, timeoutMs / 10);
  return { [DEADLINE_HEADER]: String(Math.floor(Date.now() + timeoutMs - margin)) };
}

/** A subgraph that did not answer within its timeout. */
export class SubgraphTimeoutError extends Error {
  constructor(subgraph: string, timeoutMs: number) {
    super(`Subgraph "${subgraph}" did not answer within ${timeoutMs} ms`);
    this.name = 'SubgraphTimeoutError';
  }
}

/**
 * Fetch with a deadline. A subgraph that refuses the whole request (an invalid token in its
 * context function, for instance) answers 4xx/5xx with a GraphQL body; that body is passed on as
 * the response, so its errors keep their `extensions.code` instead of becoming "500: Internal
 * Server Error".
 */
type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherRequestInit = Parameters<Fetcher>[1];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

function subgraphFetcher(options: SubgraphSourceOptions): Fetcher {
  const { name, timeoutMs, onFetch } = options;
  return async (url: string, init?: FetcherRequestInit): Promise<FetcherResponse> => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let response: Response;
    try {
      response = await fetch(url, { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      onFetch?.(name, seconds(), timedOut ? 'timeout' : 'error');
      throw timedOut ? new SubgraphTimeoutError(name, timeoutMs) : error;
    }
    if (response.ok) {
      onFetch?.(name, seconds(), 'ok');
      return response as unknown as FetcherResponse;
    }
    const text = await response.text();
    onFetch?.(name, seconds(), 'error');
    if (isGraphQLErrorBody(response.headers.get('content-type'), text)) {
      return new Response(text, { status: 200, headers: response.headers }) as unknown as FetcherResponse;
    }
    return new Response(text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    }) as unknown as FetcherResponse;
  };
}

function isGraphQLErrorBody(contentType: string | null, text: string): boolean {
  if (!contentType || !/^application\/(graphql-response\+)?json/.test(contentType)) return false;
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null && Array.isArray((body as { errors?: unknown }).errors);
  } catch {
    return false;
  }
}

/**
 * One subgraph behind the gateway. Forwards the caller's `Authorization` (subgraphs verify the
 * token themselves), the request id (one id follows a request through every service) and the
 * caller's address in `x-forwarded-for`.
 */
export class SubgraphSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly timeoutMs: number;

  constructor(options: SubgraphSourceOptions) {
    super({ url: options.url, fetcher: subgraphFetcher(options) });
    this.timeoutMs = options.timeoutMs;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    if (context.authorization) headers.set('authorization', context.authorization);
    if (context.requestId) headers.set(REQUEST_ID_HEADER, context.requestId);
    if (context.forwardedFor) headers.set('x-forwarded-for', context.forwardedFor);
    for (const [name, value] of Object.entries(deadlineHeader(this.timeoutMs))) headers.set(name, value);
    // With tracing on: the fetch span's traceparent, so the subgraph's span joins the trace.
    for (const [name, value] of Object.entries(traceHeaders())) headers.set(name, value);
  }
}
