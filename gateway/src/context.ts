import type { Viewer } from '@novamart/kit';

/**
 * Per-operation context of the gateway. Subgraphs verify the token themselves; the gateway only
 * forwards it (and, for subscriptions, has already verified it at `connection_init`).
 */
export interface GatewayContext {
  requestId: string;
  /** The caller's `Authorization` header as received, forwarded to every subgraph. */
  authorization?: string;
  /**
   * `x-forwarded-for` for subgraphs: what the caller sent plus the address the gateway saw, last
   * (the users subgraph counts login failures per client address from the right-most entry).
   */
  forwardedFor?: string;
  /** Set for subscriptions, whose token the gateway verifies itself. */
  viewer?: Viewer | null;
  /**
   * When the request arrived, on the gateway's clock of in-flight queries (`InflightQueries`):
   * it may share a subgraph fetch that started after this. Unset: it shares none.
   */
  arrival?: number;
}

/** The `x-forwarded-for` to send on: the incoming chain with the peer's address appended. */
export function forwardedForOf(
  incoming: string | string[] | undefined,
  peerAddress: string | undefined,
): string | undefined {
  const chain = (Array.isArray(incoming) ? incoming.join(',') : (incoming ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  if (peerAddress) chain.push(peerAddress.startsWith('::ffff:') ? peerAddress.slice(7) : peerAddress);
  return chain.length > 0 ? chain.join(', ') : undefined;
}
