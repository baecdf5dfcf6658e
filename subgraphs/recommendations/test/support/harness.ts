import { randomUUID } from 'node:crypto';
import { createEvent, type DomainEvent, type InProcessBus } from '@novamart/events';
import { type RunningSubgraph, type SubgraphContext, type Viewer } from '@novamart/kit';
import {
  eventually,
  startSubgraphForTests,
  type TestGraphQLResult,
  type TestTokens,
} from '@novamart/kit/testing';
import { Types, type Connection } from 'mongoose';
import { type RecoCache } from '../../src/cache/reco-cache';
import { createRecommendationsSubgraph } from '../../src/index';
import { type RecommendationsContext } from '../../src/resolvers';

export type GraphQLResult<T = any> = TestGraphQLResult<T>;

export interface RecommendationsHarness {
  running: RunningSubgraph;
  services: Omit<RecommendationsContext, keyof SubgraphContext>;
  conn: Connection;
  bus: InProcessBus;
  tokens: TestTokens;
  /** The subgraph's clock; tests move it. */
  clock: { now: Date; advanceDays(days: number): void };
  graphql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    viewer?: Viewer | null,
  ): Promise<GraphQLResult<T>>;
  /** Publishes an event and waits until the subgraph has processed it (or already had). */
  deliver(event: DomainEvent<any>): Promise<void>;
  /** A product the subgraph knows: created active with stock. */
  product(name: string, available?: number): Promise<string>;
  /** An order.paid event for these products. */
  paid(userId: string | null, productIds: string[], occurredAt?: Date): DomainEvent<any>;
  stop(): Promise<void>;
}

export const START = new Date('2026-06-01T12:00:00.000Z');

export async function startRecommendations(
  options: { env?: Record<string, string>; cache?: RecoCache; keepMongo?: boolean } = {},
): Promise<RecommendationsHarness> {
  const clock = {
    now: new Date(START),
    advanceDays(days: number) {
      clock.now = new Date(clock.now.getTime() + days * 86_400_000);
    },
  };
  const module = createRecommendationsSubgraph({
    clock: () => clock.now,
    ...(options.cache && { cache: options.cache }),
  });
  // Shared by every harness of a test file; the last one stopped without keepMongo stops it.
  const sub = await startSubgraphForTests<RecommendationsHarness['services']>(module, {
    env: { LOG_LEVEL: 'silent', ...options.env },
    ...(options.keepMongo !== undefined && { keepMongo: options.keepMongo }),
  });
  const { running, conn, bus, tokens, services } = sub;
  const processed = conn.collection('processed_events');

  const harness: RecommendationsHarness = {
    running,
    services,
    conn,
    bus,
    tokens,
    clock,
    graphql: (query, variables, viewer) => sub.graphql(query, variables, viewer),
    async deliver(event) {
      const before = await processed.countDocuments({ eventId: event.id });
      await bus.publish(event);
      if (before > 0) {
        // A redelivery leaves no trace: wait for a later event of the same stream instead, which
        // the group handles after it.
        const sentinel = createEvent(event.type, event.aggregateId, noOpPayload(event));
        await bus.publish(sentinel);
        await eventually(
          async () => (await processed.countDocuments({ eventId: sentinel.id })) > 0,
          `${event.type} after redelivery`,
        );
        return;
      }
      await eventually(async () => (await processed.countDocuments({ eventId: event.id })) > 0, event.type);
    },
    async product(name, available = 10) {
      const productId = new Types.ObjectId().toString();
      await harness.deliver(productEvent('product.created', productId, name, true));
      await harness.deliver(stockChanged(productId, available));
      return productId;
    },
    paid(userId, productIds, occurredAt = clock.now) {
      const orderId = randomUUID();
      const event = createEvent('order.paid', orderId, {
        orderId,
        userId,
        paymentId: randomUUID(),
        lines: productIds.map((productId) => ({ productId, quantity: 1 })),
      });
      return { ...event, occurredAt: occurredAt.toISOString() };
    },
    stop: () => sub.stop(),
  };
  return harness;
}

/** A payload of the same type that changes nothing: the sentinel that follows a redelivery. */
function noOpPayload(event: DomainEvent<any>): Record<string, unknown> {
  if (event.type === 'order.paid') return { ...event.payload, userId: null, lines: [] };
  if (event.type === 'cart.item_added') return { ...event.payload, userId: null };
  return event.payload;
}

export function productEvent(
  type: 'product.created' | 'product.updated' | 'product.archived',
  productId: string,
  name: string,
  active: boolean,
) {
  return createEvent(type, productId, {
    productId,
    sku: `SKU-${productId.slice(-6)}`,
    slug: name.toLowerCase().replace(/\W+/g, '-'),
    name,
    priceAmount: 1000,
    currency: 'USD',
    categorySlug: 'things',
    active,
    ...(type === 'product.created' && { initialStock: null }),
  });
}

export function stockChanged(productId: string, available: number) {
  return createEvent('inventory.stock_changed', productId, {
    productId,
    available,
    onHand: available,
    reserved: 0,
    reorderLevel: 0,
  });
}

export function cartItemAdded(userId: string | null, productId: string) {
  const cartId = randomUUID();
  return createEvent('cart.item_added', cartId, { cartId, userId, productId, quantity: 1 });
}

export const customer = (id = new Types.ObjectId().toString()): Viewer => ({ id, role: 'CUSTOMER' });
export const admin = (): Viewer => ({ id: new Types.ObjectId().toString(), role: 'ADMIN' });

export const RECOMMENDATIONS = /* GraphQL */ `
  query Recs($first: Int) {
    recommendations(first: $first) {
      product {
        id
      }
      score
      reason
    }
  }
`;
export const BOUGHT_TOGETHER = /* GraphQL */ `
  query Fbt($reps: [_Any!]!, $first: Int) {
    _entities(representations: $reps) {
      ... on Product {
        id
        frequentlyBoughtTogether(first: $first) {
          product {
            id
          }
          score
          reason
        }
      }
    }
  }
`;
export const USER_RECOMMENDATIONS = /* GraphQL */ `
  query UserRecs($reps: [_Any!]!, $first: Int) {
    _entities(representations: $reps) {
      ... on User {
        id
        recommendations(first: $first) {
          product {
            id
          }
          score
          reason
        }
      }
    }
  }
`;
export const RECORD = /* GraphQL */ `
  mutation Record($input: InteractionInput!) {
    recordInteraction(input: $input)
  }
`;
