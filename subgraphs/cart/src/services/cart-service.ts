import { randomBytes } from 'node:crypto';
import { type ClientSession, type Connection } from 'mongoose';
import {
  DocumentEvents,
  inTransaction,
  PROCESSED_RETENTION_SECONDS,
  type DomainEvent,
  type Outbox,
} from '@novamart/events';
import {
  assertBeforeDeadline,
  badUserInput,
  DEFAULT_MAX_ORDER_TOTAL,
  notFound,
  requireViewer,
  type Viewer,
  isDuplicateKeyError,
} from '@novamart/kit';
import {
  CARTS_COLLECTION,
  lineKey,
  type CartDoc,
  type CartLine,
  type CartModel,
  type OrderTaken,
  type RemovedLine,
} from '../models/cart';
import { type KnownProduct } from '../models/catalog-product';
import { cartDeleted, cartItemAdded, cartUpdated } from './cart-events';
import {
  MAX_LINE_QUANTITY,
  assertLineQuantityFits,
  assertLineRef,
  assertQuantity,
  assertSameCurrency,
  assertWithinMoneyLimit,
  requireOrderable,
  type CartLineRef,
} from './cart-rules';
import { type AuthoritativeCatalog } from './authoritative-catalog';
import { MAX_DISCOUNT_CODES, normalizeDiscountCode, type CartDiscounts } from './cart-discounts';
import { priceCart } from './pricing';

export interface CartServiceOptions {
  conn: Connection;
  carts: CartModel;
  /** Decides on the products and inventory subgraphs' current answers. */
  catalog: AuthoritativeCatalog;
  /** How long a guest cart lives after its owner's last change. */
  guestCartTtlMs: number;
  /** MAX_ORDER_TOTAL: the largest cart line and subtotal, in minor units. */
  maxOrderTotal?: number;
  /** Checks a discount code with the promotions subgraph before it is applied. */
  discounts?: CartDiscounts | null;
  /** The currency of an empty cart (CART_DEFAULT_CURRENCY). */
  defaultCurrency?: string;
  now?: () => Date;
}

/** What one change does to a cart: its new lines and notices, plus events besides `cart.updated`. */
interface CartPlan {
  items: CartLine[];
  removedItems: RemovedLine[];
  /** A change by the cart's holder (not the store) pushes a guest cart's expiry out. */
  byOwner: boolean;
  /** The applied discount codes after the change; absent: unchanged. */
  discountCodes?: string[];
  events?: (written: CartDoc) => DomainEvent<any>[];
  /** The catalog the change was decided on (the owners' answers), for every line it knows. */
  catalog?: Map<string, KnownProduct>;
  /** The orders whose lines the cart gave up after the change; absent: unchanged. */
  ordersTaken?: OrderTaken[];
}

/** Per cart a command wrote: the catalog it decided on (`catalogDecidedOn`). */
const decidedCatalogs = new WeakMap<CartDoc, Map<string, KnownProduct>>();

/**
 * The catalog the command that returned `cart` decided on: the cart's answer is priced from it,
 * showing the prices the change was made at without reading the projection again.
 */
export function catalogDecidedOn(cart: CartDoc): Map<string, KnownProduct> | undefined {
  return decidedCatalogs.get(cart);
}

function rememberCatalog(written: CartDoc, plan: CartPlan): CartDoc {
  if (plan.catalog) decidedCatalogs.set(written, plan.catalog);
  return written;
}

interface Located {
  cart: CartDoc;
  isNew: boolean;
}

/** A line of an order placed from a cart (`order.placed`). */
type OrderedLine = { productId: string; variantId?: string; quantity: number };

/** A concurrent writer changed the cart between our read and our write; read again and retry. */
class StaleCartError extends Error {
  constructor() {
    super('cart changed concurrently');
  }
}

const MAX_ATTEMPTS = 8;
/** Removal notices a cart keeps (newest) until its holder's next change. */
const MAX_NOTICES = 20;

