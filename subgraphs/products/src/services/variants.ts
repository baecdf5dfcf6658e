import { badUserInput } from '@novamart/kit';
import { Types } from 'mongoose';
import {
  BUMP_REVISION,
  TAX_CLASSES,
  type ProductDoc,
  type ProductModel,
  type ProductOption,
  type SelectedOption,
  type TaxClass,
  type VariantDoc,
} from '../models/product';
import { images, priceAmount, requiredText, skuValue, type ImageInput } from './validation';

export interface ProductOptionInput {
  name: string;
  values: readonly string[];
}

export interface SelectedOptionInput {
  name: string;
  value: string;
}

/** `ProductVariantInput` as the resolver receives it. */
export interface ProductVariantInput {
  id?: string | null;
  sku: string;
  options?: readonly SelectedOptionInput[] | null;
  priceAmount?: number | null;
  compareAtPriceAmount?: number | null;
  weightGrams?: number | null;
  taxClass?: TaxClass | null;
  images?: readonly ImageInput[] | null;
}

/** The variant fields a product without options takes from `ProductInput` for its default variant. */
export interface DefaultVariantFields {
  compareAtPriceAmount?: number | null;
  weightGrams?: number | null;
  taxClass?: TaxClass | null;
}

export const VARIANT_LIMITS = {
  options: 3,
  values: 50,
  nameLength: 50,
  variants: 100,
  weightGrams: 1_000_000_000,
} as const;

const DEFAULT_TITLE = 'Default';

/** The product's variants; a product stored before variants has its default variant alone. */
export function variantsOf(product: ProductDoc): VariantDoc[] {
  if (product.variants && product.variants.length > 0) return product.variants;
  return [defaultVariantFor(product)];
}

export function defaultVariantOf(product: ProductDoc): VariantDoc {
  return variantsOf(product)[0]!;
}

function defaultVariantFor(
  product: Pick<ProductDoc, '_id' | 'sku'>,
  fields: DefaultVariantFields = {},
): VariantDoc {
  return {
    _id: product._id,
    sku: product.sku,
    selectedOptions: [],
    priceAmount: null,
    compareAtPriceAmount: fields.compareAtPriceAmount ?? null,
    weightGrams: fields.weightGrams ?? null,
    taxClass: fields.taxClass ?? 'STANDARD',
    images: [],
  };
}

export function variantTitle(variant: Pick<VariantDoc, 'selectedOptions'>): string {
  return variant.selectedOptions.length === 0
    ? DEFAULT_TITLE
    : variant.selectedOptions.map((option) => option.value).join(' / ');
}

export function variantPrice(product: ProductDoc, variant: VariantDoc): number {
  return variant.priceAmount ?? product.priceAmount;
}

function optionalAmount(value: number | null | undefined, field: string, max: number): number | null {
  return value == null ? null : priceAmount(value, field, max);
}

function weight(value: number | null | undefined, field: string): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 0 || value > VARIANT_LIMITS.weightGrams) {
    throw badUserInput('weightGrams must be a non-negative integer', field);
  }
  return value;
}

function taxClass(value: TaxClass | null | undefined, field: string): TaxClass {
  if (value == null) return 'STANDARD';
  if (!TAX_CLASSES.includes(value))
    throw badUserInput(`taxClass must be one of ${TAX_CLASSES.join(', ')}`, field);
  return value;
}

/** The product-level default variant fields of `ProductInput`, checked. */
export function validateDefaultVariantFields(input: DefaultVariantFields, max: number): DefaultVariantFields {
  return {
    compareAtPriceAmount: optionalAmount(input.compareAtPriceAmount, 'input.compareAtPriceAmount', max),
    weightGrams: weight(input.weightGrams, 'input.weightGrams'),
    taxClass: taxClass(input.taxClass, 'input.taxClass'),
  };
}

/** Option names unique (case-insensitively), each with distinct non-empty values. */
export function validateOptions(input: readonly ProductOptionInput[], field: string): ProductOption[] {
  if (input.length > VARIANT_LIMITS.options) {
    throw badUserInput(`at most ${VARIANT_LIMITS.options} options`, field);
  }
  const names = new Set<string>();
  return input.map((option, i) => {
    const name = requiredText(option.name, `${field}.${i}.name`, VARIANT_LIMITS.nameLength);
    if (names.has(name.toLowerCase()))
      throw badUserInput(`Option ${name} is given twice`, `${field}.${i}.name`);
    names.add(name.toLowerCase());
    const valuesField = `${field}.${i}.values`;
    if (option.values.length === 0 || option.values.length > VARIANT_LIMITS.values) {
      throw badUserInput(`Option ${name} needs 1 to ${VARIANT_LIMITS.values} values`, valuesField);
    }
    const values = option.values.map((value) => requiredText(value, valuesField, VARIANT_LIMITS.nameLength));
    if (new Set(values).size !== values.length) {
      throw badUserInput(`Option ${name} repeats a value`, valuesField);
    }
    return { name, values };
  });
}

