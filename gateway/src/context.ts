import type { Viewer } from '@novamart/kit';

/**
 * Per-operation context of the gateway. Subgraphs verify the token themselves; the gateway only
 * forwards it (and, for subscriptions, has already verified it at `connection_init`).
 */
export interface GatewayContext {
  requestId: string;
  /** The caller's `Authorization` header as received, forwarded to every subgraph. */
  authorization?: string;
  /** Set for subscriptions, whose token the gateway verifies itself. */
  viewer?: Viewer | null;
}
