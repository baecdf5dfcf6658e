import { createHash, randomBytes } from 'node:crypto';
import { type Connection } from 'mongoose';
import { DocumentEvents } from '@novamart/events';
import {
  appError,
  assertBeforeDeadline,
  assertMoneyWithin,
  badUserInput,
  conflict,
  DEFAULT_MAX_ORDER_TOTAL,
  ErrorCode,
  notFound,
  runSteps,
  type Viewer,
  isDuplicateKeyError,
  defaultShippingCharge,
  type DefaultShippingRule,
} from '@novamart/kit';
import { type CartSnapshotDoc, type CartSnapshotModel } from '../models/cart-snapshot';
import { type CatalogPriceDoc, type CatalogPriceModel } from '../models/catalog-price';
import { type CustomerModel } from '../models/customer';
import { ORDERS_COLLECTION, type OrderDoc, type OrderLine, type OrderModel } from '../models/order';
import {
  normalizeAddress,
  normalizeEmail,
  normalizeIdempotencyKey,
  normalizeShippingMethodCode,
  type CheckoutInput,
} from './checkout-input';
import { orderPlaced } from './order-events';
import { withDiscounts, type OrderDiscounts, type Redeemed } from './order-discounts';
import { type OwnerRefresh } from './owner-refresh';
import { ShippingQuotes, type ShippingAndTax } from './shipping-quote';
import { orderTotals, type OrderTotals } from './totals';

export interface CheckoutServiceOptions {
  conn: Connection;
  orders: OrderModel;
  carts: CartSnapshotModel;
  prices: CatalogPriceModel;
  customers: CustomerModel;
  shipping: DefaultShippingRule;
  /** Brings the cart and its products up to their owners' answers before checkout decides; absent in service tests. */
  refresh?: OwnerRefresh | null;
  /** The shipping subgraph's price of the chosen method and the order's tax; absent: the flat rule, untaxed. */
  quotes?: ShippingQuotes;
  /** MAX_ORDER_TOTAL: the largest line and order total, in minor units. */
  maxOrderTotal?: number;
  /** Redeems the cart's discount codes and automatic promotions; absent: no discounts (service tests). */
  discounts?: OrderDiscounts | null;
  now?: () => Date;
}

/** A checkout's input as normalised, and who asks. */
interface CheckoutRequest {
  viewer: Viewer | null;
  cartId: string | null;
  authorization: string | undefined;
  email: string | null;
  shippingAddress: OrderDoc['shippingAddress'];
  shippingMethodCode: string | null;
  billingAddress: OrderDoc['shippingAddress'];
  callerKey: string;
  idempotencyKey: string;
  requestHash: string;
}

/** A unique index refused the order: one holds the caller's key, or these cart lines. */
class AlreadyOrdered extends Error {
  readonly cartId: string;
  readonly cartRevision: number;

  constructor(order: OrderDoc, cause: unknown) {
    super('an order holds this key or these cart lines', { cause });
    this.cartId = order.cartId;
    this.cartRevision = order.cartRevision;
  }
}

/** The variant a cart line holds: its own, or the product's default variant (the product's id). */
function lineVariantId(line: { productId: string; variantId?: string }): string {
  return line.variantId ?? line.productId;
}

export function newOrderId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Turns a cart into an order: one insert, the order carrying its `order.placed` (`DocumentEvents`),
 * no transaction and no read beforehand. Two unique indexes of the orders decide what a read and
 * a transaction would have: (callerKey, idempotencyKey), so the same key from the same caller
 * always answers with the one order it made (a retry or a concurrent duplicate loses there and
 * reads the winner), and (cartId, cartRevision), so a revision of a cart is ordered once, whatever
 * the key (another key loses there with CONFLICT).
 */
export class CheckoutService {
  private readonly options: CheckoutServiceOptions;
  private readonly now: () => Date;

  constructor(options: CheckoutServiceOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
  }

