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

export const ordersConfigVariables = [
  {
    name: 'SHIPPING_FLAT_RATE',
    default: '499',
    description:
      'Shipping on an order below the free-shipping threshold, in minor units of the order currency.',
  },
  {
    name: 'FREE_SHIPPING_THRESHOLD',
    default: '5000',
    description: 'Order subtotal (minor units) from which shipping is free; 0 makes all shipping free.',
  },
  {
    name: 'RETURN_WINDOW_DAYS',
    default: '30',
    description: "Days after a line's delivery during which its customer may request a return (orders).",
  },
  {
    name: 'CARRIER_WEBHOOK_SECRET',
    default: 'unset: carrier webhooks answer 503',
    description:
      "HMAC-SHA256 secret of carriers' delivery notices on POST /webhooks/carrier (header x-novamart-carrier-signature).",
  },
  {
    name: 'CART_URL',
    default: 'unset: decides on its projection of events',
    description: "The cart subgraph's GraphQL endpoint (checkout reads the caller's cart there).",
  },
  {
    name: 'PRODUCTS_URL',
    default: 'unset: decides on its projection of events',
    description: "The products subgraph's GraphQL endpoint (checkout prices the lines there).",
  },
  {
    name: 'PROMOTIONS_URL',
    default: 'unset: carts take no discount codes',
    description: "The promotions subgraph's GraphQL endpoint (discount codes and automatic promotions).",
  },
  {
    name: 'SHIPPING_URL',
    default: 'unset: the flat shipping rule, no tax',
    description:
      "The shipping subgraph's GraphQL endpoint (checkout prices the shipping method and the tax there).",
  },
  {
    name: 'INVENTORY_URL',
    default: 'unset: a return is restocked by return.received only',
    description:
      "The inventory subgraph's GraphQL endpoint (receiveReturn restocks the return there at once).",
  },
  {
    name: 'PAYMENTS_URL',
    default: 'unset: a return is refunded by return.received only',
    description: "The payments subgraph's GraphQL endpoint (receiveReturn refunds the return there at once).",
  },
];
