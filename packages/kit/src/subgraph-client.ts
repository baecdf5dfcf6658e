import { appError, ErrorCode, isErrorCode } from './errors';
import { inProcessPeer } from './in-process-peers';
import { internalCallHeaders } from './internal-calls';
import { forwardedHeaders, timeLeftMs } from './request-context';
import { traceHeaders } from './telemetry';
import { within } from './timeout';

/**
 * A command that needs another domain's authoritative answer asks that domain's subgraph over its
 * GraphQL API (never its database): the owner's primary holds every write it acknowledged, so the
 * answer includes whatever the client's previous mutation did, whichever replica answers.
 */
export interface SubgraphClient {
  readonly name: string;
  readonly url: string;
  /**
   * Runs `document` on the subgraph and returns `data`. An error the owner answered with a contract
   * code (NOT_FOUND, FORBIDDEN, ...) is rethrown with its code and extensions, so the client sees
   * the owner's verdict; anything else (unreachable, timeout, unexpected error) is thrown as a plain
   * Error and masked by the error formatter.
   */
  request<T = Record<string, any>>(
    document: string,
    variables?: Record<string, unknown>,
    options?: { authorization?: string | null },
  ): Promise<T>;
}

interface GraphQLAnswer {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export function createSubgraphClient(
  name: string,
  url: string,
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): SubgraphClient {
  return {
    name,
    url,
    async request<T>(
      document: string,
      variables: Record<string, unknown> = {},
      options: { authorization?: string | null } = {},
    ): Promise<T> {
      let answer: GraphQLAnswer;
      // Never past the caller's deadline: an answer after it serves nobody.
      const budgetMs = Math.min(timeoutMs, timeLeftMs());
      if (budgetMs <= 0)
        throw new Error(`No time left to ask the ${name} subgraph: the caller's deadline passed`);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...forwardedHeaders(),
        // The caller's span, so that the owner's server span joins its trace (as the gateway's fetches do).
        ...traceHeaders(),
        ...(options.authorization ? { authorization: options.authorization } : {}),
        // Says a subgraph is asking: operations for subgraphs only answer nobody else.
        ...internalCallHeaders(),
      };
      try {
        const local = inProcessPeer(url);
        if (local) {
          const response = await within(
            local({ body: { query: document, variables }, headers }),
            budgetMs,
            'the answer',
          );
          answer = response.result as GraphQLAnswer;
        } else {
          const response = await fetch(url, {
            method: 'POST',
            headers,
            body: JSON.stringify({ query: document, variables }),
            signal: AbortSignal.timeout(budgetMs),
          });
          answer = (await response.json()) as GraphQLAnswer;
        }
      } catch (error) {
        throw new Error(`The ${name} subgraph at ${url} did not answer: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const first = answer.errors?.[0];
      if (first) {
        const { code, ...extensions } = first.extensions ?? {};
        if (isErrorCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR)
          throw appError(code, first.message, extensions);
        throw new Error(`The ${name} subgraph answered an error: ${first.message}`);
      }
      if (!answer.data) throw new Error(`The ${name} subgraph answered no data`);
      return answer.data as T;
    },
  };
}

/** `PRODUCTS_URL` for `products`: the variable naming a subgraph's GraphQL endpoint (the gateway reads the same). */
export function peerUrlVariable(subgraph: string): string {
  return `${subgraph.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
}
