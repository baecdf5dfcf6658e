import { type ClientSession, type UpdateQuery } from 'mongoose';
import { type ProductSnapshotLike, type VariantFacts, variantRows } from '@novamart/events';
import { upsertIfNewerReturning, upsertRacing } from '@novamart/kit';
import { type CartSnapshotDoc, type CartSnapshotModel } from '../models/cart-snapshot';
import { type CatalogPriceDoc, type CatalogPriceModel } from '../models/catalog-price';
import { type CustomerModel } from '../models/customer';

export interface PriceChange {
  productId: string;
  amount: number;
  currency: string;
}

export interface CartUpdated {
  cartId: string;
  userId: string | null;
  revision: number;
  lines: { productId: string; variantId?: string; quantity: number }[];
  expiresAt: string | null;
  /** Absent: no codes. */
  discountCodes?: string[] | undefined;
}

export interface CartDeleted {
  cartId: string;
  userId: string | null;
  revision: number;
}

/** How long a deleted cart's tombstone stays, absorbing late `cart.updated` events. */
const TOMBSTONE_MS = 7 * 24 * 3600_000;

/**
 * The orders subgraph's projections of other subgraphs' state: catalog prices, carts and
 * customers' emails. Each applies only what is newer than what it holds, so redelivered or
 * reordered events leave the newest state.
 */
export class Projections {
  constructor(
    private readonly prices: CatalogPriceModel,
    private readonly carts: CartSnapshotModel,
    private readonly customers: CustomerModel,
  ) {}

  /** product.created / updated / archived: the row of every variant of the product. */
  async applyProduct(snapshot: ProductSnapshotLike, at: Date, session?: ClientSession): Promise<void> {
    for (const variant of variantRows(snapshot)) await this.applyVariant(variant, at, session);
  }

  /**
   * One variant's row, unless the row holds a newer catalog state. Returns the row as it now
   * stands, so that checkout prices from it without reading it again.
   */
  async applyVariant(variant: VariantFacts, at: Date, session?: ClientSession): Promise<CatalogPriceDoc> {
    const current = await this.prices
      .findById(variant.variantId)
      .session(session ?? null)
      .lean();
    // An equal stamp is the same catalog state (products stamps each state once: `catalogStamp`).
    if (current?.catalogAt && current.catalogAt >= at) return current;
    const set: Partial<CatalogPriceDoc> = {
      sku: variant.sku,
      name: variant.productName,
      variantTitle: variant.title,
      selectedOptions: variant.selectedOptions,
      active: variant.active,
      taxClass: variant.taxClass ?? 'STANDARD',
      weightGrams: variant.weightGrams ?? null,
      catalogAt: at,
      ...(variant.variantId !== variant.productId ? { productId: variant.productId } : {}),
    };
    if (!current?.priceAt || current.priceAt <= at)
      Object.assign(set, { priceAmount: variant.priceAmount, currency: variant.currency, priceAt: at });
    await this.prices.updateOne({ _id: variant.variantId }, { $set: set }, { upsert: true, session });
    return { ...current, ...set, _id: variant.variantId } as CatalogPriceDoc;
  }

  async applyPrice(change: PriceChange, at: Date, session?: ClientSession): Promise<void> {
    const current = await this.prices
      .findById(change.productId, { priceAt: 1 })
      .session(session ?? null)
      .lean();
    if (current?.priceAt && current.priceAt > at) return;
    await this.prices.updateOne(
      { _id: change.productId },
      { $set: { priceAmount: change.amount, currency: change.currency, priceAt: at } },
      { upsert: true, session },
    );
  }

  /**
   * cart.updated, or the cart's owner answering checkout: the snapshot at this revision. Returns
   * the snapshot as written, or null when a newer revision is held.
   */
  async applyCartUpdated(cart: CartUpdated): Promise<CartSnapshotDoc | null> {
    return this.applyCartRevision(cart, {
      $set: {
        revision: cart.revision,
        lines: cart.lines.map(({ productId, variantId, quantity }) => ({
          productId,
          ...(variantId ? { variantId } : {}),
          quantity,
        })),
        discountCodes: cart.discountCodes ?? [],
        deleted: false,
        ...(cart.userId ? { userId: cart.userId } : {}),
        ...(cart.expiresAt ? { expiresAt: new Date(cart.expiresAt) } : {}),
      },
      ...(cart.expiresAt ? {} : { $unset: { expiresAt: 1 } }),
    });
  }

  async applyCartDeleted(cart: CartDeleted, at: Date): Promise<void> {
    const expiresAt = new Date(at.getTime() + TOMBSTONE_MS);
    await this.applyCartRevision(cart, {
      $set: { revision: cart.revision, lines: [], deleted: true, expiresAt },
    });
  }

  /**
   * Writes a cart revision unless a newer one is held, in one command. The same revision writes
   * the same snapshot again (a revision's lines never change; a deletion takes the next revision),
   * so the event and checkout's refresh of the same revision both cost one write.
   */
  private applyCartRevision(
    cart: { cartId: string; revision: number },
    update: UpdateQuery<CartSnapshotDoc>,
  ): Promise<CartSnapshotDoc | null> {
    return upsertIfNewerReturning(
      this.carts,
      cart.cartId,
      { field: 'revision', value: cart.revision, sameApplies: true },
      update,
    );
  }

  async applyCustomer(customer: { userId: string; email: string }): Promise<void> {
    await upsertRacing(() =>
      this.customers.updateOne(
        { _id: customer.userId },
        { $set: { email: customer.email.trim().toLowerCase() } },
        { upsert: true },
      ),
    );
  }
}
