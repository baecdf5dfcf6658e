import { z } from 'zod';

/**
 * The domain events NovaMart's subgraphs publish, payload version 1: one zod schema per event type.
 * The TypeScript payload types are inferred from these schemas (`EventPayload<'order.placed'>`),
 * so producers (`createEvent`), consumers (`ConsumerDeclaration` handlers) and the validation at
 * the consumer boundary (`validateEvent`) share this one definition. docs/architecture.md,
 * "Domain events", describes what each field means.
 *
 * A field stays required only when its producer always writes it; additions are backward
 * compatible (a consumer ignores keys it does not know), so a new field is `.optional()` until
 * every producer in a deployment writes it.
 */

const id = z.string().min(1);
/** Integer minor units, as everywhere (docs/architecture.md, "Money"). */
const minorUnits = z.number().int();
const currency = z.string().min(1);
const isoTime = z.string();
const nullableString = z.string().nullable();
/** The roles a user can hold; the kit re-exports them for authorization (`requireRole`). */
export const ROLES = ['CUSTOMER', 'SUPPORT', 'FINANCE', 'DISPATCHER', 'ADMIN'] as const;
const role = z.enum(ROLES);

export const cancellationCodes = [
  'OUT_OF_STOCK',
  'RESERVATION_EXPIRED',
  'CUSTOMER',
  'ADMIN',
  'PAYMENT_REJECTED',
] as const;

const selectedOption = z.object({ name: z.string(), value: z.string() });

/** One sellable variant of a product; the default variant's id is the product's id. */
const variantSnapshot = z.object({
  variantId: id,
  sku: z.string(),
  title: z.string(),
  /** The variant's price (its own, or the product's when it has none). */
  priceAmount: minorUnits,
  selectedOptions: z.array(selectedOption),
  /** Tax and shipping facts of the variant (absent on older events: STANDARD, weight unknown). */
  taxClass: z.enum(['STANDARD', 'REDUCED', 'ZERO']).optional(),
  weightGrams: z.number().int().nonnegative().nullable().optional(),
});

const productSnapshot = z.object({
  productId: id,
  sku: z.string(),
  slug: z.string(),
  name: z.string(),
  priceAmount: minorUnits,
  currency,
  categorySlug: nullableString,
  active: z.boolean(),
  /** Every variant of the product (added with variants: absent on older events). */
  variants: z.array(variantSnapshot).optional(),
});

/** `variantId` absent (older events, products without options): the product's default variant. */
const quantityLine = z.object({ productId: id, variantId: id.optional(), quantity: z.number().int() });

/**
 * A shipped or returned line: `amount` is its net amount (its share of the line's price, discounts
 * and tax). `variantId` absent (older events): the product's default variant.
 */
const fulfilmentLine = z.object({
  productId: id,
  variantId: id.optional(),
  sku: z.string(),
  quantity: z.number().int().positive(),
  amount: minorUnits,
});
const returnFacts = { returnId: id, orderId: id, userId: nullableString };

const paymentFacts = { paymentId: id, orderId: id, userId: nullableString };
const refundFacts = {
  refundId: id,
  paymentId: id,
  orderId: id,
  userId: nullableString,
  amount: minorUnits,
  currency,
};

