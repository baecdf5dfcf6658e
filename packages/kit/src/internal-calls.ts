import { randomBytes, timingSafeEqual } from 'node:crypto';
import { forbidden } from './errors';

/**
 * Calls between subgraphs. A subgraph's operations for other subgraphs only (`@inaccessible` in the
 * supergraph, so the gateway never serves them) are still reachable at its own port; this is what
 * tells such a call from any other request that reaches the port. Every call a subgraph makes with
 * `createSubgraphClient` carries the deployment's INTERNAL_API_TOKEN in `x-novamart-internal`, and
 * the kit's server marks a request bearing it `internalCaller` in its context. The gateway sends
 * its own headers to subgraphs, never a client's, so no client request is ever internal.
 */
export const INTERNAL_CALL_HEADER = 'x-novamart-internal';

// Without INTERNAL_API_TOKEN only calls within this process are internal (the all-in-one start):
// a process makes up its own token, which no other process knows.
const processToken = randomBytes(32).toString('base64url');
let configuredToken: string | undefined;

/** The deployment's token (INTERNAL_API_TOKEN), set by `createSubgraphRuntime`. */
export function useInternalApiToken(token: string | undefined): void {
  if (token) configuredToken = token;
}

function currentToken(): string {
  return configuredToken ?? processToken;
}

/** The header every call to another subgraph carries. */
export function internalCallHeaders(): Record<string, string> {
  return { [INTERNAL_CALL_HEADER]: currentToken() };
}

/** Whether a request's `x-novamart-internal` proves it comes from a subgraph of this deployment. */
export function isInternalCall(header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || header === '') return false;
  const given = Buffer.from(header);
  const expected = Buffer.from(currentToken());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** FORBIDDEN unless another subgraph of this deployment is asking (see above). */
export function requireInternalCaller(ctx: { internalCaller?: boolean }): void {
  if (!ctx.internalCaller) throw forbidden('This operation is for other NovaMart subgraphs only');
}
