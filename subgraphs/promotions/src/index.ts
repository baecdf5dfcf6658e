import { createSubgraphClient, defineSubgraph } from '@novamart/kit';
import { promotionsConfigShape } from './config';
import { promotionsConsumer } from './events/handlers';
import { resolvers } from './resolvers';
import { createPromotionsServices } from './services';

/**
 * Promotions: automatic promotions and discount codes, quoted for carts and redeemed once per
 * order at checkout (uses counted in total and per customer), released when the order is not placed
 * or is cancelled before payment.
 */
export const promotionsSubgraph = defineSubgraph({
  name: 'promotions',
  port: 4009,
  configShape: promotionsConfigShape,
  schema: new URL('./schema.graphql', import.meta.url),
  resolvers,
  async create(runtime) {
    const { mongo, config, logger } = runtime;
    const services = await createPromotionsServices({
      conn: mongo,
      categories: config.PRODUCTS_URL ? createSubgraphClient('products', config.PRODUCTS_URL) : null,
      logger,
    });
    return {
      context: () => ({ admin: services.admin, discounts: services.discounts, codes: services.codes }),
      consumers: [promotionsConsumer(services.discounts)],
      publishes: ['promotion.redeemed', 'promotion.released'],
      start: () => Promise.resolve(services.sweeper.start()),
      stop: () => services.sweeper.stop(),
    };
  },
});

export { promotionsConfigShape, type PromotionsConfig } from './config';
export { createPromotionsServices, type PromotionsServices } from './services';
export { PROMOTIONS_GROUP, promotionsConsumer } from './events/handlers';