  /** `authorization`: the caller's own header, with which the cart subgraph is asked for their cart. */
  async checkout(
    viewer: Viewer | null,
    input: CheckoutInput,
    { authorization }: { authorization?: string } = {},
  ): Promise<OrderDoc> {
    const idempotencyKey = normalizeIdempotencyKey(input?.idempotencyKey);
    const shippingAddress = normalizeAddress(input.shippingAddress);
    const billingAddress =
      input.billingAddress == null ? null : normalizeAddress(input.billingAddress, 'input.billingAddress');
    const email = normalizeEmail(input.email);
    const shippingMethodCode = normalizeShippingMethodCode(input.shippingMethodCode);
    const cartId = input.cartId == null || input.cartId === '' ? null : String(input.cartId);
    if (!viewer && cartId === null)
      throw badUserInput('cartId is required for a guest checkout', 'input.cartId');
    if (!viewer && email === null)
      throw badUserInput('email is required for a guest checkout', 'input.email');

    // A guest is known by the cart they hold; its id is their bearer token.
    const callerKey = viewer ? `user:${viewer.id}` : `cart:${cartId}`;
    const requestHash = createHash('sha256')
      // The method and the billing address join the hash only when given, so keys used before they
      // existed still match.
      .update(
        JSON.stringify({
          cartId,
          shippingAddress,
          email,
          shippingMethodCode: shippingMethodCode ?? undefined,
          ...(billingAddress ? { billingAddress } : {}),
        }),
      )
      .digest('base64url');

    const request: CheckoutRequest = {
      viewer,
      cartId,
      authorization,
      email,
      shippingAddress,
      shippingMethodCode,
      billingAddress: billingAddress ?? shippingAddress,
      callerKey,
      idempotencyKey,
      requestHash,
    };
    try {
      return await this.attempt(request);
    } catch (error) {
      // Whatever refused the attempt (the key's unique index, the cart emptied by the order or
      // its lines already ordered, a discount's last use), an order may hold the key: a retry of
      // this checkout, or a concurrent duplicate that won. That order is the answer.
      const existing = await this.options.orders.findOne({ callerKey, idempotencyKey }).lean();
      if (existing) return this.replay(existing, requestHash);
      if (error instanceof AlreadyOrdered) return this.otherKeysOrder(error);
      throw error;
    }
  }

  /**
   * The attempt: the cart and its products as their owners answer, the order built from them, and
   * placed. No read of the key first: a first checkout finds no order holding it, and a retry
   * (or a concurrent duplicate) is refused by the key's unique index or finds its cart emptied by
   * the order, and `checkout` then answers the order holding the key.
   */
  private async attempt(request: CheckoutRequest): Promise<OrderDoc> {
    const { viewer, cartId } = request;
    const refresh = this.options.refresh;
    // The snapshot and catalog rows as the owners' answers left them; without a refresh (or
    // when the projection held newer), read from the projections.
    const refreshed = refresh ? await refresh.refreshCart(viewer, cartId, request.authorization) : null;
    const cart = this.checkCart(viewer, cartId, refreshed ?? (await this.findCart(viewer, cartId)));
    const rows = refresh ? await refresh.refreshProducts(cart.lines.map(lineVariantId)) : null;
    const order = await this.buildOrder({ ...request, cart, rows });
    return this.place(cart, order, viewer, request.shippingMethodCode);
  }

  /**
   * Redeems the order's discounts (promotions subgraph), then writes the order. When the write is
   * refused the redemption's compensation gives the uses back.
   */
  private async place(
    cart: CartSnapshotDoc,
    built: OrderDoc,
    viewer: Viewer | null,
    shippingMethodCode: string | null,
  ): Promise<OrderDoc> {
    const { discounts } = this.options;
    const outcome = await runSteps(async (run) => {
      let order = built;
      if (discounts) {
        const redeemed = await run(discounts.redeemStep, {
          order: built,
          codes: cart.discountCodes ?? [],
          userId: viewer?.id ?? null,
        });
        if (redeemed.discounts.length > 0) {
          const { priced, totals } = await this.priceOrder(built, shippingMethodCode, redeemed);
          order = withDiscounts(built, redeemed, priced, totals);
        }
      }
      return this.insert(order);
    });
    if (!outcome.ok) throw outcome.refused;
    return outcome.value;
  }

