import { requireAdmin, type ResolverMap, type SubgraphContext } from '@novamart/kit';
import { type ShippingMethodDoc } from './models/shipping-method';
import { type TaxClass, type TaxRateDoc } from './models/tax';
import { type ZoneDoc } from './models/zone';
import { type ShippingMethodInput, type TaxRateInput, type ZoneInput } from './services/admin-service';
import { type ShippingServices } from './services';
import { type PricedMethod, type Quote, type QuoteInput, type TaxLineOut } from './services/quote-service';
import { basisPointsToPercent } from './services/tax-math';
import { type WeightBand } from './services/weight-bands';

export interface ShippingContext extends SubgraphContext {
  shipping: ShippingServices;
}

export type Resolvers = ResolverMap<ShippingContext>;

const money = (amount: number, currency: string) => ({ amount, currency });

/** Every zone's methods (or tax rates) of one request in one `$in` find. */
function byZoneLoader<T extends { zoneCode: string }>(
  ctx: ShippingContext,
  name: string,
  find: (codes: readonly string[]) => Promise<T[]>,
) {
  return ctx.loaders.get<string, T[]>(name, async (codes) => {
    const rows = await find(codes);
    return codes.map((code) => rows.filter((row) => row.zoneCode === code));
  });
}

const methodsOf = (zone: ZoneDoc, ctx: ShippingContext) =>
  byZoneLoader<ShippingMethodDoc>(ctx, 'shipping.methodsByZone', (codes) =>
    ctx.shipping.methods
      .find({ zoneCode: { $in: codes } })
      .sort({ code: 1 })
      .lean()
      .exec(),
  ).load(zone._id);

const ratesOf = (zone: ZoneDoc, ctx: ShippingContext) =>
  byZoneLoader<TaxRateDoc>(ctx, 'shipping.ratesByZone', (codes) =>
    ctx.shipping.rates
      .find({ zoneCode: { $in: codes } })
      .sort({ taxClass: 1 })
      .lean()
      .exec(),
  ).load(zone._id);

/** A quote's method as the API's ShippingOption. */
export function shippingOption(priced: PricedMethod, currency: string) {
  const { method } = priced;
  return {
    code: method.code,
    name: method.name,
    carrier: method.carrier,
    type: method.type,
    price: money(priced.amount, currency),
  };
}

const taxLine = (line: TaxLineOut, currency: string) => ({
  name: line.name,
  rate: basisPointsToPercent(line.rateBasisPoints),
  amount: money(line.amount, currency),
});

export const resolvers: Resolvers = {
  Query: {
    shippingZones: (_: unknown, __: unknown, ctx: ShippingContext) =>
      ctx.shipping.zones.find().sort({ _id: 1 }).lean().exec(),
    shippingCountries: (_: unknown, __: unknown, ctx: ShippingContext) => ctx.shipping.countries.list(),
    taxSettings: (_: unknown, __: unknown, ctx: ShippingContext) =>
      ctx.shipping.settings.find().sort({ _id: 1 }).lean().exec(),
    shippingQuote: (_: unknown, args: { input: QuoteInput }, ctx: ShippingContext) =>
      ctx.shipping.quotes.quote(args.input),
  },
  Mutation: {
    saveShippingZone: (_: unknown, args: { input: ZoneInput }, ctx: ShippingContext) => {
      requireAdmin(ctx);
      return ctx.shipping.admin.saveZone(args.input);
    },
    deleteShippingZone: (_: unknown, args: { code: string }, ctx: ShippingContext) => {
      requireAdmin(ctx);
      return ctx.shipping.admin.deleteZone(args.code);
    },
    saveShippingMethod: (_: unknown, args: { input: ShippingMethodInput }, ctx: ShippingContext) => {
      requireAdmin(ctx);
      return ctx.shipping.admin.saveShippingMethod(args.input);
    },
    deleteShippingMethod: (_: unknown, args: { zoneCode: string; code: string }, ctx: ShippingContext) => {
      requireAdmin(ctx);
      return ctx.shipping.admin.deleteShippingMethod(args.zoneCode, args.code);
    },
    saveTaxRate: (_: unknown, args: { input: TaxRateInput }, ctx: ShippingContext) => {
      requireAdmin(ctx);
      return ctx.shipping.admin.saveTaxRate(args.input);
    },
    deleteTaxRate: (_: unknown, args: { zoneCode: string; taxClass: TaxClass }, ctx: ShippingContext) => {
      requireAdmin(ctx);
      return ctx.shipping.admin.deleteTaxRate(args.zoneCode, args.taxClass);
    },
    setTaxSetting: (
      _: unknown,
      args: { currency: string; pricesIncludeTax: boolean },
      ctx: ShippingContext,
    ) => {
      requireAdmin(ctx);
      return ctx.shipping.admin.setTaxSetting(args.currency, args.pricesIncludeTax);
    },
    removeTaxSetting: (_: unknown, args: { currency: string }, ctx: ShippingContext) => {
      requireAdmin(ctx);
      return ctx.shipping.admin.removeTaxSetting(args.currency);
    },
  },
  ShippingZone: {
    code: (zone: ZoneDoc) => zone._id,
    countries: (zone: ZoneDoc) => zone.members,
    methods: (zone: ZoneDoc, _: unknown, ctx: ShippingContext) => methodsOf(zone, ctx),
    taxRates: (zone: ZoneDoc, _: unknown, ctx: ShippingContext) => ratesOf(zone, ctx),
  },
  ShippingMethod: {
    id: (method: ShippingMethodDoc) => String(method._id),
    flatAmount: (method: ShippingMethodDoc) =>
      method.flatAmount === null ? null : money(method.flatAmount, method.currency),
    freeOverThreshold: (method: ShippingMethodDoc) =>
      method.freeOverThreshold === null ? null : money(method.freeOverThreshold, method.currency),
    weightBands: (method: ShippingMethodDoc) =>
      method.weightBands.map((band: WeightBand) => ({ ...band, price: money(band.amount, method.currency) })),
  },
  TaxRate: {
    id: (rate: TaxRateDoc) => String(rate._id),
    rate: (rate: TaxRateDoc) => basisPointsToPercent(rate.rateBasisPoints),
  },
  TaxSetting: {
    currency: (setting: { _id: string }) => setting._id,
  },
  ShippingQuote: {
    options: (quote: Quote) => quote.options.map((option) => shippingOption(option, quote.currency)),
    method: (quote: Quote) => (quote.method ? shippingOption(quote.method, quote.currency) : null),
    shippingCost: (quote: Quote) => money(quote.shippingAmount, quote.currency),
    shippingDiscount: (quote: Quote) => money(quote.shippingDiscount, quote.currency),
    taxLines: (quote: Quote) => quote.taxLines.map((line) => taxLine(line, quote.currency)),
    taxTotal: (quote: Quote) => money(quote.taxTotal, quote.currency),
  },
};