export function newCartId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Business rules of carts. Every change is a compare-and-set on the cart's revision, written in
 * one transaction with its events, and retried from a fresh read when a concurrent change won.
 */
export class CartService {
  private readonly conn: Connection;
  private readonly carts: CartModel;
  private readonly catalog: AuthoritativeCatalog;
  private readonly guestCartTtlMs: number;
  private readonly maxOrderTotal: number;
  private readonly options: CartServiceOptions;
  private readonly now: () => Date;

  constructor(options: CartServiceOptions) {
    this.options = options;
    this.conn = options.conn;
    this.carts = options.carts;
    this.catalog = options.catalog;
    this.guestCartTtlMs = options.guestCartTtlMs;
    this.maxOrderTotal = options.maxOrderTotal ?? DEFAULT_MAX_ORDER_TOTAL;
    this.now = options.now ?? (() => new Date());
  }

  /** The caller's own cart (null if none yet), or a cart by id that the caller may see. */
  async get(viewer: Viewer | null, cartId?: string | null): Promise<CartDoc | null> {
    if (cartId != null) return this.findAccessible(viewer, cartId);
    if (!viewer) return null;
    return this.carts.findOne({ userId: viewer.id }).lean();
  }

  /** Without `variantId`, the product's default variant (whose id is the product's). */
  async addItem(viewer: Viewer | null, input: CartLineRef & { quantity: number }): Promise<CartDoc> {
    const key = assertLineRef(input);
    assertQuantity(input.quantity, { allowZero: false });
    return this.change(
      () => this.locate(viewer, input.cartId, { createGuest: true }),
      async (cart) => {
        const products = await this.catalog.load([key, ...cart.items.map(lineKey)]);
        const product = requireOrderable(products.get(key) ?? null, input.productId, input.productId);
        assertSameCurrency(product, cartCurrency(cart, products, key));
        const existing = cart.items.find((line) => lineKey(line) === key);
        const inCart = existing?.quantity ?? 0;
        assertLineQuantityFits(product, inCart + input.quantity, inCart);
        const variant = key === input.productId ? {} : { variantId: key };
        const items = existing
          ? cart.items.map((line) =>
              line === existing ? { ...line, quantity: inCart + input.quantity } : line,
            )
          : [
              ...cart.items,
              { productId: input.productId, ...variant, quantity: input.quantity, addedAt: this.now() },
            ];
        assertWithinMoneyLimit(items, products, this.maxOrderTotal, 'quantity');
        return {
          items,
          removedItems: [],
          byOwner: true,
          events: (written) => [cartItemAdded(written, input.productId, input.quantity)],
          catalog: products,
        };
      },
    );
  }

  /** Sets a line's quantity; 0 removes the line. Without `variantId`, the default variant's line. */
  async updateItem(viewer: Viewer | null, input: CartLineRef & { quantity: number }): Promise<CartDoc> {
    const key = assertLineRef(input);
    assertQuantity(input.quantity, { allowZero: true });
    if (input.quantity === 0) return this.removeItem(viewer, input);
    return this.change(
      () => this.locate(viewer, input.cartId, { createGuest: false }),
      async (cart) => {
        const existing = cart.items.find(
          (line) => lineKey(line) === key && line.productId === input.productId,
        );
        if (!existing) throw notFound('Cart item', { productId: input.productId, variantId: key });
        if (existing.quantity === input.quantity) return null;
        const products = await this.catalog.load(cart.items.map(lineKey));
        const product = requireOrderable(products.get(key) ?? null, input.productId);
        const items = cart.items.map((line) =>
          line === existing ? { ...line, quantity: input.quantity } : line,
        );
        // Lowering a quantity is always allowed, even below what is now available.
        if (input.quantity > existing.quantity) {
          assertLineQuantityFits(product, input.quantity, existing.quantity);
          assertWithinMoneyLimit(items, products, this.maxOrderTotal, 'quantity');
        }
        return {
          items,
          removedItems: [],
          byOwner: true,
          catalog: products,
        };
      },
    );
  }

