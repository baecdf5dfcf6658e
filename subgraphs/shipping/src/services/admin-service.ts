import { runTransaction } from '@novamart/events';
import type { ClientSession } from 'mongoose';
import { badUserInput, DEFAULT_MAX_ORDER_TOTAL, isCountryCode, notFound } from '@novamart/kit';
import {
  SHIPPING_METHOD_TYPES,
  SHIPPING_PRICINGS,
  type ShippingMethodDoc,
  type ShippingMethodModel,
  type ShippingMethodType,
  type ShippingPricing,
} from '../models/shipping-method';
import {
  TAX_CLASSES,
  type TaxClass,
  type TaxRateDoc,
  type TaxRateModel,
  type TaxSettingDoc,
  type TaxSettingModel,
} from '../models/tax';
import { type ZoneDoc, type ZoneMember, type ZoneModel } from '../models/zone';
import { percentToBasisPoints } from './tax-math';
import { validateWeightBands, type WeightBand } from './weight-bands';

export interface ZoneInput {
  code: string;
  name: string;
  countries: { country: string; regions?: string[] | null }[];
}

export interface ShippingMethodInput {
  zoneCode: string;
  code: string;
  name: string;
  carrier?: string | null;
  type: ShippingMethodType;
  currency: string;
  pricing: ShippingPricing;
  flatAmount?: number | null;
  weightBands?: WeightBand[] | null;
  freeOverThreshold?: number | null;
  active?: boolean | null;
}

export interface TaxRateInput {
  zoneCode: string;
  taxClass: TaxClass;
  name: string;
  ratePercent: number;
}

const CODE = /^[A-Z0-9][A-Z0-9_-]{0,39}$/;

function code(value: unknown, field: string): string {
  const text = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!CODE.test(text))
    throw badUserInput('must be 1 to 40 letters, digits, "_" or "-", starting with a letter or digit', field);
  return text;
}

function text(value: unknown, field: string, max = 120): string {
  const result = typeof value === 'string' ? value.trim() : '';
  if (result === '' || result.length > max) throw badUserInput(`must be 1 to ${max} characters`, field);
  return result;
}

function currencyCode(value: unknown, field: string): string {
  const result = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!/^[A-Z]{3}$/.test(result)) throw badUserInput('must be an ISO 4217 code such as EUR', field);
  return result;
}

function amount(value: number | null | undefined, field: string): number {
  if (value == null || !Number.isSafeInteger(value) || value < 0 || value > DEFAULT_MAX_ORDER_TOTAL)
    throw badUserInput(`must be minor units from 0 to ${DEFAULT_MAX_ORDER_TOTAL}`, field);
  return value;
}

function members(countries: ZoneInput['countries']): ZoneMember[] {
  if (!Array.isArray(countries) || countries.length === 0)
    throw badUserInput('a zone needs at least one country', 'input.countries');
  const seen = new Set<string>();
  return countries.map((entry, i) => {
    const country = String(entry?.country ?? '')
      .trim()
      .toUpperCase();
    if (!isCountryCode(country))
      throw badUserInput('must be an ISO 3166-1 alpha-2 code such as DE', `input.countries[${i}].country`);
    if (seen.has(country)) throw badUserInput(`${country} is listed twice`, `input.countries[${i}].country`);
    seen.add(country);
    const regions = (entry.regions ?? []).map((region, j) =>
      code(region, `input.countries[${i}].regions[${j}]`),
    );
    return { country, regions: [...new Set(regions)] };
  });
}

/** The price fields a pricing needs, validated; the others cleared. */
function pricingFields(
  input: ShippingMethodInput,
): Pick<ShippingMethodDoc, 'pricing' | 'flatAmount' | 'weightBands' | 'freeOverThreshold'> {
  const pricing = input.pricing;
  if (!SHIPPING_PRICINGS.includes(pricing)) throw badUserInput('unknown pricing', 'input.pricing');
  if (pricing === 'WEIGHT_BANDS') {
    const bands = validateWeightBands(input.weightBands ?? [], 'input.weightBands');
    return { pricing, flatAmount: null, weightBands: bands, freeOverThreshold: null };
  }
  const flatAmount = amount(input.flatAmount, 'input.flatAmount');
  if (pricing === 'FLAT') return { pricing, flatAmount, weightBands: [], freeOverThreshold: null };
  const threshold = amount(input.freeOverThreshold, 'input.freeOverThreshold');
  return { pricing, flatAmount, weightBands: [], freeOverThreshold: threshold };
}

/** The administrators' writes: zones, their shipping methods and tax rates, and tax settings. */
export class ShippingAdminService {
  constructor(
    private readonly zones: ZoneModel,
    private readonly methods: ShippingMethodModel,
    private readonly rates: TaxRateModel,
    private readonly settings: TaxSettingModel,
  ) {}

  /** Creates the zone or replaces its name and countries. */
  async saveZone(input: ZoneInput): Promise<ZoneDoc> {
    const zoneCode = code(input.code, 'input.code');
    const update = { name: text(input.name, 'input.name'), members: members(input.countries) };
    return (await this.zones
      .findOneAndUpdate(
        { _id: zoneCode },
        { $set: update },
        { upsert: true, returnDocument: 'after', runValidators: true },
      )
      .lean()) as ZoneDoc;
  }