export const eventSchemas = {
  'user.registered': z.object({
    userId: id,
    email: z.string(),
    name: nullableString,
    role,
    /** Null for the administrator bootstrapped from ADMIN_EMAIL, whose address needs no verification. */
    verificationCode: nullableString,
    codeExpiresAt: nullableString,
  }),
  'user.email_verified': z.object({ userId: id, email: z.string(), name: nullableString }),
  'user.role_changed': z.object({
    userId: id,
    email: z.string(),
    role,
    previousRole: role,
    /** The administrator who changed it; null for ADMIN_EMAIL's bootstrap. Absent on older events. */
    changedBy: nullableString.optional(),
  }),
  'user.verification_requested': z.object({
    userId: id,
    email: z.string(),
    name: nullableString,
    verificationCode: z.string(),
    codeExpiresAt: isoTime,
  }),
  'user.password_reset_requested': z.object({
    userId: id,
    email: z.string(),
    name: nullableString,
    resetToken: z.string(),
    expiresAt: isoTime,
  }),
  /** The holder changed the account's password (changePassword); notifications tells the owner. */
  'user.password_changed': z.object({
    userId: id,
    email: z.string(),
    name: nullableString,
    changedAt: isoTime,
  }),
  /** The holder set (or, with null, removed) the account's phone number (E.164); notifications sends SMS there. */
  'user.phone_changed': z.object({ userId: id, phone: nullableString }),
  /** The holder put a product on their wishlist (users owns it); recommendations counts a WISHLIST interaction. */
  'user.wishlist_item_added': z.object({ userId: id, productId: id, addedAt: isoTime }),
  'user.wishlist_item_removed': z.object({ userId: id, productId: id }),

  'product.created': productSnapshot.extend({ initialStock: z.number().int().nullable() }),
  'product.updated': productSnapshot,
  'product.price_changed': z.object({
    productId: id,
    previousAmount: minorUnits,
    amount: minorUnits,
    currency,
  }),
  'product.archived': productSnapshot,

  'inventory.reserved': z.object({
    orderId: id,
    reservationId: id,
    lines: z.array(quantityLine),
    expiresAt: nullableString,
  }),
  'inventory.reservation_failed': z.object({
    orderId: id,
    reason: z.literal('OUT_OF_STOCK'),
    lines: z.array(
      z.object({
        productId: id,
        variantId: id.optional(),
        requested: z.number().int(),
        available: z.number().int(),
      }),
    ),
  }),
  'inventory.reservation_expired': z.object({ orderId: id, reservationId: id }),
  'inventory.reservation_committed': z.object({ orderId: id, reservationId: id }),
  'inventory.reservation_released': z.object({ orderId: id, reservationId: id, reason: z.string() }),
  'inventory.stock_changed': z.object({
    productId: id,
    /** The variant whose stock this is (absent on older events: the default variant). */
    variantId: id.optional(),
    /** Available over all the product's variants after the change (absent on older events). */
    productAvailable: z.number().int().optional(),
    /**
     * Available over all the product's variants before the change (absent on older events): with
     * `productAvailable`, whether the product went in or out of stock, so that a projection of
     * that alone can skip the write of a change that did neither.
     */
    previousProductAvailable: z.number().int().optional(),
    available: z.number().int(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    reorderLevel: z.number().int(),
  }),
  'inventory.low_stock': z.object({
    productId: id,
    /** Null while inventory has not heard of the product (stock adjusted before `product.created`). */
    sku: nullableString,
    name: nullableString,
    available: z.number().int(),
    reorderLevel: z.number().int(),
    /** How many units to reorder (null until an admin sets it). Absent on older events. */
    reorderQuantity: z.number().int().nullable().optional(),
  }),

  'order.placed': z.object({
    orderId: id,
    userId: nullableString,
    email: z.string(),
    /**
     * The cart the lines came from; the cart subgraph takes them out of it. Added with the
     * checkout: absent on older events.
     */
    cartId: z.string().nullish(),
    lines: z.array(
      z.object({
        productId: id,
        /** Absent on older events: the product's default variant. */
        variantId: id.optional(),
        variantTitle: z.string().optional(),
        selectedOptions: z.array(selectedOption).optional(),
        sku: z.string(),
        name: z.string(),
        quantity: z.number().int().positive(),
        unitAmount: minorUnits,
      }),
    ),
    subtotal: minorUnits,
    shippingCost: minorUnits,
    /** The order's tax (added with shipping and tax): absent on older events. */
    taxTotal: minorUnits.optional(),
    /** Whether `subtotal` already includes `taxTotal`; if not, `total` adds it. */
    pricesIncludeTax: z.boolean().optional(),
    /** subtotal − discountTotal + shippingCost − shippingDiscount, plus taxTotal unless pricesIncludeTax. */
    total: minorUnits,
    currency,
    /** Promotions redeemed at checkout (added with promotions: absent when none, and on older events). */
    discountTotal: minorUnits.optional(),
    shippingDiscount: minorUnits.optional(),
  }),
  'order.status_changed': z.object({
    orderId: id,
    userId: nullableString,
    email: z.string(),
    status: z.string(),
    previousStatus: nullableString,
    reason: nullableString,
    at: isoTime,
  }),
  'order.paid': z.object({
    orderId: id,
    userId: nullableString,
    paymentId: nullableString,
    lines: z.array(quantityLine),
  }),
  'order.shipped': z.object({
    orderId: id,
    userId: nullableString,
    email: z.string(),
    carrier: nullableString,
    trackingNumber: nullableString,
    /**
     * The shipments that shipped the order (each announced by its own `shipment.created`, which
     * notifications mails as ORDER_SHIPPED). Absent on events from before shipments existed.
     */
    shipmentIds: z.array(id).optional(),
  }),
  'order.delivered': z.object({ orderId: id, userId: nullableString }),
  'order.cancelled': z.object({
    orderId: id,
    userId: nullableString,
    email: z.string(),
    reason: z.string(),
    /** A payment succeeded for the order: payments refunds it. */
    wasPaid: z.boolean(),
    // Added with the checkout: absent on older events.
    reasonCode: z.enum(cancellationCodes).optional(),
    paymentId: nullableString.optional(),
    reservationId: nullableString.optional(),
  }),
  /**
   * Some lines (and quantities) of a paid order left the warehouse in one parcel. `amount` is the
   * shipped lines' net amount (with their share of discounts and tax), minor units of `currency`.
   * `final`: the parcel ships the order's last unit, so payments captures the rest of the order
   * with it (shipping and its tax); absent on older events.
   */
  'shipment.created': z.object({
    orderId: id,
    shipmentId: id,
    lines: z.array(fulfilmentLine),
    amount: minorUnits,
    final: z.boolean().optional(),
    currency,
    carrier: z.string(),
    trackingNumber: z.string(),
    trackingUrl: nullableString,
  }),
  /** The customer asked to return delivered lines; SUPPORT decides. */
  'return.requested': z.object({
    ...returnFacts,
    lines: z.array(fulfilmentLine),
    amount: minorUnits,
    currency,
    reason: z.string(),
  }),
  'return.approved': z.object({ ...returnFacts, approvedBy: id, reason: nullableString }),
  'return.rejected': z.object({ ...returnFacts, rejectedBy: id, reason: z.string() }),
  /**
   * The returned parcel arrived: inventory restocks `restockQuantity` units of each line (RETURN),
   * payments refunds `amount` (the lines' net amount, whatever is restocked), approved by
   * `approvedBy` (SUPPORT). Each line carries the receiver's choice for it: `restockQuantity` units
   * back to stock (0 to `quantity`, the rest written off), and `restock`, true only when every unit
   * goes back; the top-level `restock` is true only when every unit of every line goes back (so a
   * consumer from before per-line choices or partial restocks never restocks a written-off unit).
   * Events published before partial restocks have lines without `restockQuantity`: a line's
   * `restock` is then all of it or none; before per-line choices, lines without `restock` either:
   * the top-level flag is then every line's.
   */
  'return.received': z.object({
    ...returnFacts,
    lines: z.array(
      fulfilmentLine.extend({
        restock: z.boolean().optional(),
        restockQuantity: z.number().int().nonnegative().optional(),
      }),
    ),
    amount: minorUnits,
    currency,
    restock: z.boolean(),
    approvedBy: id,
    receivedBy: id,
  }),

  'payment.succeeded': z.object({ ...paymentFacts, amount: minorUnits, currency, provider: z.string() }),
  'payment.failed': z.object({ ...paymentFacts, reason: nullableString, declineCode: nullableString }),
  'payment.status_changed': z.object({
    ...paymentFacts,
    status: z.string(),
    previousStatus: nullableString,
    at: isoTime,
  }),
  /** A payment above PAYMENT_APPROVAL_THRESHOLD is authorised and waits for FINANCE (inventory keeps the hold). */
  'payment.approval_requested': z.object({ ...paymentFacts, amount: minorUnits, currency }),
  /** FINANCE refused it: the authorisation is voided; orders cancels the order, notifications tells the customer. */
  'payment.rejected': z.object({
    ...paymentFacts,
    email: z.string(),
    amount: minorUnits,
    currency,
    reason: z.string(),
  }),

  'refund.requested': z.object({
    refundId: id,
    paymentId: id,
    orderId: id,
    amount: minorUnits,
    currency,
    needsApproval: z.boolean(),
  }),
  'refund.succeeded': z.object(refundFacts),
  'refund.failed': z.object({ ...refundFacts, reason: nullableString }),

  'cart.item_added': z.object({
    cartId: id,
    userId: nullableString,
    productId: id,
    quantity: z.number().int(),
  }),
  'cart.updated': z.object({
    cartId: id,
    userId: nullableString,
    revision: z.number().int(),
    lines: z.array(quantityLine),
    /** Null for a customer's cart. */
    expiresAt: nullableString,
    updatedAt: isoTime,
    /** The discount codes applied to the cart (added with promotions: absent on older events). */
    discountCodes: z.array(z.string()).optional(),
  }),
  'cart.deleted': z.object({
    cartId: id,
    userId: nullableString,
    revision: z.number().int(),
    reason: z.literal('MERGED'),
  }),
  /** A promotion used by an order (checkout redeemed it in the promotions subgraph). */
  'promotion.redeemed': z.object({
    orderId: id,
    promotionId: id,
    code: nullableString,
    amount: minorUnits,
    shippingAmount: minorUnits,
    currency,
  }),
  /** A redemption given back: the order was not placed, or was cancelled before payment. */
  'promotion.released': z.object({
    orderId: id,
    promotionId: id,
    code: nullableString,
    reason: z.string(),
  }),
} as const satisfies Record<string, z.ZodType<Record<string, unknown>>>;

/** Event type → payload type: the typed catalog (after Hive's `PubSub<TopicDataMap>`). */
export type DomainEvents = { [T in keyof typeof eventSchemas]: z.infer<(typeof eventSchemas)[T]> };

/** `order.placed`, `payment.succeeded`, ...: every type some subgraph publishes. */
export type EventType = keyof DomainEvents;

export type EventPayload<T extends EventType> = DomainEvents[T];

export type ProductSnapshot = z.infer<typeof productSnapshot>;
export type VariantSnapshot = z.infer<typeof variantSnapshot>;
export type CancellationCode = (typeof cancellationCodes)[number];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventSchemas, type);
}
