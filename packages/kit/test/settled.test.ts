import { setTimeout as sleep } from 'node:timers/promises';
import { createEvent, inTransaction, subscribeConsumers, type ConsumerDeclaration } from '@novamart/events';
import { parse } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { type SubgraphModule } from '../src/index';
import {
  settle,
  startServiceHarness,
  startSubgraphForTests,
  type ServiceHarness,
  type TestSubgraph,
} from '../src/testing/index';
import { product } from './helpers';

/** A slow consumer of `product.created` that announces `product.updated` for it: work that makes more work. */
const slowUpdater: ConsumerDeclaration = {
  group: 'updater',
  handlers: {
    'product.created': async (event, { outbox }) => {
      await sleep(150);
      outbox.add(createEvent('product.updated', event.aggregateId, product));
    },
  },
};

/**
 * The slow updater, and a mutation that answers first and then, in the background, announces a
 * `product.updated` of its own, as the simulated payment provider announces its events: reported
 * through `pendingWork`. `stuck` makes that work never end.
 */
function busyModule(options: { stuck?: boolean } = {}): SubgraphModule {
  let inFlight = options.stuck ? 1 : 0;
  return {
    name: 'busy',
    port: 0,
    async create(runtime) {
      const later = async () => {
        await sleep(150);
        await inTransaction(runtime.mongo, async (_session, outbox) => {
          outbox.add(createEvent('product.updated', 'later', product));
        });
      };
      return {
        typeDefs: parse('type Query { ok: Boolean } type Mutation { later: Boolean }'),
        resolvers: {
          Query: { ok: () => true },
          Mutation: {
            later: () => {
              inFlight++;
              void later().finally(() => inFlight--);
              return true;
            },
          },
        },
        consumers: [slowUpdater],
        publishes: ['product.updated'],
        pendingWork: () => inFlight,
      };
    },
  };
}

/** Records the aggregates of the `product.updated` events delivered on the bus, slowly. */
function observeUpdates(bus: TestSubgraph['bus']): string[] {
  const seen: string[] = [];
  bus.subscribe({
    group: 'observer',
    types: ['product.updated'],
    handler: async (event) => {
      await sleep(50);
      seen.push(event.aggregateId);
    },
  });
  return seen;
}

let subgraph: TestSubgraph | undefined;
let harness: ServiceHarness<object> | undefined;
afterEach(async () => {
  await subgraph?.stop();
  await harness?.close();
  subgraph = harness = undefined;
});

describe('TestSubgraph.settled', () => {
  it('returns once an event is handled, what its handler committed relayed, and that delivered in turn', async () => {
    subgraph = await startSubgraphForTests(busyModule());
    const updates = observeUpdates(subgraph.bus);
    await subgraph.publish('product.created', 'p1', { ...product, initialStock: 1 });
    await subgraph.settled();
    expect(updates).toEqual(['p1']);
  });

  it('waits for the work the subgraph started after answering (its pendingWork)', async () => {
    subgraph = await startSubgraphForTests(busyModule());
    const updates = observeUpdates(subgraph.bus);
    expect((await subgraph.graphql('mutation { later }')).data).toEqual({ later: true });
    await subgraph.settled();
    expect(updates).toEqual(['later']);
  });

  it('fails loudly, naming what is still busy, when the work does not end', async () => {
    subgraph = await startSubgraphForTests(busyModule({ stuck: true }));
    await expect(subgraph.settled(300)).rejects.toThrow(
      "busy's work not settled after 300 ms; still busy: subgraph work in flight: 1",
    );
  });
});

describe('ServiceHarness.settled', () => {
  it('waits out a handler that fails and is retried, and the event it then commits', async () => {
    let attempts = 0;
    harness = await startServiceHarness({
      name: 'settling',
      services: () => ({}),
      consumers: (bus, conn) =>
        subscribeConsumers(bus, conn, [
          {
            ...slowUpdater,
            handlers: {
              'product.created': async (event, tx) => {
                if (++attempts === 1) throw new Error('first attempt fails');
                await slowUpdater.handlers['product.created']!(event, tx);
              },
            },
          },
        ]),
      observe: ['product.updated'],
    });
    await harness.bus.publish(createEvent('product.created', 'p1', { ...product, initialStock: 1 }));
    await harness.settled();
    expect(attempts).toBe(2);
    expect(harness.published.map((event) => event.aggregateId)).toEqual(['p1']);
  });
});

describe('settle', () => {
  it('needs every source quiet on two rounds in a row: work handed over between two reads is not missed', async () => {
    // Quiet when first read, busy on the next round (work handed to it in between), then done.
    const script = [0, 2, 0, 0];
    let reads = 0;
    await settle({ handedOver: () => script[reads++] ?? 0 });
    expect(reads).toBe(4);
  });
});
