import type { DestinationStream } from 'pino';
import { createLogger, type Logger } from '../src/index';

export interface CapturedLogs {
  logger: Logger;
  lines: Record<string, any>[];
}

/** A real pino logger whose JSON lines are kept for assertions. */
export function captureLogs(name: string): CapturedLogs {
  const lines: Record<string, any>[] = [];
  const destination: DestinationStream = {
    write(chunk: string) {
      for (const line of chunk.split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, any>);
    },
  };
  return { logger: createLogger(name, { level: 'debug', destination }), lines };
}

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, any>; path?: unknown[] }[] };
}

export async function gql(
  url: string,
  query: string,
  options: { variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResponse['body'],
  };
}

/** A `product.created` / `product.updated` payload (without stock) for the kit's event tests. */
export const product = {
  productId: 'p1',
  sku: 'MUG-1',
  slug: 'mug',
  name: 'Mug',
  priceAmount: 1_200,
  currency: 'USD',
  categorySlug: null,
  active: true,
};
