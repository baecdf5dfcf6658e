import { defineSubgraph } from '@novamart/kit';
import { inventoryConfigShape } from './config';
import type { InventoryServices } from './context';
import { inventoryConsumers } from './events/handlers';
import { resolvers } from './resolvers';
import { createInventoryServices, ensureInventoryIndexes } from './services';
import { ExpirySweeper } from './services/expiry-sweeper';

export const inventorySubgraph = defineSubgraph({
  name: 'inventory',
  port: 4003,
  configShape: inventoryConfigShape,
  schema: new URL('./schema.graphql', import.meta.url),
  resolvers,
  async create(runtime) {
    const { mongo: conn, config, logger } = runtime;
    if (config.INVENTORY_CRASH_POINT && config.NODE_ENV === 'production') {
      throw new Error('INVENTORY_CRASH_POINT is a test fault injection and is refused in production');
    }
    const services = createInventoryServices(conn, {
      reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
      defaultReorderLevel: config.DEFAULT_REORDER_LEVEL,
      logger,
    });
    await ensureInventoryIndexes(services);
    const sweeper = new ExpirySweeper(services.reservations, config.RESERVATION_SWEEP_INTERVAL_MS, logger);
    const context: InventoryServices = { stock: services.stock };
    return {
      context: () => context,
      consumers: inventoryConsumers(services, { crashPoint: config.INVENTORY_CRASH_POINT }),
      publishes: [
        'inventory.stock_changed',
        'inventory.low_stock',
        'inventory.reserved',
        'inventory.reservation_failed',
        'inventory.reservation_expired',
        'inventory.reservation_committed',
        'inventory.reservation_released',
      ],
      async start() {
        sweeper.start();
      },
      async stop() {
        await sweeper.stop();
      },
    };
  },
});

export { createInventoryServices, ensureInventoryIndexes, type InventoryServiceSet } from './services';
export { inventoryConfigShape, type InventoryConfig } from './config';
export { CONSUMER_GROUP, inventoryConsumers } from './events/handlers';
export type { InventoryView } from './services/stock-service';
export type { ReservationDoc, ReservationStatus, ReservationLine } from './models/reservation';
