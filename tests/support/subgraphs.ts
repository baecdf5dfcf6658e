/** The subgraph modules, for suites that run the whole supergraph or its checkout part. */
import { usersSubgraph } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { cartSubgraph } from '@novamart/cart';
import { ordersSubgraph } from '@novamart/orders';
import { paymentsSubgraph } from '@novamart/payments';
import { notificationsSubgraph } from '@novamart/notifications';
import { recommendationsSubgraph } from '@novamart/recommendations';
import { promotionsSubgraph } from '@novamart/promotions';
import { shippingSubgraph } from '@novamart/shipping';
import { reviewsSubgraph } from '@novamart/reviews';

/** users, products, inventory, cart, orders and payments: what a checkout and its payment need. */
export const CHECKOUT_SUBGRAPHS = [
  usersSubgraph,
  productsSubgraph,
  inventorySubgraph,
  cartSubgraph,
  ordersSubgraph,
  paymentsSubgraph,
];

/** The checkout's subgraphs and promotions: discount codes and automatic promotions at checkout. */
export const PROMOTIONS_SUBGRAPHS = [...CHECKOUT_SUBGRAPHS, promotionsSubgraph];

/** Every subgraph of supergraph.yaml. */
export const ALL_SUBGRAPHS = [
  ...CHECKOUT_SUBGRAPHS,
  notificationsSubgraph,
  recommendationsSubgraph,
  promotionsSubgraph,
  shippingSubgraph,
  reviewsSubgraph,
];

/** A checkout with shipping methods and tax: CHECKOUT_SUBGRAPHS and shipping. */
export const SHIPPING_CHECKOUT_SUBGRAPHS = [...CHECKOUT_SUBGRAPHS, shippingSubgraph];

/** Issue 14's whole sale: the checkout's subgraphs, promotions (discounts) and shipping (methods, tax). */
export const SELLING_SUBGRAPHS = [...CHECKOUT_SUBGRAPHS, promotionsSubgraph, shippingSubgraph];