  /**
   * The order and its `order.placed` in one insert. A unique index refusing it is told to
   * `checkout` as `AlreadyOrdered`: the order holding the key is the answer, or another key took
   * these lines.
   */
  private async insert(order: OrderDoc): Promise<OrderDoc> {
    const events = new DocumentEvents([orderPlaced(order)]);
    // The last check before the write: when the gateway has already answered the client with a
    // timeout, the order must not appear behind its back.
    assertBeforeDeadline('the order was placed');
    try {
      await this.options.orders.create([{ ...order, ...events.inserted() }]);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new AlreadyOrdered(order, error);
      throw error;
    }
    events.written(this.options.conn, ORDERS_COLLECTION, order._id);
    return order;
  }

  /** No order holds the caller's key, so the cart revision's index refused: CONFLICT naming that order. */
  private async otherKeysOrder(refused: AlreadyOrdered): Promise<never> {
    const { cartId, cartRevision } = refused;
    const taken = await this.options.orders.findOne({ cartId, cartRevision }).select({ _id: 1 }).lean();
    if (!taken) throw refused.cause;
    throw conflict('These cart lines were already ordered', { cartId, orderId: taken._id });
  }

  private replay(order: OrderDoc, requestHash: string): OrderDoc {
    if (order.requestHash !== requestHash) {
      throw conflict('This idempotencyKey was already used for a different checkout', { orderId: order._id });
    }
    return order;
  }

  private async findCart(viewer: Viewer | null, cartId: string | null): Promise<CartSnapshotDoc | null> {
    const { carts } = this.options;
    return cartId !== null
      ? carts.findById(cartId).lean()
      : carts.findOne({ userId: viewer?.id, deleted: false }).lean();
  }

  /** The cart checkout may order: the caller's, not empty, its revision not ordered yet. */
  private checkCart(
    viewer: Viewer | null,
    cartId: string | null,
    cart: CartSnapshotDoc | null,
  ): CartSnapshotDoc {
    if (
      cartId !== null &&
      (!cart || cart.deleted || (cart.userId !== undefined && cart.userId !== viewer?.id))
    ) {
      throw notFound('Cart', { cartId });
    }
    if (!cart || cart.lines.length === 0) throw badUserInput('The cart is empty', 'input.cartId');
    return cart;
  }

