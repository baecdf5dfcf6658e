import { badUserInput, MAX_MONEY_AMOUNT } from '@novamart/kit';
import { type PromotionKind, type PromotionRule, type PromotionTarget } from './discount-math';

/** `createPromotion(input:)` as the API takes it. */
export interface PromotionInput {
  name: string;
  description?: string | null;
  kind: PromotionKind;
  target?: PromotionTarget | null;
  productIds?: string[] | null;
  categorySlugs?: string[] | null;
  percentOff?: number | null;
  amountOff?: number | null;
  currency?: string | null;
  buyProductId?: string | null;
  buyQuantity?: number | null;
  getProductId?: string | null;
  getQuantity?: number | null;
  getPercentOff?: number | null;
  minSubtotal?: number | null;
  startsAt?: Date | string | null;
  endsAt?: Date | string | null;
  usageLimit?: number | null;
  perCustomerLimit?: number | null;
  combinable?: boolean | null;
  automatic?: boolean | null;
  codes?: string[] | null;
}

/** What a valid input becomes (the promotion's stored rule, window and limits). */
export interface ValidPromotion extends Omit<PromotionRule, 'id'> {
  description: string;
  startsAt: Date;
  endsAt: Date | null;
  usageLimit: number | null;
  perCustomerLimit: number | null;
  automatic: boolean;
  codes: string[];
}

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const CODE_PATTERN = /^[A-Z0-9][A-Z0-9_-]{2,31}$/;

/** Codes are matched without regard to case or surrounding spaces. */
export function normalizeCode(code: unknown, field = 'code'): string {
  const normalized = typeof code === 'string' ? code.trim().toUpperCase() : '';
  if (!CODE_PATTERN.test(normalized))
    throw badUserInput('A discount code is 3 to 32 letters, digits, "-" or "_"', field);
  return normalized;
}

/** A percentage in (0, 100] with at most two decimals, as hundredths of a percent. */
function basisPoints(value: number | null | undefined, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 100)
    throw badUserInput('A percentage must be above 0 and at most 100', field);
  const bps = Math.round(value * 100);
  if (Math.abs(bps - value * 100) > 1e-6) throw badUserInput('A percentage has at most two decimals', field);
  return bps;
}

function minorUnits(value: number | null | undefined, field: string, { positive = false } = {}): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_MONEY_AMOUNT)
    throw badUserInput('An amount is a non-negative integer of minor units', field);
  if (positive && value === 0) throw badUserInput('The amount must be above 0', field);
  return value;
}

function count(value: number | null | undefined, field: string): number | null {
  if (value == null) return null;
  if (!Number.isSafeInteger(value) || value < 1)
    throw badUserInput('A limit is a whole number from 1', field);
  return value;
}

/** A new usage limit (null: unlimited): a count, and not below the uses already made. */
function usageLimitAbove(value: number | null | undefined, timesRedeemed: number): number | null {
  const limit = count(value, 'input.usageLimit');
  if (limit !== null && limit < timesRedeemed)
    throw badUserInput(
      `The limit cannot be below the uses already made (${timesRedeemed})`,
      'input.usageLimit',
      { timesRedeemed },
    );
  return limit;
}

/** A promotion's name: 1 to 120 characters once trimmed. */
function promotionName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name === '' || name.length > 120) throw badUserInput('A name of 1 to 120 characters', 'input.name');
  return name;
}

/** A promotion's window must end after it starts (an absent end: open-ended). */
function assertWindow(startsAt: Date, endsAt: Date | null): void {
  if (endsAt && endsAt <= startsAt) throw badUserInput('The end is before the start', 'input.endsAt');
}

function date(value: Date | string | null | undefined, field: string): Date | null {
  if (value == null) return null;
  const parsed = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(parsed.getTime())) throw badUserInput('Not a date', field);
  return parsed;
}

function currencyOf(input: PromotionInput): string | null {
  if (input.currency == null || input.currency === '') {
    if (input.amountOff != null) throw badUserInput('A fixed amount needs its currency', 'input.currency');
    if (input.minSubtotal != null)
      throw badUserInput('A minimum subtotal needs its currency', 'input.currency');
    return null;
  }
  const code = String(input.currency).toUpperCase();
  if (!KNOWN_CURRENCIES.has(code)) throw badUserInput(`Unknown currency ${input.currency}`, 'input.currency');
  return code;
}

function targetOf(input: PromotionInput): Pick<ValidPromotion, 'target' | 'productIds' | 'categorySlugs'> {
  const target = input.target ?? 'ORDER';
  const productIds = [...new Set(input.productIds ?? [])];
  const categorySlugs = [...new Set(input.categorySlugs ?? [])];
  if (target === 'PRODUCTS' && productIds.length === 0)
    throw badUserInput('A product promotion names its products', 'input.productIds');
  if (target === 'CATEGORIES' && categorySlugs.length === 0)
    throw badUserInput('A category promotion names its categories', 'input.categorySlugs');
  return {
    target,
    productIds: target === 'PRODUCTS' ? productIds : [],
    categorySlugs: target === 'CATEGORIES' ? categorySlugs : [],
  };
}