  async removeItem(viewer: Viewer | null, input: CartLineRef): Promise<CartDoc> {
    const key = assertLineRef(input);
    const held = (line: CartLine) => lineKey(line) === key && line.productId === input.productId;
    return this.change(
      () => this.locate(viewer, input.cartId, { createGuest: false }),
      (cart) => {
        if (!cart.items.some(held)) return Promise.resolve(null);
        return Promise.resolve({
          items: cart.items.filter((line) => !held(line)),
          removedItems: [],
          byOwner: true,
        });
      },
    );
  }

  async clear(viewer: Viewer | null, cartId?: string | null): Promise<CartDoc> {
    return this.change(
      () => this.locate(viewer, cartId, { createGuest: false }),
      (cart) =>
        Promise.resolve(
          cart.items.length === 0 && cart.removedItems.length === 0
            ? null
            : { items: [], removedItems: [], byOwner: true },
        ),
    );
  }

  /**
   * Applies a discount code once the promotions subgraph says it applies to the cart as it is
   * (unknown, expired, used up, minimum not met: its BAD_USER_INPUT on `code`, nothing written).
   * A code already applied is a no-op.
   */
  async applyDiscountCode(
    viewer: Viewer | null,
    input: { cartId?: string | null; code: string },
  ): Promise<CartDoc> {
    return this.changeDiscountCodes(viewer, input, async (cart, codes, code) => {
      if (codes.includes(code)) return null;
      if (codes.length >= MAX_DISCOUNT_CODES)
        throw badUserInput(`A cart takes at most ${MAX_DISCOUNT_CODES} discount codes`, 'code');
      const products = await this.catalog.load(cart.items.map((line) => line.productId));
      const priced = priceCart(cart, products, this.options.defaultCurrency ?? 'USD');
      if (!this.options.discounts) throw badUserInput('Discount codes are not available', 'code');
      await this.options.discounts.quote(cart, priced, code);
      return [...codes, code];
    });
  }

  /** Takes a code off the cart; a code that is not applied is NOT_FOUND on `code`. */
  async removeDiscountCode(
    viewer: Viewer | null,
    input: { cartId?: string | null; code: string },
  ): Promise<CartDoc> {
    return this.changeDiscountCodes(viewer, input, (_cart, codes, code) => {
      if (!codes.includes(code)) throw notFound('Discount code on the cart', { field: 'code', code });
      return Promise.resolve(codes.filter((applied) => applied !== code));
    });
  }

  /**
   * The caller's cart with other discount codes and the same lines: `decide` gets the code as
   * normalised and the codes applied now, and returns the new list (null: nothing to change).
   */
  private changeDiscountCodes(
    viewer: Viewer | null,
    input: { cartId?: string | null; code: string },
    decide: (cart: CartDoc, codes: string[], code: string) => Promise<string[] | null>,
  ): Promise<CartDoc> {
    const code = normalizeDiscountCode(input.code);
    return this.change(
      () => this.locate(viewer, input.cartId, { createGuest: false }),
      async (cart) => {
        const discountCodes = await decide(cart, cart.discountCodes ?? [], code);
        return discountCodes && { items: cart.items, removedItems: [], byOwner: true, discountCodes };
      },
    );
  }

