import { badUserInput, isCountryCode } from '@novamart/kit';
import { type ShippingMethodDoc, type ShippingMethodModel } from '../models/shipping-method';
import { TAX_CLASSES, type TaxClass, type TaxSettingModel } from '../models/tax';
import { type ZoneModel } from '../models/zone';
import { type LineTax, type TaxableLine, type TaxProvider } from '../providers/tax-provider';
import { bandPrice } from './weight-bands';
import { zonesFor, type Destination } from './zones';

/** A line as the cart or orders sends it: its amount, the discount on it and what tax and shipping need. */
export interface QuoteLineInput {
  key: string;
  /** The line's amount (unit price × quantity), minor units. */
  amount: number;
  /** Discounts on the line (promotions), minor units; tax is on `amount - discount`. Default 0. */
  discount?: number | null;
  taxClass?: TaxClass | null;
  /** The line's weight (unit weight × quantity). Default 0. */
  weightGrams?: number | null;
}

export interface QuoteInput {
  address: { country: string; region?: string | null };
  currency: string;
  lines: QuoteLineInput[];
  /** The method to price; absent: the caller's own default charge below. */
  shippingMethodCode?: string | null;
  /** The shipping charge when no method is named (orders' flat rule), minor units. Default 0. */
  defaultShippingAmount?: number | null;
  /** A free-shipping promotion applies: the whole charge is taken off (and so untaxed). */
  freeShipping?: boolean | null;
}

export interface PricedMethod {
  method: ShippingMethodDoc;
  amount: number;
}

export interface TaxLineOut {
  name: string;
  rateBasisPoints: number;
  amount: number;
}

export interface Quote {
  currency: string;
  options: PricedMethod[];
  method: PricedMethod | null;
  shippingAmount: number;
  /** Off `shippingAmount` (a free-shipping promotion: all of it). */
  shippingDiscount: number;
  pricesIncludeTax: boolean;
  taxLines: TaxLineOut[];
  taxTotal: number;
}

/** The key of the shipping charge among the taxed lines: taxed like a STANDARD line. */
export const SHIPPING_LINE_KEY = 'shipping';

const nonNegative = (value: number | null | undefined, field: string): number => {
  const amount = value ?? 0;
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw badUserInput('must be a whole number of minor units, 0 or more', field);
  return amount;
};

function destinationOf(address: QuoteInput['address']): Destination {
  const country = String(address?.country ?? '')
    .trim()
    .toUpperCase();
  if (!isCountryCode(country))
    throw badUserInput('country must be an ISO 3166-1 alpha-2 code such as US', 'input.address.country');
  const region = address.region == null ? '' : String(address.region).trim().toUpperCase();
  return { country, region: region === '' ? null : region };
}

interface NormalizedLine {
  key: string;
  taxable: number;
  taxClass: TaxClass;
  weightGrams: number;
}

/** More lines than any cart or order holds: a bound on what one public quote may cost. */
export const MAX_QUOTE_LINES = 1000;

function normalizeLines(lines: QuoteLineInput[]): NormalizedLine[] {
  if ((lines ?? []).length > MAX_QUOTE_LINES)
    throw badUserInput(`at most ${MAX_QUOTE_LINES} lines`, 'input.lines');
  return (lines ?? []).map((line, i) => {
    const at = `input.lines[${i}]`;
    const amount = nonNegative(line.amount, `${at}.amount`);
    const discount = nonNegative(line.discount, `${at}.discount`);
    if (discount > amount) throw badUserInput('discount is larger than the line amount', `${at}.discount`);
    const taxClass = line.taxClass ?? 'STANDARD';
    if (!TAX_CLASSES.includes(taxClass)) throw badUserInput('unknown tax class', `${at}.taxClass`);
    return {
      key: String(line.key),
      taxable: amount - discount,
      taxClass,
      weightGrams: nonNegative(line.weightGrams, `${at}.weightGrams`),
    };
  });
}

/** What a method costs for goods worth `goods` weighing `grams`; null when it cannot ship them. */
export function methodPrice(method: ShippingMethodDoc, goods: number, grams: number): number | null {
  switch (method.pricing) {
    case 'FLAT':
      return method.flatAmount;
    case 'WEIGHT_BANDS':
      return bandPrice(method.weightBands, grams);
    case 'FREE_OVER':
      return method.freeOverThreshold !== null && goods >= method.freeOverThreshold ? 0 : method.flatAmount;
  }
}

