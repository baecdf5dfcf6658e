import { OutboxRelay, subscribeConsumers } from '@novamart/events';
import type { SubgraphInstance, SubgraphModule, SubgraphRuntime } from './subgraph-types';

/**
 * Builds a module's instance and wires its events, the one way every subgraph does: the
 * consumers it declares are subscribed on the runtime's bus (payload validation, idempotency and
 * the transaction come from `subscribeConsumers`), and a subgraph that declares what it
 * `publishes` gets its outbox relay, and one relay per collection in `documentEvents`, started
 * before the instance's own workers and stopped after them (their unfinished entries count as the
 * instance's `pendingWork`). No subgraph wires the bus by hand.
 */
export async function createSubgraphInstance(
  module: SubgraphModule<any>,
  runtime: SubgraphRuntime<any>,
): Promise<SubgraphInstance<any>> {
  const instance = await module.create(runtime);
  subscribeConsumers(runtime.bus, runtime.mongo, instance.consumers ?? []);
  if (!instance.publishes || instance.publishes.length === 0) return instance;

  const relayOptions = { logger: runtime.logger, metrics: runtime.metrics };
  const relays = [
    new OutboxRelay(runtime.mongo, runtime.bus, relayOptions),
    ...(instance.documentEvents ?? []).map(
      (documents) => new OutboxRelay(runtime.mongo, runtime.bus, { ...relayOptions, documents }),
    ),
  ];
  const { start, stop, pendingWork } = instance;
  return {
    ...instance,
    pendingWork() {
      let pending = pendingWork?.call(instance) ?? 0;
      for (const relay of relays) {
        // Asked by tests waiting for quiet: the marks need not wait for company then.
        relay.markNow();
        pending += relay.pending();
      }
      return pending;
    },
    async start() {
      for (const relay of relays) await relay.start();
      await start?.call(instance);
    },
    async stop() {
      try {
        await stop?.call(instance);
      } finally {
        for (const relay of relays) await relay.stop();
      }
    },
  };
}
