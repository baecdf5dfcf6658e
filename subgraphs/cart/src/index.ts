import { createSubgraphClient, defaultShippingRule, defineSubgraph } from '@novamart/kit';
import { cartConfigShape } from './config';
import { resolvers } from './resolvers';
import { cartConsumers } from './events/handlers';
import { createCartServices } from './services';
import { CartShippingQuotes } from './services/shipping-quote';
import { CARTS_COLLECTION } from './models/cart';

/**
 * Shopping carts: guest carts by unguessable id, one cart per customer, priced from the cart's
 * own projection of catalog and stock events.
 */
export const cartSubgraph = defineSubgraph({
  name: 'cart',
  port: 4004,
  configShape: cartConfigShape,
  schema: new URL('./schema.graphql', import.meta.url),
  resolvers,
  async create(runtime) {
    const { mongo, config } = runtime;
    const services = await createCartServices({
      conn: mongo,
      guestCartTtlMs: config.GUEST_CART_TTL_DAYS * 24 * 3600_000,
      peers:
        config.PRODUCTS_URL && config.INVENTORY_URL
          ? {
              products: createSubgraphClient('products', config.PRODUCTS_URL),
              inventory: createSubgraphClient('inventory', config.INVENTORY_URL),
            }
          : null,
      maxOrderTotal: config.MAX_ORDER_TOTAL,
      promotions: config.PROMOTIONS_URL ? createSubgraphClient('promotions', config.PROMOTIONS_URL) : null,
      defaultCurrency: config.CART_DEFAULT_CURRENCY,
    });

    const shippingQuotes = new CartShippingQuotes(
      config.SHIPPING_URL ? createSubgraphClient('shipping', config.SHIPPING_URL) : null,
      defaultShippingRule(config),
    );

    return {
      context: () => ({ ...services, defaultCurrency: config.CART_DEFAULT_CURRENCY, shippingQuotes }),
      consumers: cartConsumers(services),
      publishes: ['cart.updated', 'cart.deleted', 'cart.item_added'],
      documentEvents: [CARTS_COLLECTION],
    };
  },
});

export { cartConfigShape, type CartConfig } from './config';
export { createCartServices, type CartServices } from './services';
export { CART_GROUP, cartCatalogConsumer, cartConsumer, cartConsumers } from './events/handlers';
