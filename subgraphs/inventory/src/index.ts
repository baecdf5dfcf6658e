import { readFileSync, writeSync } from 'node:fs';
import { idempotentConsumer, OutboxRelay, type DomainEvent, type EventBus } from '@novamart/events';
import type { SubgraphModule, SubgraphRuntime } from '@novamart/kit';
import { parse } from 'graphql';
import type { Connection } from 'mongoose';
import { inventoryConfigShape, type InventoryConfig } from './config';
import type { InventoryServices } from './context';
import { CONSUMER_GROUP, inventoryHandlers, stockTouchedBy } from './events/handlers';
import { resolvers } from './resolvers';
import { createInventoryServices, ensureInventoryIndexes, type InventoryServiceSet } from './services';
import { createExpirySweeper } from './services/expiry-sweeper';
import { StockLocks } from './services/stock-locks';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/**
 * Every event type inventory consumes, handled once per event id (a redelivery is reported
 * 'duplicate'), one at a time per stock item in this process (services/stock-locks.ts).
 */
export function inventoryEventConsumer(
  conn: Connection,
  services: InventoryServiceSet,
  { crashPoint }: { crashPoint?: InventoryConfig['INVENTORY_CRASH_POINT'] } = {},
) {
  const handlers = inventoryHandlers(services);
  const handle = idempotentConsumer(conn, CONSUMER_GROUP, async (event, session, outbox) => {
    await handlers[event.type]?.(event, { session, outbox });
  });
  const locks = new StockLocks();
  const consume = async (event: DomainEvent) => {
    const outcome = await locks.run(await stockTouchedBy(event, services), () => handle(event));
    if (crashPoint === 'order-placed-committed' && event.type === 'order.placed' && outcome === 'processed') {
      // Fault injection (INVENTORY_CRASH_POINT): die like a killed process, the reservation
      // committed and the event not acknowledged.
      writeSync(2, `INVENTORY_CRASH_POINT ${crashPoint}: SIGKILL\n`);
      process.kill(process.pid, 'SIGKILL');
    }
    return outcome;
  };
  return { types: Object.keys(handlers), consume };
}

/** Subscribes inventory's idempotent handlers (events/handlers.ts) on the bus. */
export function subscribeInventoryHandlers(
  bus: EventBus,
  conn: Connection,
  services: InventoryServiceSet,
  options: { crashPoint?: InventoryConfig['INVENTORY_CRASH_POINT'] } = {},
): void {
  const { types, consume } = inventoryEventConsumer(conn, services, options);
  bus.subscribe({ group: CONSUMER_GROUP, types, handler: consume });
}

export const inventorySubgraph: SubgraphModule<InventoryConfig> = {
  name: 'inventory',
  port: 4003,
  configShape: inventoryConfigShape,
  async create(runtime: SubgraphRuntime<InventoryConfig>) {
    const { mongo: conn, config, logger, bus } = runtime;
    if (config.INVENTORY_CRASH_POINT && config.NODE_ENV === 'production') {
      throw new Error('INVENTORY_CRASH_POINT is a test fault injection and is refused in production');
    }
    const services = createInventoryServices(conn, {
      reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
      defaultReorderLevel: config.DEFAULT_REORDER_LEVEL,
      logger,
    });
    await ensureInventoryIndexes(services);
    subscribeInventoryHandlers(bus, conn, services, { crashPoint: config.INVENTORY_CRASH_POINT });
    const relay = new OutboxRelay(conn, bus, { logger, metrics: runtime.metrics });
    const sweeper = createExpirySweeper(services.reservations, config.RESERVATION_SWEEP_INTERVAL_MS, logger);
    const context: InventoryServices = { stock: services.stock };
    return {
      typeDefs,
      resolvers,
      context: () => context,
      async start() {
        await relay.start();
        sweeper.start();
      },
      async stop() {
        await sweeper.stop();
        await relay.stop();
      },
    };
  },
};

export { createInventoryServices, ensureInventoryIndexes, type InventoryServiceSet } from './services';
export { inventoryConfigShape, inventoryConfigVariables, type InventoryConfig } from './config';
export { inventoryHandlers, type InventoryHandler } from './events/handlers';
export type { InventoryView } from './services/stock-service';
export type { ReservationDoc, ReservationStatus, ReservationLine } from './models/reservation';
