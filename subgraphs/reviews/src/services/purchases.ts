import { type SubgraphClient, isDuplicateKeyError } from '@novamart/kit';
import { type ClientSession } from 'mongoose';
import { purchaseKey, type PurchaseModel } from '../models/purchase';

/** Order statuses in which the customer has paid for the lines (a refunded or cancelled order does not count). */
const BOUGHT_STATUSES = new Set(['PAID', 'SHIPPED', 'DELIVERED']);
/** How many of the caller's newest orders a review command asks orders about. */
const RECENT_ORDERS = 20;

const RECENT_ORDERS_QUERY = `query ReviewerOrders($representations: [_Any!]!, $first: Int) {
  _entities(representations: $representations) {
    ... on User { orders(first: $first) { edges { node { id status items { product { id } } } } } }
  }
}`;

interface OrdersAnswer {
  _entities: ({
    orders: {
      edges: { node: { id: string; status: string; items: { product: { id: string } }[] } }[];
    };
  } | null)[];
}

export interface PurchaseFact {
  userId: string;
  productId: string;
  orderId: string;
  at: Date;
}

/**
 * The purchases projection. It follows `order.paid`; a review command that finds no purchase asks
 * the orders subgraph (the owner, as the caller) for the caller's newest orders and records what it
 * answers, so a customer whose order was paid a moment ago can review at once (read your own writes).
 */
export class Purchases {
  constructor(
    private readonly model: PurchaseModel,
    private readonly orders: SubgraphClient | null,
  ) {}

  async record(facts: readonly PurchaseFact[], session?: ClientSession): Promise<void> {
    for (const fact of facts) {
      try {
        await this.model.updateOne(
          { _id: purchaseKey(fact.userId, fact.productId) },
          { $setOnInsert: { ...fact } },
          { upsert: true, session },
        );
      } catch (error) {
        // Two writers inserting the same purchase at once: the other one recorded it.
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
  }

  async hasBought(userId: string, productId: string, authorization: string | undefined): Promise<boolean> {
    if (await this.known(userId, productId)) return true;
    if (!this.orders || !authorization) return false;
    await this.refreshFromOrders(userId, authorization);
    return this.known(userId, productId);
  }

  private async known(userId: string, productId: string): Promise<boolean> {
    return (await this.model.exists({ _id: purchaseKey(userId, productId) })) !== null;
  }

  private async refreshFromOrders(userId: string, authorization: string): Promise<void> {
    const answer = await this.orders!.request<OrdersAnswer>(
      RECENT_ORDERS_QUERY,
      { representations: [{ __typename: 'User', id: userId }], first: RECENT_ORDERS },
      { authorization },
    );
    const edges = answer._entities[0]?.orders.edges ?? [];
    const now = new Date();
    const facts = edges
      .filter(({ node }) => BOUGHT_STATUSES.has(node.status))
      .flatMap(({ node }) =>
        node.items.map((item) => ({ userId, productId: item.product.id, orderId: node.id, at: now })),
      );
    await this.record(facts);
  }
}
