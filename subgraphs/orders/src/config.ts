import { defaultShippingShape, maxOrderTotalShape } from '@novamart/kit';
import { z } from 'zod';

/** Environment variables of the orders subgraph, on top of the kit's base configuration. */
export const ordersConfigShape = {
  /** The default shipping rule (SHIPPING_FLAT_RATE, FREE_SHIPPING_THRESHOLD), which the cart previews too. */
  ...defaultShippingShape,
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