/** One value of every option, in the options' order; unknown options or values are refused. */
function selectedOptions(
  options: readonly ProductOption[],
  given: readonly SelectedOptionInput[],
  field: string,
): SelectedOption[] {
  const byName = new Map<string, string>();
  for (const choice of given) {
    const option = options.find((o) => o.name === choice.name);
    if (!option) throw badUserInput(`The product has no option ${choice.name}`, field);
    if (byName.has(option.name)) throw badUserInput(`Option ${option.name} is given twice`, field);
    if (!option.values.includes(choice.value)) {
      throw badUserInput(`${choice.value} is not a value of option ${option.name}`, field);
    }
    byName.set(option.name, choice.value);
  }
  return options.map((option) => {
    const value = byName.get(option.name);
    if (value === undefined) throw badUserInput(`The variant is missing a value for ${option.name}`, field);
    return { name: option.name, value };
  });
}

function variantId(
  input: ProductVariantInput,
  existing: ReadonlySet<string>,
  field: string,
): Types.ObjectId | null {
  if (input.id == null) return null;
  if (!existing.has(input.id)) throw badUserInput('Not a variant of this product', `${field}.id`);
  return new Types.ObjectId(input.id);
}

/**
 * The product's variants from the client's options and variants: one value of every option per
 * variant, no combination or SKU twice. A product without options has its default variant alone.
 * Ids of variants already stored are kept (their stock stays theirs); the default variant's id is
 * the product's, given to the first new variant when no variant names it.
 */
export function buildVariants(args: {
  product: Pick<ProductDoc, '_id' | 'sku'>;
  options: ProductOption[];
  variants: readonly ProductVariantInput[];
  existingIds: ReadonlySet<string>;
  defaults?: DefaultVariantFields;
  maxPrice: number;
  field: string;
}): VariantDoc[] {
  const { product, options, field } = args;
  if (options.length === 0 && args.variants.length === 0) {
    return [defaultVariantFor(product, args.defaults)];
  }
  if (options.length === 0) throw badUserInput('Variants need options to tell them apart', field);
  if (args.variants.length > VARIANT_LIMITS.variants) {
    throw badUserInput(`at most ${VARIANT_LIMITS.variants} variants`, field);
  }
  const combinations = new Set<string>();
  const skus = new Set<string>();
  const built = args.variants.map((input, i) => {
    const at = `${field}.${i}`;
    const chosen = selectedOptions(options, input.options ?? [], `${at}.options`);
    const key = JSON.stringify(chosen.map((o) => o.value));
    if (combinations.has(key)) {
      throw badUserInput(
        `Another variant already has ${variantTitle({ selectedOptions: chosen })}`,
        `${at}.options`,
      );
    }
    combinations.add(key);
    const sku = skuValue(input.sku, `${at}.sku`);
    if (skus.has(sku)) throw badUserInput(`SKU ${sku} is given to two variants`, `${at}.sku`);
    skus.add(sku);
    return {
      _id: variantId(input, args.existingIds, at),
      sku,
      selectedOptions: chosen,
      priceAmount: optionalAmount(input.priceAmount, `${at}.priceAmount`, args.maxPrice),
      compareAtPriceAmount: optionalAmount(
        input.compareAtPriceAmount,
        `${at}.compareAtPriceAmount`,
        args.maxPrice,
      ),
      weightGrams: weight(input.weightGrams, `${at}.weightGrams`),
      taxClass: taxClass(input.taxClass, `${at}.taxClass`),
      images: images(input.images ?? [], `${at}.images`),
    };
  });
  const productId = String(product._id);
  const named = built.findIndex((v) => v._id !== null && String(v._id) === productId);
  const defaultAt = named >= 0 ? named : built.findIndex((v) => v._id === null);
  if (defaultAt < 0) {
    throw badUserInput('The default variant (its id is the product id) cannot be removed', field);
  }
  const [first] = built.splice(defaultAt, 1);
  return [first!, ...built].map((v, i) => ({
    ...v,
    _id: i === 0 ? product._id : (v._id ?? new Types.ObjectId()),
  }));
}

/**
 * Start-up step (CONTRIBUTING "Changing stored data"): products stored before variants get their
 * default variant written, in batches, each write conditional on the old shape, so a second run or
 * a concurrent replica finds nothing to do. Reads never depend on it (`variantsOf`).
 */
export async function backfillDefaultVariants(Product: ProductModel, batchSize = 500): Promise<number> {
  let written = 0;
  for (;;) {
    const batch = await Product.find({ variants: { $exists: false } }, { _id: 1, sku: 1 })
      .limit(batchSize)
      .lean<Pick<ProductDoc, '_id' | 'sku'>[]>()
      .exec();
    if (batch.length === 0) return written;
    const result = await Product.bulkWrite(
      batch.map((product) => ({
        updateOne: {
          filter: { _id: product._id, variants: { $exists: false } },
          update: { $set: { options: [], variants: [defaultVariantFor(product)] }, ...BUMP_REVISION },
        },
      })),
      { timestamps: false },
    );
    written += result.modifiedCount;
    if (batch.length < batchSize) return written;
  }
}
