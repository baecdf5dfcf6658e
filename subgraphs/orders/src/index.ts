import { defaultShippingRule, defineSubgraph } from '@novamart/kit';
import { ordersConfigShape } from './config';
import { ordersConsumers } from './events/handlers';
import { resolvers } from './resolvers';
import { mountCarrierWebhook } from './webhooks/carrier-webhook';
import { createOrdersServices } from './services';
import { ORDERS_COLLECTION } from './models/order';

/** What orders publishes, carried by the order document (services/order-events.ts). */
const ORDERS_PUBLISHES = [
  'order.placed',
  'order.status_changed',
  'order.paid',
  'order.cancelled',
  'order.shipped',
  'order.delivered',
  'shipment.created',
  'return.requested',
  'return.approved',
  'return.rejected',
  'return.received',
] as const;

/**
 * Orders: checkout from the orders subgraph's projections of carts and prices, the order status
 * machine driven by the checkout saga's events, and live status updates.
 */
export const ordersSubgraph = defineSubgraph({
  name: 'orders',
  port: 4005,
  configShape: ordersConfigShape,
  schema: new URL('./schema.graphql', import.meta.url),
  resolvers,
  async create(runtime) {
    const { mongo, live, config, logger } = runtime;
    const services = await createOrdersServices({
      conn: mongo,
      logger,
      shipping: defaultShippingRule(config),
      peers: {
        cartUrl: config.CART_URL,
        productsUrl: config.PRODUCTS_URL,
        promotionsUrl: config.PROMOTIONS_URL,
        shippingUrl: config.SHIPPING_URL,
        inventoryUrl: config.INVENTORY_URL,
        paymentsUrl: config.PAYMENTS_URL,
      },
      maxOrderTotal: config.MAX_ORDER_TOTAL,
      returnWindowDays: config.RETURN_WINDOW_DAYS,
    });

    return {
      context: () => ({
        checkout: services.checkout,
        lifecycle: services.lifecycle,
        fulfilment: services.fulfilment,
        queries: services.queries,
      }),
      consumers: ordersConsumers(services, live, services.queries),
      publishes: ORDERS_PUBLISHES,
      documentEvents: [ORDERS_COLLECTION],
      routes: (app) =>
        mountCarrierWebhook(app, {
          secret: config.CARRIER_WEBHOOK_SECRET,
          fulfilment: services.fulfilment,
          logger,
        }),
    };
  },
});

export { ordersConfigShape, type OrdersConfig } from './config';
export { createOrdersServices, type OrdersServices } from './services';
export { CARRIER_SIGNATURE_HEADER, signCarrierPayload } from './webhooks/carrier-webhook';
export { ORDERS_GROUP, ordersConsumer, ordersConsumers, ordersProjectionConsumer } from './events/handlers';
export {
  LIVE_GROUP,
  orderChannel,
  userOrdersChannel,
  liveUpdatesConsumer,
  type OrderLiveMessage,
} from './events/live-updates';
