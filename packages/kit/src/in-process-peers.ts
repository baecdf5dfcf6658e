import type { InProcessGraphQLHandler } from './subgraph-server';

// The subgraphs serving in this process, by the URL they serve /graphql at.
const peers = new Map<string, InProcessGraphQLHandler>();

function keyOf(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/**
 * Makes a running subgraph's in-process handler the answer to peer calls for its URL, until the
 * returned function is called (its stop). A subgraph asking another for an authoritative answer
 * (`createSubgraphClient`) then calls it directly when both run in one process (`npm start`, the
 * test harness), as the gateway does: same headers, context, plugins and errors, no socket, HTTP
 * parsing or fetch. Between processes nothing changes: an unknown URL goes over HTTP.
 */
export function registerInProcessPeer(url: string, handle: InProcessGraphQLHandler): () => void {
  const key = keyOf(url);
  peers.set(key, handle);
  return () => {
    if (peers.get(key) === handle) peers.delete(key);
  };
}

/** The in-process handler serving `url`, if a subgraph of this process serves it. */
export function inProcessPeer(url: string): InProcessGraphQLHandler | undefined {
  return peers.size === 0 ? undefined : peers.get(keyOf(url));
}
