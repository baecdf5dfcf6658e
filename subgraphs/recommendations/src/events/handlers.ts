import { type DomainEvent, type EventBus, idempotentConsumer } from '@novamart/events';
import { type Logger } from '@novamart/kit';
import { type ClientSession, type Connection } from 'mongoose';
import { type RecoCache } from '../cache/reco-cache';
import {
  CATALOG_SCOPE,
  type CatalogProjection,
  type ProductSnapshotPayload,
  type StockChangedPayload,
} from '../services/catalog-projection';
import { type InteractionService } from '../services/interaction-service';

export const CONSUMER_GROUP = 'recommendations';

/**
 * Each handler runs once per event (idempotentConsumer); the cache scopes its change touched are
 * bumped after the commit, so no reader can cache the old state under the new generation.
 */
export function subscribeRecommendationHandlers(deps: {
  bus: EventBus;
  conn: Connection;
  cache: RecoCache;
  interactions: InteractionService;
  catalog: CatalogProjection;
  logger: Logger;
}): void {
  const { bus, conn, cache } = deps;

  const once = (name: string, fn: (event: DomainEvent<any>, session: ClientSession) => Promise<string[]>) => {
    const scopesByEvent = new Map<string, string[]>();
    const consume = idempotentConsumer(
      conn,
      `${CONSUMER_GROUP}:${name}`,
      async (event: DomainEvent<any>, session) => {
        // A retried transaction runs this again: the last run's scopes are the committed ones.
        scopesByEvent.set(event.id, await fn(event, session));
      },
    );
    return async (event: DomainEvent<any>) => {
      try {
        const outcome = await consume(event);
        const scopes = scopesByEvent.get(event.id);
        if (outcome === 'processed' && scopes && scopes.length > 0) await cache.bump(scopes);
        return outcome;
      } finally {
        scopesByEvent.delete(event.id);
      }
    };
  };

  bus.subscribe({
    group: CONSUMER_GROUP,
    types: ['product.created', 'product.updated', 'product.archived'],
    handler: once('catalog', async (event, session) =>
      (await deps.catalog.applyProduct(
        session,
        event.type,
        new Date(event.occurredAt),
        event.payload as ProductSnapshotPayload,
      ))
        ? [CATALOG_SCOPE]
        : [],
    ),
  });

  bus.subscribe({
    group: CONSUMER_GROUP,
    types: ['inventory.stock_changed'],
    handler: once('stock', async (event, session) =>
      (await deps.catalog.applyStock(
        session,
        new Date(event.occurredAt),
        event.payload as StockChangedPayload,
      ))
        ? [CATALOG_SCOPE]
        : [],
    ),
  });

  bus.subscribe({
    group: CONSUMER_GROUP,
    types: ['cart.item_added'],
    handler: once('cart-additions', (event, session) =>
      deps.interactions.fromCartAddition(
        session,
        event,
        event.payload as { userId: string | null; productId: string },
      ),
    ),
  });

  bus.subscribe({
    group: CONSUMER_GROUP,
    types: ['order.paid'],
    handler: once('purchases', (event, session) =>
      deps.interactions.fromPaidOrder(
        session,
        event,
        event.payload as { userId: string | null; lines: { productId: string }[] },
      ),
    ),
  });
}