  /**
   * Moves a guest cart's lines into the signed-in caller's cart and deletes the guest cart, in one
   * transaction. Quantities add up, capped by the line limit and by what is available (a line the
   * customer already had is never lowered); a product with nothing left, archived, or priced in
   * another currency is reported in `removedItems` instead.
   */
  async merge(viewer: Viewer | null, guestCartId: string): Promise<CartDoc> {
    const customer = requireViewer({ viewer });
    if (typeof guestCartId !== 'string' || guestCartId === '')
      throw badUserInput('guestCartId is required', 'guestCartId');
    for (let attempt = 1; ; attempt++) {
      const guest = await this.findAccessible(customer, guestCartId);
      if (guest.userId !== undefined) {
        // Merging a customer's cart into itself (or into another) is not a thing.
        throw badUserInput('guestCartId must be a guest cart', 'guestCartId');
      }
      const own = await this.locate(customer, null, { createGuest: false });
      const plan = await this.planMerge(own.cart, guest);
      try {
        return await inTransaction(this.conn, async (session, outbox) => {
          const written = await this.write(own, plan, { session, outbox });
          const deleted = await this.carts.deleteOne(
            { _id: guest._id, revision: guest.revision },
            { session },
          );
          if (deleted.deletedCount !== 1) throw new StaleCartError();
          outbox.add(cartDeleted(guest, guest.revision + 1));
          return written;
        }).then((written) => rememberCatalog(written, plan));
      } catch (error) {
        if ((error instanceof StaleCartError || isDuplicateKeyError(error)) && attempt < MAX_ATTEMPTS)
          continue;
        throw error;
      }
    }
  }

  private async planMerge(own: CartDoc, guest: CartDoc): Promise<CartPlan> {
    const products = await this.catalog.load([...own.items, ...guest.items].map(lineKey));
    let currency = cartCurrency(own, products);
    const items = own.items.map((line) => ({ ...line }));
    const removedItems: RemovedLine[] = [];
    const now = this.now();
    for (const line of guest.items) {
      const product = products.get(lineKey(line));
      const removal = (reason: RemovedLine['reason']): RemovedLine => ({
        productId: line.productId,
        ...(line.variantId ? { variantId: line.variantId } : {}),
        name: product?.name ?? line.productId,
        quantity: line.quantity,
        reason,
        removedAt: now,
      });
      if (!product || !product.active) {
        removedItems.push(removal('ARCHIVED'));
        continue;
      }
      if (currency !== null && product.currency !== currency) {
        removedItems.push(removal('CURRENCY_MISMATCH'));
        continue;
      }
      const mine = items.find((candidate) => lineKey(candidate) === lineKey(line));
      const had = mine?.quantity ?? 0;
      const merged = Math.max(had, Math.min(had + line.quantity, MAX_LINE_QUANTITY, product.available));
      if (merged === 0) {
        removedItems.push(removal('OUT_OF_STOCK'));
        continue;
      }
      if (mine) mine.quantity = merged;
      else items.push({ ...line, quantity: merged });
      currency ??= product.currency;
    }
    assertWithinMoneyLimit(items, products, this.maxOrderTotal, 'guestCartId');
    return { items, removedItems, byOwner: true, catalog: products };
  }

  /**
   * Takes an archived product out of every cart that holds it and notes it in `removedItems`.
   * Runs inside the event handler's transaction.
   */
  async dropArchivedProduct(
    product: { productId: string; name: string },
    session: ClientSession,
    outbox: Outbox,
  ): Promise<number> {
    const holding = await this.carts.find({ 'items.productId': product.productId }).session(session).lean();
    const now = this.now();
    for (const cart of holding) {
      // Every variant of the product goes.
      const lines = cart.items.filter((candidate) => candidate.productId === product.productId);
      if (lines.length === 0) continue;
      const plan: CartPlan = {
        items: cart.items.filter((candidate) => !lines.includes(candidate)),
        removedItems: [
          ...cart.removedItems,
          ...lines.map((line) => ({
            productId: product.productId,
            ...(line.variantId ? { variantId: line.variantId } : {}),
            name: product.name,
            quantity: line.quantity,
            reason: 'ARCHIVED' as const,
            removedAt: now,
          })),
        ].slice(-MAX_NOTICES),
        byOwner: false,
      };
      await this.write({ cart, isNew: false }, plan, { session, outbox });
    }
    return holding.length;
  }