  private async buildOrder(
    args: CheckoutRequest & {
      cart: CartSnapshotDoc;
      /** The catalog rows the refresh left (null: read them from the projection). */
      rows: Map<string, CatalogPriceDoc> | null;
    },
  ): Promise<OrderDoc> {
    const { viewer, cart } = args;
    const email =
      args.email ?? (viewer ? (await this.options.customers.findById(viewer.id).lean())?.email : null);
    if (!email) throw badUserInput('email is required: the account email is not known yet', 'input.email');

    const items = await this.priceLines(cart.lines, args.rows);
    const currency = items.currency;
    // Bounded before anything is written: an order the API cannot show must never exist.
    const max = this.options.maxOrderTotal ?? DEFAULT_MAX_ORDER_TOTAL;
    for (const line of items.lines) {
      assertMoneyWithin(
        line.unitAmount * line.quantity,
        max,
        'input.cartId',
        `${line.quantity} × ${line.name}`,
      );
    }
    const { priced, totals } = await this.priceOrder(
      { items: items.lines, currency, shippingAddress: args.shippingAddress },
      args.shippingMethodCode,
      null,
    );
    assertMoneyWithin(totals.total, max, 'input.cartId', 'The order total');
    const now = this.now();
    return {
      _id: newOrderId(),
      ...(viewer ? { userId: viewer.id } : {}),
      email,
      callerKey: args.callerKey,
      idempotencyKey: args.idempotencyKey,
      requestHash: args.requestHash,
      cartId: cart._id,
      cartRevision: cart.revision,
      items: items.lines,
      currency,
      subtotal: totals.subtotal,
      shippingCost: totals.shippingCost,
      shippingMethod: priced.method,
      taxLines: priced.taxLines,
      taxTotal: totals.taxTotal,
      pricesIncludeTax: priced.pricesIncludeTax,
      total: totals.total,
      shippingAddress: args.shippingAddress,
      billingAddress: args.billingAddress,
      status: 'PENDING',
      statusHistory: [{ status: 'PENDING', reason: 'Order placed', at: now }],
      refunds: [],
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
  }

  /**
   * The shipping and tax quote of an order's lines and its totals, after `redeemed` discounts
   * (null: before any). Checkout prices twice, as the cart does (docs/architecture.md, "Totals"):
   * before discounts (the shipping charge promotions are redeemed against), then, when something
   * was discounted, on the discounted lines.
   */
  private async priceOrder(
    order: Pick<OrderDoc, 'items' | 'currency' | 'shippingAddress'>,
    shippingMethodCode: string | null,
    redeemed: Redeemed | null,
  ): Promise<{ priced: ShippingAndTax; totals: OrderTotals }> {
    const amounts = order.items.map((line) => line.unitAmount * line.quantity);
    const subtotal = amounts.reduce((sum, amount) => sum + amount, 0);
    const priced = await (this.options.quotes ?? new ShippingQuotes(null)).quote({
      lines: order.items,
      discounts: redeemed?.lineDiscounts,
      freeShipping: redeemed?.discounts.some((discount) => discount.freeShipping) ?? false,
      currency: order.currency,
      address: order.shippingAddress,
      shippingMethodCode,
      defaultShippingCost: defaultShippingCharge(subtotal, this.options.shipping),
    });
    const totals = orderTotals({
      lines: amounts.map((amount, index) => ({ amount, discount: redeemed?.lineDiscounts[index] ?? 0 })),
      shippingCost: priced.shippingCost,
      shippingDiscount: priced.shippingDiscount,
      tax: priced,
    });
    return { priced, totals };
  }

  /** Snapshots each line at the catalog's current price; unknown or archived products block checkout. */
  private async priceLines(
    lines: CartSnapshotDoc['lines'],
    rows: Map<string, CatalogPriceDoc> | null,
  ): Promise<{ lines: OrderLine[]; currency: string }> {
    // Rows the refresh did not bring (the owner did not answer for them) come from the projection.
    const products = new Map(rows);
    const missing = [...new Set(lines.map(lineVariantId))].filter((id) => !products.has(id));
    if (missing.length > 0)
      for (const doc of await this.options.prices.find({ _id: { $in: missing } }).lean())
        products.set(doc._id, doc);
    const priced: OrderLine[] = [];
    let currency: string | null = null;
    for (const line of lines) {
      const product = products.get(lineVariantId(line));
      if (
        !product ||
        product.sku == null ||
        product.name == null ||
        product.priceAmount == null ||
        product.currency == null
      ) {
        throw appError(ErrorCode.NOT_FOUND, 'A product in the cart is not in the catalog', {
          productId: line.productId,
          field: 'input.cartId',
        });
      }
      if (product.active === false) {
        throw appError(ErrorCode.NOT_FOUND, `${product.name} is no longer sold; remove it from the cart`, {
          productId: line.productId,
          reason: 'ARCHIVED',
          field: 'input.cartId',
        });
      }
      currency ??= product.currency;
      if (product.currency !== currency) {
        throw badUserInput('The cart mixes currencies', 'input.cartId', { productId: line.productId });
      }
      priced.push({
        productId: line.productId,
        variantId: lineVariantId(line),
        variantTitle: product.variantTitle ?? 'Default',
        selectedOptions: product.selectedOptions ?? [],
        sku: product.sku,
        name: product.name,
        quantity: line.quantity,
        unitAmount: product.priceAmount,
        taxClass: product.taxClass ?? 'STANDARD',
        weightGrams: product.weightGrams ?? 0,
      });
    }
    return { lines: priced, currency: currency ?? 'USD' };
  }
}