/** Sums the line taxes per rate into the tax lines a cart or order shows (each line already rounded). */
export function groupTaxLines(taxes: readonly LineTax[]): TaxLineOut[] {
  const groups = new Map<string, TaxLineOut>();
  for (const tax of taxes) {
    const key = `${tax.name}\u0000${tax.rateBasisPoints}`;
    const group = groups.get(key) ?? { name: tax.name, rateBasisPoints: tax.rateBasisPoints, amount: 0 };
    group.amount += tax.amount;
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * The shipping options and tax of a cart or an order for one address: the one place where the
 * cart's preview and checkout's authoritative price are computed, so both always agree.
 */
export class QuoteService {
  constructor(
    private readonly zones: ZoneModel,
    private readonly methods: ShippingMethodModel,
    private readonly settings: TaxSettingModel,
    private readonly tax: TaxProvider,
  ) {}

  async quote(input: QuoteInput): Promise<Quote> {
    const destination = destinationOf(input.address);
    const currency = String(input.currency ?? '').toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency))
      throw badUserInput('currency must be an ISO 4217 code such as EUR', 'input.currency');
    const lines = normalizeLines(input.lines);
    const goods = lines.reduce((sum, line) => sum + line.taxable, 0);
    const grams = lines.reduce((sum, line) => sum + line.weightGrams, 0);
    const options = await this.options(destination, currency, goods, grams);
    const method = this.chosen(options, input.shippingMethodCode, destination);
    const shippingAmount = method
      ? method.amount
      : nonNegative(input.defaultShippingAmount, 'input.defaultShippingAmount');
    const pricesIncludeTax = (await this.settings.findById(currency).lean())?.pricesIncludeTax ?? false;
    const taxable: TaxableLine[] = lines.map(({ key, taxable: amount, taxClass }) => ({
      key,
      amount,
      taxClass,
    }));
    const shippingDiscount = input.freeShipping ? shippingAmount : 0;
    // Shipping is taxed like a STANDARD line of the destination, on what is charged of it
    // (docs/architecture.md, "Tax").
    if (shippingAmount - shippingDiscount > 0)
      taxable.push({
        key: SHIPPING_LINE_KEY,
        amount: shippingAmount - shippingDiscount,
        taxClass: 'STANDARD',
      });
    const taxes = await this.tax.calculate({ destination, currency, pricesIncludeTax, lines: taxable });
    const taxLines = groupTaxLines(taxes);
    return {
      currency,
      options,
      method,
      shippingAmount,
      shippingDiscount,
      pricesIncludeTax,
      taxLines,
      taxTotal: taxLines.reduce((sum, line) => sum + line.amount, 0),
    };
  }

  /** The active methods of the destination's zones in the currency that can ship the parcel. */
  private async options(
    destination: Destination,
    currency: string,
    goods: number,
    grams: number,
  ): Promise<PricedMethod[]> {
    const zones = zonesFor(
      await this.zones.find({ 'members.country': destination.country }).lean(),
      destination,
    );
    if (zones.length === 0) return [];
    const methods = await this.methods
      .find({ zoneCode: { $in: zones.map((zone) => zone._id) }, currency, active: true })
      .lean();
    const rank = new Map(zones.map((zone, index) => [zone._id, index]));
    methods.sort(
      (a, b) => (rank.get(a.zoneCode) ?? 0) - (rank.get(b.zoneCode) ?? 0) || a.code.localeCompare(b.code),
    );
    // A code offered by a more specific zone hides the same code of a wider one.
    const byCode = new Map<string, PricedMethod>();
    for (const method of methods) {
      const amount = methodPrice(method, goods, grams);
      if (amount !== null && !byCode.has(method.code)) byCode.set(method.code, { method, amount });
    }
    // Cheapest first, as a shopper compares them (equal prices: by code).
    return [...byCode.values()].sort(
      (a, b) => a.amount - b.amount || a.method.code.localeCompare(b.method.code),
    );
  }

  private chosen(
    options: PricedMethod[],
    code: string | null | undefined,
    destination: Destination,
  ): PricedMethod | null {
    if (code == null || code === '') return null;
    const wanted = code.trim().toUpperCase();
    const found = options.find((option) => option.method.code === wanted);
    if (found) return found;
    const available = options.map((option) => option.method.code);
    throw badUserInput(
      `Shipping method ${wanted} is not available for ${destination.country}${destination.region ? `-${destination.region}` : ''}` +
        (available.length ? ` (available: ${available.join(', ')})` : ' (no method ships there)'),
      'input.shippingMethodCode',
      { available },
    );
  }
}
