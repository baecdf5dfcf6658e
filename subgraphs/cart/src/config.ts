import { defaultShippingShape, maxOrderTotalShape } from '@novamart/kit';
import { z } from 'zod';

/** Environment variables of the cart subgraph, on top of the kit's base configuration. */
export const cartConfigShape = {
  /** Days a guest cart lives after its last change before it is deleted. */
  GUEST_CART_TTL_DAYS: z.coerce.number().positive().default(7),
  /** ISO 4217 code of an empty cart's subtotal; a cart with lines is in its products' currency. */
  CART_DEFAULT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .default('USD'),
  /** Cart commands decide on the products and inventory subgraphs' current answers. */
  PRODUCTS_URL: z.string().url().optional(),
  INVENTORY_URL: z.string().url().optional(),
  /** Discount codes are checked and priced by the promotions subgraph. */
  PROMOTIONS_URL: z.string().url().optional(),
  /** Cart.shippingOptions, taxLines, taxTotal and total ask the shipping subgraph. */
  SHIPPING_URL: z.string().url().optional(),
  /** The default shipping rule, as orders charges it: a cart's preview without a method shows it. */
  ...defaultShippingShape,
  ...maxOrderTotalShape,
};

export type CartConfig = z.infer<z.ZodObject<typeof cartConfigShape>>;