type KindFields = Pick<
  ValidPromotion,
  | 'percentOffBps'
  | 'amountOff'
  | 'buyProductId'
  | 'buyQuantity'
  | 'getProductId'
  | 'getQuantity'
  | 'getPercentOffBps'
>;

function kindFields(input: PromotionInput): KindFields {
  const none: KindFields = {
    percentOffBps: null,
    amountOff: null,
    buyProductId: null,
    buyQuantity: null,
    getProductId: null,
    getQuantity: null,
    getPercentOffBps: null,
  };
  switch (input.kind) {
    case 'PERCENTAGE':
      return { ...none, percentOffBps: basisPoints(input.percentOff, 'input.percentOff') };
    case 'FIXED_AMOUNT':
      return { ...none, amountOff: minorUnits(input.amountOff, 'input.amountOff', { positive: true }) };
    case 'BUY_X_GET_Y':
      if (!input.buyProductId) throw badUserInput('Name the product to buy', 'input.buyProductId');
      return {
        ...none,
        buyProductId: input.buyProductId,
        buyQuantity: count(input.buyQuantity ?? null, 'input.buyQuantity') ?? 1,
        getProductId: input.getProductId ?? input.buyProductId,
        getQuantity: count(input.getQuantity ?? null, 'input.getQuantity') ?? 1,
        getPercentOffBps:
          input.getPercentOff == null ? 10_000 : basisPoints(input.getPercentOff, 'input.getPercentOff'),
      };
    case 'FREE_SHIPPING':
      return none;
    default:
      throw badUserInput('Unknown promotion kind', 'input.kind');
  }
}

/** Checks a promotion as an admin wrote it; every refusal is BAD_USER_INPUT naming its field. */
export function validatePromotion(input: PromotionInput, now: Date): ValidPromotion {
  const name = promotionName(input.name);
  const fields = kindFields(input);
  const currency = currencyOf(input);
  const startsAt = date(input.startsAt, 'input.startsAt') ?? now;
  const endsAt = date(input.endsAt, 'input.endsAt');
  assertWindow(startsAt, endsAt);
  const codes = (input.codes ?? []).map((code, i) => normalizeCode(code, `input.codes.${i}`));
  if (new Set(codes).size !== codes.length) throw badUserInput('A code is listed twice', 'input.codes');
  return {
    name,
    description: (input.description ?? '').trim(),
    kind: input.kind,
    ...targetOf(input),
    ...fields,
    currency,
    minSubtotal: input.minSubtotal == null ? null : minorUnits(input.minSubtotal, 'input.minSubtotal'),
    startsAt,
    endsAt,
    usageLimit: count(input.usageLimit, 'input.usageLimit'),
    perCustomerLimit: count(input.perCustomerLimit, 'input.perCustomerLimit'),
    combinable: input.combinable ?? true,
    automatic: input.automatic ?? false,
    codes,
  };
}

/** What an update may change: its name, window, limits and how it applies, never what it takes off. */
type ChangeableTerm =
  | 'name'
  | 'description'
  | 'startsAt'
  | 'endsAt'
  | 'usageLimit'
  | 'perCustomerLimit'
  | 'combinable'
  | 'automatic';

/** `updatePromotion(input:)` as the API takes it: a key left out keeps its value. */
export type PromotionUpdateInput = { [K in ChangeableTerm]?: PromotionInput[K] | null };

export type PromotionChanges = Partial<Pick<ValidPromotion, ChangeableTerm>>;

/**
 * Checks an admin's changes against the promotion as it is; every refusal is BAD_USER_INPUT naming
 * its field. Only what does not change what a promotion takes off can change: its name, window,
 * limits and how it applies; the usage limit never below the uses made (`timesRedeemed`). A null
 * endsAt, usageLimit or perCustomerLimit removes it; a null elsewhere keeps the value, as leaving
 * the key out does.
 */
export function validatePromotionUpdate(
  input: PromotionUpdateInput,
  current: { startsAt: Date; endsAt: Date | null; timesRedeemed: number },
): PromotionChanges {
  const changes: PromotionChanges = {};
  if (input.name != null) changes.name = promotionName(input.name);
  if (input.description != null) changes.description = String(input.description).trim();
  if (input.startsAt != null) changes.startsAt = date(input.startsAt, 'input.startsAt')!;
  if ('endsAt' in input) changes.endsAt = date(input.endsAt, 'input.endsAt');
  const startsAt = changes.startsAt ?? current.startsAt;
  const endsAt = 'endsAt' in changes ? changes.endsAt! : current.endsAt;
  assertWindow(startsAt, endsAt);
  if ('usageLimit' in input) changes.usageLimit = usageLimitAbove(input.usageLimit, current.timesRedeemed);
  if ('perCustomerLimit' in input)
    changes.perCustomerLimit = count(input.perCustomerLimit, 'input.perCustomerLimit');
  for (const flag of ['combinable', 'automatic'] as const) {
    const value = input[flag];
    if (value == null) continue;
    if (typeof value !== 'boolean') throw badUserInput('true or false', `input.${flag}`);
    changes[flag] = value;
  }
  return changes;
}
