import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { OutboxRelay } from '@novamart/events';
import { type SubgraphInstance, type SubgraphModule } from '@novamart/kit';
import { ordersConfigShape, type OrdersConfig } from './config';
import { subscribeLiveUpdates } from './events/live-updates';
import { resolvers, type OrdersContext } from './resolvers';
import { createOrdersServices, subscribeOrdersConsumers } from './services';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/**
 * Orders: checkout from the orders subgraph's projections of carts and prices, the order status
 * machine driven by the checkout saga's events, and live status updates.
 */
export const ordersSubgraph: SubgraphModule<OrdersConfig> = {
  name: 'orders',
  port: 4005,
  configShape: ordersConfigShape,

  async create(runtime): Promise<SubgraphInstance<OrdersContext>> {
    const { mongo, bus, live, config, logger, metrics } = runtime;
    const services = await createOrdersServices({
      conn: mongo,
      logger,
      shipping: { flatRate: config.SHIPPING_FLAT_RATE, freeThreshold: config.FREE_SHIPPING_THRESHOLD },
      peers: { cartUrl: config.CART_URL, productsUrl: config.PRODUCTS_URL },
      maxOrderTotal: config.MAX_ORDER_TOTAL,
    });
    subscribeOrdersConsumers(bus, mongo, services);
    subscribeLiveUpdates(bus, live);
    const relay = new OutboxRelay(mongo, bus, { logger, metrics });

    return {
      typeDefs,
      resolvers,
      context: () => ({
        checkout: services.checkout,
        lifecycle: services.lifecycle,
        queries: services.queries,
      }),
      start: () => relay.start(),
      stop: () => relay.stop(),
    };
  },
};

export { ordersConfigShape, ordersConfigVariables, type OrdersConfig } from './config';
export {
  ORDERS_GROUP,
  createOrdersServices,
  subscribeOrdersConsumers,
  type OrdersServices,
} from './services';
export {
  LIVE_GROUP,
  orderChannel,
  userOrdersChannel,
  subscribeLiveUpdates,
  type OrderLiveMessage,
} from './events/live-updates';
export type {
  OrderPlacedPayload,
  OrderStatusChangedPayload,
  OrderCancelledPayload,
  CancellationCode,
} from './services/order-events';