  /**
   * The order placed from a cart takes its lines out of the cart. Only the ordered quantities are
   * taken, so a line added after checkout stays. One write of the cart, carrying its `cart.updated`
   * (no transaction).
   *
   * Idempotent by the cart's own state, without a processed-event record: the write that takes
   * the lines also records the order in `ordersTaken`, so a redelivered `order.placed` finds its
   * order there and writes nothing (null). Two deliveries at once both read the cart without it
   * and write with a compare-and-set of its revision: one writes, the other reads again and finds
   * the order recorded. The record is kept as long as the bus's processed records
   * (PROCESSED_RETENTION_SECONDS), the span a duplicate can arrive in.
   * Returns the cart as written, or null when the order was already taken (or the cart is gone).
   */
  async removeOrderedLines(order: {
    orderId: string;
    cartId: string;
    lines: readonly OrderedLine[];
  }): Promise<CartDoc | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.takeOrderedLines(order);
      } catch (error) {
        // A lost race with the holder's own change of the cart: read it again.
        if (error instanceof StaleCartError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  private async takeOrderedLines(order: {
    orderId: string;
    cartId: string;
    lines: readonly OrderedLine[];
  }): Promise<CartDoc | null> {
    const cart = await this.carts.findById(order.cartId).lean();
    if (!cart || cart.ordersTaken?.some((taken) => taken.orderId === order.orderId)) return null;
    const ordered = new Map<string, number>();
    for (const line of order.lines)
      ordered.set(lineKey(line), (ordered.get(lineKey(line)) ?? 0) + line.quantity);
    const items = cart.items
      .map((line) => ({ ...line, quantity: line.quantity - (ordered.get(lineKey(line)) ?? 0) }))
      .filter((line) => line.quantity > 0);
    const now = this.now();
    const keptSince = now.getTime() - PROCESSED_RETENTION_SECONDS * 1000;
    const ordersTaken = [
      ...(cart.ordersTaken ?? []).filter((taken) => taken.at.getTime() > keptSince),
      { orderId: order.orderId, at: now },
    ];
    const codes = cart.discountCodes ?? [];
    if (
      codes.length === 0 &&
      items.length === cart.items.length &&
      items.every((line, i) => line.quantity === cart.items[i]?.quantity)
    ) {
      // Nothing to take (the holder removed the lines first): the cart does not change (no
      // revision, no cart.updated), but the order is recorded all the same, so that a redelivery
      // does not take a line of the same product added later.
      const recorded = await this.carts.updateOne(
        { _id: cart._id, revision: cart.revision },
        { $set: { ordersTaken } },
      );
      if (recorded.matchedCount !== 1) throw new StaleCartError();
      return cart;
    }
    // The order took the cart's discount codes with its lines (a per-customer code is used up).
    return this.write(
      { cart, isNew: false },
      { items, removedItems: cart.removedItems, byOwner: false, discountCodes: [], ordersTaken },
      null,
    );
  }

  /** A cart by id, if the caller may see it: any holder of a guest cart's id, only the owner of a customer's cart. */
  private async findAccessible(viewer: Viewer | null, cartId: string): Promise<CartDoc> {
    const cart = await this.carts.findById(cartId).lean();
    const expired = cart?.expiresAt !== undefined && cart.expiresAt <= this.now();
    // Another customer's cart is reported exactly like an unknown one: an id reveals nothing.
    if (!cart || expired || (cart.userId !== undefined && cart.userId !== viewer?.id))
      throw notFound('Cart', { cartId });
    return cart;
  }

  private async locate(
    viewer: Viewer | null,
    cartId: string | null | undefined,
    { createGuest }: { createGuest: boolean },
  ): Promise<Located> {
    if (cartId != null) return { cart: await this.findAccessible(viewer, cartId), isNew: false };
    if (viewer) {
      const own = await this.carts.findOne({ userId: viewer.id }).lean();
      return own ? { cart: own, isNew: false } : { cart: this.blankCart(viewer.id), isNew: true };
    }
    if (createGuest) return { cart: this.blankCart(undefined), isNew: true };
    throw badUserInput('cartId is required without signing in', 'cartId');
  }

  private blankCart(userId: string | undefined): CartDoc {
    const now = this.now();
    return {
      _id: newCartId(),
      ...(userId !== undefined ? { userId } : {}),
      items: [],
      removedItems: [],
      revision: 0,
      createdAt: now,
      updatedAt: now,
      ...(userId === undefined ? { expiresAt: new Date(now.getTime() + this.guestCartTtlMs) } : {}),
    };
  }

  private async change(
    locate: () => Promise<Located>,
    plan: (cart: CartDoc) => Promise<CartPlan | null>,
  ): Promise<CartDoc> {
    for (let attempt = 1; ; attempt++) {
      const located = await locate();
      const planned = await plan(located.cart);
      if (!planned && !located.isNew) return located.cart;
      const effective = planned ?? { items: located.cart.items, removedItems: [], byOwner: true };
      try {
        const written = await this.write(located, effective, null);
        return rememberCatalog(written, effective);
      } catch (error) {
        // A lost race: another request wrote this cart, or created the customer's cart, first.
        if ((error instanceof StaleCartError || isDuplicateKeyError(error)) && attempt < MAX_ATTEMPTS)
          continue;
        throw error;
      }
    }
  }

  /**
   * Writes one cart with a compare-and-set of its revision, and its events: inside `tx`, the
   * transaction of a change to several documents, to its outbox; without, on the cart itself
   * (`DocumentEvents`), in the same single write.
   */
  private async write(
    { cart, isNew }: Located,
    plan: CartPlan,
    tx: { session: ClientSession; outbox: Outbox } | null,
  ): Promise<CartDoc> {
    const now = this.now();
    const isGuest = cart.userId === undefined;
    const next: CartDoc = {
      ...cart,
      items: plan.items,
      removedItems: plan.removedItems,
      ...(plan.discountCodes ? { discountCodes: plan.discountCodes } : {}),
      ...(plan.ordersTaken ? { ordersTaken: plan.ordersTaken } : {}),
      revision: cart.revision + 1,
      updatedAt: now,
      ...(isGuest && plan.byOwner ? { expiresAt: new Date(now.getTime() + this.guestCartTtlMs) } : {}),
    };
    const events = [cartUpdated(next), ...(plan.events?.(next) ?? [])];
    const onCart = tx ? null : new DocumentEvents(events);
    const session = tx?.session;
    // Last before the write that makes it: a cart change the caller was already told timed out is
    // not made (in a transaction, last before the commit, below).
    if (onCart) assertBeforeDeadline('the cart was changed');
    if (isNew) {
      await this.carts.create([{ ...next, ...onCart?.inserted() }], { session });
    } else {
      const set = {
        $set: {
          items: next.items,
          removedItems: next.removedItems,
          ...(plan.discountCodes ? { discountCodes: plan.discountCodes } : {}),
          ...(plan.ordersTaken ? { ordersTaken: plan.ordersTaken } : {}),
          revision: next.revision,
          updatedAt: next.updatedAt,
          ...(next.expiresAt ? { expiresAt: next.expiresAt } : {}),
        },
      };
      const result = await this.carts.updateOne(
        { _id: cart._id, revision: cart.revision },
        onCart ? onCart.update(set) : set,
        { session },
      );
      if (result.matchedCount !== 1) throw new StaleCartError();
    }
    if (tx) {
      tx.outbox.add(...events);
      assertBeforeDeadline('the cart was changed');
    }
    onCart?.written(this.conn, CARTS_COLLECTION, next._id);
    return next;
  }
}

/**
 * The currency a cart is priced in: that of its lines (ignoring `except`, the line being
 * changed), or null for a cart with no other priced line.
 */
export function cartCurrency(
  cart: CartDoc,
  products: Map<string, KnownProduct>,
  except?: string,
): string | null {
  for (const line of cart.items) {
    if (lineKey(line) === except) continue;
    const product = products.get(lineKey(line));
    if (product) return product.currency;
  }
  return null;
}
