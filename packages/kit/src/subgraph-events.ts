import { OutboxRelay, subscribeConsumers } from '@novamart/events';
import type { SubgraphInstance, SubgraphModule, SubgraphRuntime } from './subgraph-types';

/**
 * Builds a module's instance and wires its events, the one way every subgraph does: the
 * consumers it declares are subscribed on the runtime's bus (payload validation, idempotency and
 * the transaction come from `subscribeConsumers`), and a subgraph that declares what it
 * `publishes` gets its outbox relay, started before the instance's own workers and stopped after
 * them (its unfinished entries count as the instance's `pendingWork`). No subgraph wires the bus
 * by hand.
 */
export async function createSubgraphInstance(
  module: SubgraphModule<any>,
  runtime: SubgraphRuntime<any>,
): Promise<SubgraphInstance<any>> {
  const instance = await module.create(runtime);
  subscribeConsumers(runtime.bus, runtime.mongo, instance.consumers ?? []);
  if (!instance.publishes || instance.publishes.length === 0) return instance;

  const relay = new OutboxRelay(runtime.mongo, runtime.bus, {
    logger: runtime.logger,
    metrics: runtime.metrics,
  });
  const { start, stop, pendingWork } = instance;
  return {
    ...instance,
    pendingWork() {
      // Asked by tests waiting for quiet: the marks need not wait for company then.
      relay.markNow();
      return (pendingWork?.call(instance) ?? 0) + relay.pending();
    },
    async start() {
      await relay.start();
      await start?.call(instance);
    },
    async stop() {
      try {
        await stop?.call(instance);
      } finally {
        await relay.stop();
      }
    },
  };
}
