import { type Connection } from 'mongoose';
import { createSubgraphClient, type DefaultShippingRule, type Logger } from '@novamart/kit';
import { cartSnapshotModel } from '../models/cart-snapshot';
import { catalogPriceModel } from '../models/catalog-price';
import { customerModel } from '../models/customer';
import { knownPaymentModel } from '../models/known-payment';
import { orderModel } from '../models/order';
import { CheckoutService } from './checkout';
import { Fulfilment } from './fulfilment';
import { OrderLifecycle } from './lifecycle';
import { OrderDiscounts } from './order-discounts';
import { OrderQueries } from './order-queries';
import { OwnerRefresh } from './owner-refresh';
import { PaymentTrust } from './payment-trust';
import { Projections } from './projections';
import { ReturnFollowUp } from './return-follow-up';
import { ShippingQuotes } from './shipping-quote';

export interface OrdersServices {
  checkout: CheckoutService;
  lifecycle: OrderLifecycle;
  fulfilment: Fulfilment;
  queries: OrderQueries;
  projections: Projections;
  paymentTrust: PaymentTrust;
}

/** Models (indexes built) and services on the orders subgraph's connection. */
export async function createOrdersServices(options: {
  conn: Connection;
  logger: Logger;
  shipping: DefaultShippingRule;
  /** The cart and products subgraphs' GraphQL endpoints checkout asks before deciding; unset: projections only. */
  peers?: {
    cartUrl?: string | undefined;
    productsUrl?: string | undefined;
    /** The shipping subgraph: methods and tax at checkout; unset: the flat rule, untaxed. */
    shippingUrl?: string | undefined;
    /** The promotions subgraph, which redeems discounts at checkout; unset: orders take none. */
    promotionsUrl?: string | undefined;
    /** Inventory and payments, asked to restock and refund a received return at once; unset: by events only. */
    inventoryUrl?: string | undefined;
    paymentsUrl?: string | undefined;
  };
  maxOrderTotal?: number;
  /** Days after a line's delivery during which it can be returned (RETURN_WINDOW_DAYS, 30). */
  returnWindowDays?: number;
  now?: () => Date;
}): Promise<OrdersServices> {
  const { conn, logger } = options;
  const orders = orderModel(conn);
  const carts = cartSnapshotModel(conn);
  const prices = catalogPriceModel(conn);
  const customers = customerModel(conn);
  // Read only, for payments announced before the announcements moved onto the order (payment-trust.ts).
  const knownPayments = knownPaymentModel(conn);
  await Promise.all([orders.init(), carts.init(), prices.init(), customers.init(), knownPayments.init()]);
  const clock = options.now ? { now: options.now } : {};
  const projections = new Projections(prices, carts, customers);
  const { cartUrl, productsUrl, shippingUrl, promotionsUrl, inventoryUrl, paymentsUrl } = options.peers ?? {};
  const refresh =
    cartUrl && productsUrl
      ? new OwnerRefresh(
          projections,
          createSubgraphClient('cart', cartUrl),
          createSubgraphClient('products', productsUrl),
        )
      : null;
  const lifecycle = new OrderLifecycle({ conn, orders, logger, ...clock });
  return {
    checkout: new CheckoutService({
      conn,
      orders,
      carts,
      prices,
      customers,
      shipping: options.shipping,
      refresh,
      quotes: new ShippingQuotes(shippingUrl ? createSubgraphClient('shipping', shippingUrl) : null),
      discounts: promotionsUrl
        ? new OrderDiscounts(createSubgraphClient('promotions', promotionsUrl), logger)
        : null,
      ...(options.maxOrderTotal !== undefined ? { maxOrderTotal: options.maxOrderTotal } : {}),
      ...clock,
    }),
    lifecycle,
    fulfilment: new Fulfilment({
      lifecycle,
      orders,
      returnWindowDays: options.returnWindowDays ?? 30,
      followUp: new ReturnFollowUp({
        inventory: inventoryUrl ? createSubgraphClient('inventory', inventoryUrl) : null,
        payments: paymentsUrl ? createSubgraphClient('payments', paymentsUrl) : null,
        lifecycle,
        logger,
      }),
      ...clock,
    }),
    queries: new OrderQueries(orders),
    projections,
    paymentTrust: new PaymentTrust({ knownPayments, orders }),
  };
}
