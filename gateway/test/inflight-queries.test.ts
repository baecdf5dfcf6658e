// Sharing identical subgraph queries in flight: who shares a fetch, who never does, and that each
// caller gets an answer of its own.
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../src/context';
import { InflightQueries } from '../src/inflight-queries';

const PAGE = '{ products(first: 2) { id name } }';

/** A subgraph whose fetches stay open until `answer()`, counting them. */
function slowSubgraph() {
  const pending: ((response: GatewayGraphQLResponse) => void)[] = [];
  const source: GraphQLDataSource<GatewayContext> = {
    process: () => new Promise((resolve) => pending.push(resolve)),
  };
  return {
    source,
    get fetches() {
      return pending.length;
    },
    answer(data: Record<string, unknown>) {
      for (const resolve of pending.splice(0)) resolve({ data: structuredClone(data) });
    },
  };
}

function incoming(
  context: GatewayContext,
  options: { query?: string; variables?: Record<string, unknown>; kind?: 'query' | 'mutation' } = {},
): GraphQLDataSourceProcessOptions<GatewayContext> {
  const text = `${options.kind ?? 'query'} Page ${PAGE}`;
  const operation = parse(text).definitions[0] as OperationDefinitionNode;
  return {
    kind: 'incoming operation',
    request: { query: options.query ?? PAGE, variables: options.variables ?? {} },
    context,
    incomingRequestContext: { operation, context } as never,
  } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
}

describe('InflightQueries', () => {
  it('lets requests that arrived before a fetch started share it, each with its own copy', async () => {
    const inflight = new InflightQueries();
    const subgraph = slowSubgraph();
    const products = inflight.share('products', subgraph.source);
    const first = { requestId: 'a', arrival: inflight.arrival() };
    const second = { requestId: 'b', arrival: inflight.arrival() };

    const leader = products.process(incoming(first));
    const joiner = products.process(incoming(second));
    expect(subgraph.fetches).toBe(1);
    subgraph.answer({ products: [{ id: '1', name: 'Mug' }] });
    const [a, b] = await Promise.all([leader, joiner]);
    expect(a).toEqual({ data: { products: [{ id: '1', name: 'Mug' }] } });
    expect(b).toEqual(a);
    // The gateway merges later fetches into what it receives: nobody may see another's merges.
    expect(b).not.toBe(a);
    expect(b.data!.products).not.toBe(a.data!.products);
    expect(inflight.size).toBe(0);
  });

  it("copies an answer deeply for each joiner, graphql-js's prototype-less objects and a Date included", async () => {
    const inflight = new InflightQueries();
    let resolveFetch!: (response: GatewayGraphQLResponse) => void;
    const products = inflight.share('products', {
      process: () => new Promise((resolve) => (resolveFetch = resolve)),
    });
    const first = { requestId: 'a', arrival: inflight.arrival() };
    const second = { requestId: 'b', arrival: inflight.arrival() };
    const leader = products.process(incoming(first));
    const joiner = products.process(incoming(second));
    const node = Object.assign(Object.create(null) as Record<string, unknown>, {
      id: '1',
      tags: ['mug', { label: 'new' }],
      at: new Date('2026-12-03T00:00:00Z'),
    });
    resolveFetch({ data: { products: [node], totalCount: 1 }, errors: [{ message: 'partial' }] });
    const [a, b] = await Promise.all([leader, joiner]);
    expect(a.data!.products).toEqual([node]); // the leader's own answer, as the subgraph gave it
    const copied = (b.data!.products as Record<string, unknown>[])[0]!;
    expect(copied).toEqual({ ...node });
    expect(copied).not.toBe(node);
    expect(copied.tags).not.toBe(node.tags);
    expect((copied.tags as unknown[])[1]).not.toBe((node.tags as unknown[])[1]);
    expect(copied.at).toBeInstanceOf(Date);
    expect(copied.at).not.toBe(node.at);
    expect(b.errors).toEqual(a.errors);
    expect(b.errors).not.toBe(a.errors);
  });

  it('never lets a request join a fetch that started before it arrived (read your own writes)', async () => {
    const inflight = new InflightQueries();
    const subgraph = slowSubgraph();
    const products = inflight.share('products', subgraph.source);
    const early = products.process(incoming({ requestId: 'a', arrival: inflight.arrival() }));
    // Arrives after that fetch started: the fetch may predate a write this caller already saw.
    const late = products.process(incoming({ requestId: 'b', arrival: inflight.arrival() }));
    expect(subgraph.fetches).toBe(2);
    subgraph.answer({ products: [] });
    await Promise.all([early, late]);
  });

  it('does not share mutations, other viewers, other variables or requests without an arrival', async () => {
    const inflight = new InflightQueries();
    const subgraph = slowSubgraph();
    const products = inflight.share('products', subgraph.source);
    const contexts = Array.from({ length: 5 }, (_, i) => ({
      requestId: `r${i}`,
      arrival: inflight.arrival(),
    }));
    const calls = [
      products.process(incoming(contexts[0]!)),
      products.process(incoming(contexts[1]!, { kind: 'mutation' })),
      products.process(incoming({ ...contexts[2]!, authorization: 'Bearer other' })),
      products.process(incoming(contexts[3]!, { variables: { first: 3 } })),
      products.process(incoming({ requestId: 'no-arrival' })),
    ];
    expect(subgraph.fetches).toBe(5);
    subgraph.answer({ products: [] });
    await Promise.all(calls);
  });

  it('fails those who joined a fetch that failed, and forgets it', async () => {
    const inflight = new InflightQueries();
    let fail: (error: Error) => void = () => undefined;
    const products = inflight.share('products', {
      process: () => new Promise((_, reject) => (fail = reject)),
    });
    const first = { requestId: 'a', arrival: inflight.arrival() };
    const second = { requestId: 'b', arrival: inflight.arrival() };
    const a = products.process(incoming(first));
    const b = products.process(incoming(second));
    fail(new Error('subgraph down'));
    await expect(a).rejects.toThrow('subgraph down');
    await expect(b).rejects.toThrow('subgraph down');
    expect(inflight.size).toBe(0);
  });
});