  /** Creates the method (zone and code) or replaces it. */
  async saveShippingMethod(input: ShippingMethodInput): Promise<ShippingMethodDoc> {
    const methodCode = code(input.code, 'input.code');
    if (!SHIPPING_METHOD_TYPES.includes(input.type)) throw badUserInput('unknown method type', 'input.type');
    const carrier =
      input.carrier == null || input.carrier.trim() === '' ? null : text(input.carrier, 'input.carrier');
    const update = {
      name: text(input.name, 'input.name'),
      carrier,
      type: input.type,
      currency: currencyCode(input.currency, 'input.currency'),
      ...pricingFields(input),
      active: input.active ?? true,
    };
    return this.inZone(input.zoneCode, async (zoneCode, session) => {
      return (await this.methods
        .findOneAndUpdate(
          { zoneCode, code: methodCode },
          { $set: update },
          { upsert: true, returnDocument: 'after', session },
        )
        .lean()) as ShippingMethodDoc;
    });
  }

  /** Removes a method; NOT_FOUND when there is none. */
  async deleteShippingMethod(zoneCode: string, methodCode: string): Promise<boolean> {
    const deleted = await this.methods.deleteOne({
      zoneCode: code(zoneCode, 'zoneCode'),
      code: code(methodCode, 'code'),
    });
    if (deleted.deletedCount !== 1) throw notFound('Shipping method', { zoneCode, code: methodCode });
    return true;
  }

  /**
   * Removes the zone with its methods and its tax rates; NOT_FOUND when there is none. One
   * transaction (`runTransaction`, retried whole on transient errors), not an order of writes: the
   * three collections change together or not at all, so neither an error nor a crash between the
   * deletes leaves a zone without its methods, or methods and rates that a zone saved later under
   * the same code would take over. The zone goes first, so an unknown code aborts before anything
   * else is touched, and a save of one of its methods or rates at the same moment conflicts with
   * it on the zone's document (`inZone`).
   */
  async deleteZone(value: string): Promise<boolean> {
    const zoneCode = code(value, 'code');
    return runTransaction(this.zones.db, async (session) => {
      const deleted = await this.zones.deleteOne({ _id: zoneCode }, { session });
      if (deleted.deletedCount !== 1) throw notFound('Shipping zone', { code: zoneCode });
      await this.methods.deleteMany({ zoneCode }, { session });
      await this.rates.deleteMany({ zoneCode }, { session });
      return true;
    });
  }

  /** Sets the rate of one tax class in one zone. */
  async saveTaxRate(input: TaxRateInput): Promise<TaxRateDoc> {
    if (!TAX_CLASSES.includes(input.taxClass)) throw badUserInput('unknown tax class', 'input.taxClass');
    const rateBasisPoints = percentToBasisPoints(input.ratePercent);
    if (rateBasisPoints === null)
      throw badUserInput(
        'ratePercent must be 0 to 100 with at most two decimals (7.25)',
        'input.ratePercent',
      );
    const name = text(input.name, 'input.name');
    return this.inZone(input.zoneCode, async (zoneCode, session) => {
      return (await this.rates
        .findOneAndUpdate(
          { zoneCode, taxClass: input.taxClass },
          { $set: { name, rateBasisPoints } },
          { upsert: true, returnDocument: 'after', session },
        )
        .lean()) as TaxRateDoc;
    });
  }

  /** Whether catalog prices in `currency` include tax. */
  async setTaxSetting(currency: string, pricesIncludeTax: boolean): Promise<TaxSettingDoc> {
    const id = currencyCode(currency, 'currency');
    if (typeof pricesIncludeTax !== 'boolean')
      throw badUserInput('must be true or false', 'pricesIncludeTax');
    return (await this.settings
      .findOneAndUpdate(
        { _id: id },
        { $set: { pricesIncludeTax } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean()) as TaxSettingDoc;
  }

  /** Removes the rate of one tax class in one zone; NOT_FOUND when there is none. */
  async deleteTaxRate(value: string, taxClass: TaxClass): Promise<boolean> {
    const zoneCode = code(value, 'zoneCode');
    if (!TAX_CLASSES.includes(taxClass)) throw badUserInput('unknown tax class', 'taxClass');
    const deleted = await this.rates.deleteOne({ zoneCode, taxClass });
    if (deleted.deletedCount !== 1) throw notFound('Tax rate', { zoneCode, taxClass });
    return true;
  }

  /** The currency's prices exclude tax again, as for any currency without a setting; NOT_FOUND when it has none. */
  async removeTaxSetting(currency: string): Promise<boolean> {
    const id = currencyCode(currency, 'currency');
    const deleted = await this.settings.deleteOne({ _id: id });
    if (deleted.deletedCount !== 1) throw notFound('Tax setting', { currency: id });
    return true;
  }

  /**
   * Writes a method or a rate of the zone in a transaction that first bumps the zone's `revision`.
   * A save and the zone's delete then write the same document, so they conflict and one of them
   * runs again after the other commits (`runTransaction`): a save that checked the zone just
   * before its delete can no longer leave a method or rate whose zone is gone. BAD_USER_INPUT when
   * there is no such zone.
   */
  private async inZone<T>(value: string, write: (zoneCode: string, session: ClientSession) => Promise<T>) {
    const zoneCode = code(value, 'input.zoneCode');
    return runTransaction(this.zones.db, async (session) => {
      const claimed = await this.zones.updateOne({ _id: zoneCode }, { $inc: { revision: 1 } }, { session });
      if (claimed.matchedCount !== 1)
        throw badUserInput(`There is no zone ${zoneCode}; create it first`, 'input.zoneCode');
      return write(zoneCode, session);
    });
  }
}
