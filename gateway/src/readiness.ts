import type { SubgraphEndpoint } from './supergraph-subgraphs';

export interface ReadinessReport {
  ready: boolean;
  subgraphs: Record<string, 'up' | 'down'>;
}

/** Every subgraph answers `{ __typename }` within the timeout: the gateway can serve. */
export async function checkSubgraphs(
  subgraphs: readonly SubgraphEndpoint[],
  timeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    subgraphs.map(async ({ name, url }) => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'query GatewayReadiness { __typename }' }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const body = (await response.json()) as { data?: { __typename?: string } };
        return [name, response.ok && body.data?.__typename === 'Query' ? 'up' : 'down'] as const;
      } catch {
        return [name, 'down'] as const;
      }
    }),
  );
  return { ready: results.every(([, state]) => state === 'up'), subgraphs: Object.fromEntries(results) };
}
