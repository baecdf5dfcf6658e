import { maxOrderTotalShape } from '@novamart/kit';
import { z } from 'zod';

const minorUnits = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/** Environment variables of the orders subgraph, on top of the kit's base configuration. */
export const ordersConfigShape = {
  /** Shipping charged on an order below the free-shipping threshold, in minor units ($4.99). */
  SHIPPING_FLAT_RATE: minorUnits(499),
  /** Subtotal from which shipping is free, in minor units ($50.00); 0 ships everything free. */
  FREE_SHIPPING_THRESHOLD: minorUnits(5000),
  /** Checkout asks the cart and products subgraphs for the caller's cart and its products before deciding. */
  CART_URL: z.string().url().optional(),
  PRODUCTS_URL: z.string().url().optional(),
  /** Checkout redeems discount codes and automatic promotions with the promotions subgraph. */
  PROMOTIONS_URL: z.string().url().optional(),
  /** Checkout asks the shipping subgraph for the chosen method's price and the order's tax. */
  SHIPPING_URL: z.string().url().optional(),
  /** receiveReturn asks inventory to restock and payments to refund the return before answering. */
  INVENTORY_URL: z.string().url().optional(),
  PAYMENTS_URL: z.string().url().optional(),
  /** Days after a line's delivery during which the customer may ask to return it. */
  RETURN_WINDOW_DAYS: z.coerce.number().int().min(0).default(30),
  /** Shared secret of carriers' delivery notices (POST /webhooks/carrier); unset: the route answers 503. */
  CARRIER_WEBHOOK_SECRET: z.string().min(16).optional(),
  ...maxOrderTotalShape,
};

export type OrdersConfig = z.infer<z.ZodObject<typeof ordersConfigShape>>;
