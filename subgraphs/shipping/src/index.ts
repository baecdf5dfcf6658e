import { defineSubgraph } from '@novamart/kit';
import { shippingConfigShape } from './config';
import { resolvers } from './resolvers';
import { createShippingServices } from './services';

/**
 * Shipping: zones (countries, optionally regions), the shipping methods and tax rates that apply
 * in them, and whether prices include tax per currency. The cart and orders ask it for the
 * shipping options and tax of their lines (`shippingQuote`); it reads no other database and
 * publishes no events.
 */
export const shippingSubgraph = defineSubgraph({
  name: 'shipping',
  port: 4010,
  configShape: shippingConfigShape,
  schema: new URL('./schema.graphql', import.meta.url),
  resolvers,
  async create(runtime) {
    const services = await createShippingServices({
      conn: runtime.mongo,
      taxProvider: runtime.config.TAX_PROVIDER,
    });
    return {
      context: () => ({ shipping: services }),
    };
  },
});

export { shippingConfigShape, type ShippingConfig } from './config';
export { createShippingServices, createTaxProvider, type ShippingServices } from './services';
export { divideHalfEven, lineTax, percentToBasisPoints } from './services/tax-math';
export { validateWeightBands, bandPrice, type WeightBand } from './services/weight-bands';
export type { TaxProvider, TaxRequest, TaxableLine, LineTax } from './providers/tax-provider';
