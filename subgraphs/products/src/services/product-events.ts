import { createEvent, type DomainEvent, type VariantSnapshot } from '@novamart/events';
import type { ProductDoc } from '../models/product';
import { variantPrice, variantsOf, variantTitle } from './variants';

/** What other subgraphs keep of a product (architecture.md, "Domain events"). */
export interface ProductSnapshot {
  productId: string;
  sku: string;
  slug: string;
  name: string;
  priceAmount: number;
  currency: string;
  categorySlug: string | null;
  active: boolean;
  variants?: VariantSnapshot[];
}

export type ProductCreatedPayload = ProductSnapshot & { initialStock: number | null };

export interface ProductPriceChangedPayload {
  productId: string;
  previousAmount: number;
  amount: number;
  currency: string;
}

export function productSnapshot(doc: ProductDoc): ProductSnapshot {
  return {
    productId: String(doc._id),
    sku: doc.sku,
    slug: doc.slug,
    name: doc.name,
    priceAmount: doc.priceAmount,
    currency: doc.currency,
    categorySlug: doc.categorySlug ?? null,
    active: doc.active,
    variants: variantsOf(doc).map((variant) => ({
      variantId: String(variant._id),
      sku: variant.sku,
      title: variantTitle(variant),
      priceAmount: variantPrice(doc, variant),
      selectedOptions: variant.selectedOptions.map(({ name, value }) => ({ name, value })),
      taxClass: variant.taxClass,
      weightGrams: variant.weightGrams,
    })),
  };
}

export const productEvents = {
  created(doc: ProductDoc, initialStock: number | null): DomainEvent<ProductCreatedPayload> {
    return createEvent('product.created', String(doc._id), { ...productSnapshot(doc), initialStock });
  },
  updated(doc: ProductDoc): DomainEvent<ProductSnapshot> {
    return createEvent('product.updated', String(doc._id), productSnapshot(doc));
  },
  priceChanged(doc: ProductDoc, previousAmount: number): DomainEvent<ProductPriceChangedPayload> {
    return createEvent('product.price_changed', String(doc._id), {
      productId: String(doc._id),
      previousAmount,
      amount: doc.priceAmount,
      currency: doc.currency,
    });
  },
  archived(doc: ProductDoc): DomainEvent<ProductSnapshot> {
    return createEvent('product.archived', String(doc._id), productSnapshot(doc));
  },
};
