import { createEvent, inTransaction, type CatalogEvent } from '@novamart/events';
import { parse } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { type SubgraphModule } from '../src/index';
import { eventually, startSubgraphForTests, type TestSubgraph } from '../src/testing/index';
import { product } from './helpers';

const typeDefs = parse('type Query { ok: Boolean }');

/**
 * A module that declares one consumer of `product.created` and publishes `product.updated` from a
 * transaction of its own: the kit, not the module, subscribes the one and relays the other.
 */
function eventfulModule(seen: CatalogEvent<'product.created'>[]): SubgraphModule {
  return {
    name: 'eventful',
    port: 0,
    async create(runtime) {
      return {
        typeDefs,
        resolvers: { Query: { ok: () => true } },
        consumers: [
          {
            group: 'eventful',
            handlers: {
              'product.created': async (event, { session }) => {
                seen.push(event);
                await runtime.mongo.collection('seen').insertOne({ _id: event.id as never }, { session });
              },
            },
          },
        ],
        publishes: ['product.updated'],
      };
    },
  };
}

let subgraph: TestSubgraph | undefined;
afterEach(async () => {
  await subgraph?.stop();
  subgraph = undefined;
});

describe('createSubgraphInstance: events wired from what a module declares', () => {
  it('subscribes the declared consumer, once per event, with the transaction', async () => {
    const seen: CatalogEvent<'product.created'>[] = [];
    subgraph = await startSubgraphForTests(eventfulModule(seen));
    const event = createEvent('product.created', 'p1', { ...product, initialStock: 3 });
    await subgraph.bus.publish([event, event]);
    await eventually(async () => (await subgraph!.bus.backlog()) === 0, 'the bus backlog to drain');
    expect(seen.map((e) => e.id)).toEqual([event.id]);
    expect(await subgraph.conn.collection('seen').countDocuments()).toBe(1);
  });

  it('runs the outbox relay of a module that publishes', async () => {
    subgraph = await startSubgraphForTests(eventfulModule([]));
    const relayed: string[] = [];
    subgraph.bus.subscribe({
      group: 'observer',
      types: ['product.updated'],
      handler: async (event) => {
        relayed.push(event.aggregateId);
      },
    });
    await inTransaction(subgraph.conn, async (_session, outbox) => {
      outbox.add(createEvent('product.updated', 'p1', product));
    });
    await eventually(() => relayed.length === 1, 'the event to be relayed');
    expect(relayed).toEqual(['p1']);
  });
});
