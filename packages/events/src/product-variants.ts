import { type ProductSnapshot, type VariantSnapshot } from './catalog';

/** A variant's tax class (products' and shipping's `TaxClass`). */
export type TaxClass = NonNullable<VariantSnapshot['taxClass']>;

/**
 * One orderable variant with its product's facts: what a subgraph's projection of the catalog
 * keeps per variant (cart's catalog products, orders' catalog prices), from the products
 * subgraph's events or from its API's answer (`ProductVariant`).
 */
export interface VariantFacts {
  variantId: string;
  productId: string;
  sku: string;
  /** The product's name (`variantName` adds the variant's title for the shopper). */
  productName: string;
  title: string;
  selectedOptions: { name: string; value: string }[];
  priceAmount: number;
  currency: string;
  active: boolean;
  /** Absent (snapshots before tax classes): STANDARD. */
  taxClass?: TaxClass;
  /** Per unit; absent or null: unknown. */
  weightGrams?: number | null;
}

/** A product snapshot as events carry it; events from before variants or options lack them. */
export type ProductSnapshotLike = Pick<
  ProductSnapshot,
  'productId' | 'sku' | 'name' | 'priceAmount' | 'currency' | 'active'
> & {
  variants?: readonly (Omit<VariantSnapshot, 'selectedOptions'> & {
    selectedOptions?: VariantSnapshot['selectedOptions'];
  })[];
};

/** The variants of a snapshot, one row each (a snapshot from before variants: the product as its default variant). */
export function variantRows(snapshot: ProductSnapshotLike): VariantFacts[] {
  const { productId, name: productName, currency, active } = snapshot;
  const variants = snapshot.variants?.length
    ? snapshot.variants
    : [{ variantId: productId, sku: snapshot.sku, title: 'Default', priceAmount: snapshot.priceAmount }];
  return variants.map((variant) => ({
    variantId: variant.variantId,
    productId,
    sku: variant.sku,
    productName,
    title: variant.title,
    selectedOptions: variant.selectedOptions ?? [],
    priceAmount: variant.priceAmount,
    currency,
    active,
    ...('taxClass' in variant ? { taxClass: variant.taxClass } : {}),
    ...('weightGrams' in variant ? { weightGrams: variant.weightGrams } : {}),
  }));
}

/** How a line is named to the shopper: the product, and the variant's title unless it is the only one. */
export function variantName(productName: string, title: string): string {
  return title === 'Default' ? productName : `${productName} (${title})`;
}

/**
 * The selection a subgraph asks the products subgraph for when it must decide on the catalog's
 * current answer (`_entities` of `ProductVariant`), and the answer's shape.
 */
export const PRODUCT_VARIANT_SELECTION = `id sku title selectedOptions { name value } price { amount currency } active
      taxClass weightGrams updatedAt product { id name }`;

export interface ProductVariantAnswer {
  id: string;
  sku: string;
  title: string;
  selectedOptions: { name: string; value: string }[];
  price: { amount: number; currency: string };
  active: boolean;
  taxClass: TaxClass;
  weightGrams: number | null;
  updatedAt: string;
  product: { id: string; name: string };
}

/** The products subgraph's answer for a variant, as the facts a projection keeps. */
export function variantFactsOf(answer: ProductVariantAnswer): VariantFacts {
  return {
    variantId: answer.id,
    productId: answer.product.id,
    sku: answer.sku,
    productName: answer.product.name,
    title: answer.title,
    selectedOptions: answer.selectedOptions,
    priceAmount: answer.price.amount,
    currency: answer.price.currency,
    active: answer.active,
    taxClass: answer.taxClass,
    weightGrams: answer.weightGrams,
  };
}

/**
 * The catalog half of a variant's projection row, as cart and orders keep it: the facts of the
 * products subgraph's events and answers, each half stamped with the time of what it came from
 * (`catalogAt`, `priceAt`), so that an older fact arriving late cannot overwrite a newer one.
 */
export interface VariantCatalogRow {
  /** The variant's id; a product's default variant has the product's id (rows made before variants). */
  _id: string;
  /** The product of a non-default variant (a default variant's row is its product's _id). */
  productId?: string;
  sku?: string;
  name?: string;
  priceAmount?: number;
  currency?: string;
  active?: boolean;
  /** Absent on rows made before tax classes: STANDARD. */
  taxClass?: TaxClass;
  /** Unit weight; absent or null: unknown (0 for shipping). */
  weightGrams?: number | null;
  catalogAt?: Date;
  priceAt?: Date;
}

/** The mongoose field definitions of `VariantCatalogRow`, for the models that keep one. */
export const variantCatalogRowFields = {
  _id: { type: String, required: true },
  productId: String,
  sku: String,
  name: String,
  priceAmount: Number,
  currency: String,
  active: Boolean,
  taxClass: String,
  weightGrams: Number,
  catalogAt: Date,
  priceAt: Date,
} as const;
