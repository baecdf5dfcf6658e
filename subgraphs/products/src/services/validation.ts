import { assertMoneyWithin, badUserInput, DEFAULT_MAX_ORDER_TOTAL } from '@novamart/kit';
import { SLUG_PATTERN } from './slug';
import type { ProductImage, TaxClass } from '../models/product';
import type { ProductOptionInput, ProductVariantInput } from './variants';

/** `ProductInput` as the resolver receives it. */
export interface ProductInput {
  sku: string;
  name: string;
  slug?: string | null;
  description: string;
  priceAmount: number;
  currency?: string | null;
  categorySlug?: string | null;
  images?: readonly ImageInput[] | null;
  initialStock?: number | null;
  options?: readonly ProductOptionInput[] | null;
  variants?: readonly ProductVariantInput[] | null;
  compareAtPriceAmount?: number | null;
  weightGrams?: number | null;
  taxClass?: TaxClass | null;
}

/** `ProductUpdateInput`: an absent field is left alone; `categorySlug: null` clears the category. */
export interface ProductUpdateInput {
  name?: string | null;
  description?: string | null;
  priceAmount?: number | null;
  categorySlug?: string | null;
  images?: readonly ImageInput[] | null;
  active?: boolean | null;
}

export interface ImageInput {
  url: string;
  alt?: string | null;
}

export interface NewProduct {
  sku: string;
  name: string;
  slug: string | null;
  description: string;
  priceAmount: number;
  currency: string;
  categorySlug: string | null;
  images: ProductImage[];
  initialStock: number | null;
}

export interface ProductChanges {
  name?: string;
  description?: string;
  priceAmount?: number;
  /** null: remove from its category. */
  categorySlug?: string | null;
  images?: ProductImage[];
  active?: boolean;
}

export const LIMITS = {
  skuLength: 64,
  nameLength: 200,
  descriptionLength: 10_000,
  slugLength: 100,
  images: 20,
  urlLength: 2_048,
  altLength: 300,
  /** Largest price in minor units by default (`MAX_ORDER_TOTAL`; GraphQL Int is 32-bit). */
  priceAmount: DEFAULT_MAX_ORDER_TOTAL,
  initialStock: 1_000_000_000,
} as const;

const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;
const currencies = new Set(Intl.supportedValuesOf('currency'));

export function requiredText(value: unknown, field: string, max: number): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) throw badUserInput(`${field.split('.').pop()} must not be empty`, field);
  if (text.length > max)
    throw badUserInput(`${field.split('.').pop()} must be at most ${max} characters`, field);
  return text;
}

function sku(value: unknown): string {
  return skuValue(value, 'input.sku');
}

export function skuValue(value: unknown, field: string): string {
  const text = requiredText(value, field, LIMITS.skuLength);
  if (!SKU_PATTERN.test(text)) {
    throw badUserInput(
      'sku may contain letters, digits, ".", "_", "-" and "/", starting with a letter or digit',
      field,
    );
  }
  return text;
}

export function priceAmount(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw badUserInput('priceAmount must be a non-negative integer amount of minor units (cents)', field);
  }
  // A price no order could carry is refused here, where it enters, not at a customer's checkout.
  assertMoneyWithin(value, max, field, 'priceAmount');
  return value;
}

/** ISO 4217, upper-cased: `usd` is accepted as `USD`. */
export function currencyCode(value: unknown, field: string): string {
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!/^[A-Z]{3}$/.test(code) || !currencies.has(code)) {
    throw badUserInput('currency must be an ISO 4217 code such as USD or EUR', field);
  }
  return code;
}

export function slugValue(value: unknown, field: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!SLUG_PATTERN.test(text) || text.length > LIMITS.slugLength) {
    throw badUserInput(
      `${field.split('.').pop()} must be lower-case letters and digits joined by single dashes`,
      field,
    );
  }
  return text;
}

export function images(value: readonly ImageInput[], field: string): ProductImage[] {
  if (value.length > LIMITS.images) throw badUserInput(`at most ${LIMITS.images} images`, field);
  return value.map((image, i) => {
    const url = typeof image.url === 'string' ? image.url.trim() : '';
    const parsed = URL.canParse(url) ? new URL(url) : null;
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || url.length > LIMITS.urlLength) {
      throw badUserInput('image url must be an absolute http(s) URL', `${field}.${i}.url`);
    }
    const alt = image.alt?.trim() || null;
    if (alt && alt.length > LIMITS.altLength) {
      throw badUserInput(`image alt must be at most ${LIMITS.altLength} characters`, `${field}.${i}.alt`);
    }
    return { url, alt };
  });
}

function initialStock(value: unknown): number | null {
  if (value == null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > LIMITS.initialStock) {
    throw badUserInput('initialStock must be a non-negative integer', 'input.initialStock');
  }
  return value;
}

/** Checks and normalises a `ProductInput`; the first problem is a BAD_USER_INPUT naming its field. */
export function validateNewProduct(input: ProductInput, maxPrice: number = LIMITS.priceAmount): NewProduct {
  return {
    sku: sku(input.sku),
    name: requiredText(input.name, 'input.name', LIMITS.nameLength),
    slug: input.slug == null ? null : slugValue(input.slug, 'input.slug'),
    description: requiredText(input.description, 'input.description', LIMITS.descriptionLength),
    priceAmount: priceAmount(input.priceAmount, 'input.priceAmount', maxPrice),
    currency: currencyCode(input.currency ?? 'USD', 'input.currency'),
    categorySlug: input.categorySlug == null ? null : slugValue(input.categorySlug, 'input.categorySlug'),
    images: images(input.images ?? [], 'input.images'),
    initialStock: initialStock(input.initialStock),
  };
}

/** Checks a `ProductUpdateInput`. Fields sent as null that cannot be null are treated as absent. */
export function validateProductChanges(
  input: ProductUpdateInput,
  maxPrice: number = LIMITS.priceAmount,
): ProductChanges {
  const changes: ProductChanges = {};
  if (input.name != null) changes.name = requiredText(input.name, 'input.name', LIMITS.nameLength);
  if (input.description != null) {
    changes.description = requiredText(input.description, 'input.description', LIMITS.descriptionLength);
  }
  if (input.priceAmount != null)
    changes.priceAmount = priceAmount(input.priceAmount, 'input.priceAmount', maxPrice);
  if (input.categorySlug !== undefined) {
    changes.categorySlug =
      input.categorySlug === null ? null : slugValue(input.categorySlug, 'input.categorySlug');
  }
  if (input.images != null) changes.images = images(input.images, 'input.images');
  if (input.active != null) changes.active = input.active;
  return changes;
}
