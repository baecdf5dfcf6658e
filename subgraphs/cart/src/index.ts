import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { OutboxRelay } from '@novamart/events';
import { createSubgraphClient, type SubgraphInstance, type SubgraphModule } from '@novamart/kit';
import { cartConfigShape, type CartConfig } from './config';
import { resolvers, type CartContext } from './resolvers';
import { createCartServices, subscribeCartConsumers } from './services';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/**
 * Shopping carts: guest carts by unguessable id, one cart per customer, priced from the cart's
 * own projection of catalog and stock events.
 */
export const cartSubgraph: SubgraphModule<CartConfig> = {
  name: 'cart',
  port: 4004,
  configShape: cartConfigShape,

  async create(runtime): Promise<SubgraphInstance<CartContext>> {
    const { mongo, bus, config, logger, metrics } = runtime;
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
    });
    subscribeCartConsumers(bus, mongo, services);
    const relay = new OutboxRelay(mongo, bus, { logger, metrics });

    return {
      typeDefs,
      resolvers,
      context: () => ({ ...services, defaultCurrency: config.CART_DEFAULT_CURRENCY }),
      start: () => relay.start(),
      stop: () => relay.stop(),
    };
  },
};

export { cartConfigShape, cartConfigVariables, type CartConfig } from './config';
export { CART_GROUP, createCartServices, subscribeCartConsumers, type CartServices } from './services';
export type { CartUpdatedPayload, CartDeletedPayload, CartItemAddedPayload } from './services/cart-events';
