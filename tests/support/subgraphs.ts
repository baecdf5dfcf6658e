/** The subgraph modules, for suites that run the whole supergraph or its checkout part. */
import { usersSubgraph } from '@novamart/users';
import { productsSubgraph } from '@novamart/products';
import { inventorySubgraph } from '@novamart/inventory';
import { cartSubgraph } from '@novamart/cart';
import { ordersSubgraph } from '@novamart/orders';
import { paymentsSubgraph } from '@novamart/payments';
import { notificationsSubgraph } from '@novamart/notifications';
import { recommendationsSubgraph } from '@novamart/recommendations';
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

/** Every subgraph of supergraph.yaml. */
export const ALL_SUBGRAPHS = [
  ...CHECKOUT_SUBGRAPHS,
  notificationsSubgraph,
  recommendationsSubgraph,
  reviewsSubgraph,
];
