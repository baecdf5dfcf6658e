import { createEvent, type DomainEvent } from '@novamart/events';
import type { ProductDoc } from '../models/product';

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
