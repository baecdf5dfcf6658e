import { type ConsumerDeclaration, type ConsumerTx, type TransactionalHandler } from '@novamart/events';
import { type RecoCache } from '../cache/reco-cache';
import { CATALOG_SCOPE, type CatalogProjection } from '../services/catalog-projection';
import { type InteractionService } from '../services/interaction-service';

export const CONSUMER_GROUP = 'recommendations';

/**
 * Each handler runs once per event in the consumer's transaction (under the idempotency names
 * they have always had); the cache scopes its change touched are bumped after the commit, so no
 * reader can cache the old state under the new generation.
 */
export function recommendationConsumers(deps: {
  cache: RecoCache;
  interactions: InteractionService;
  catalog: CatalogProjection;
}): ConsumerDeclaration[] {
  const { cache, catalog, interactions } = deps;
  const bumpAfterCommit = (tx: ConsumerTx, scopes: string[]) => {
    if (scopes.length > 0) tx.afterCommit(() => cache.bump(scopes));
  };
  const named = (name: string) => ({ group: CONSUMER_GROUP, consumer: `${CONSUMER_GROUP}:${name}` });
  const product: TransactionalHandler<'product.created' | 'product.updated' | 'product.archived'> = async (
    event,
    tx,
  ) => {
    const changed = await catalog.applyProduct(
      tx.session,
      event.type,
      new Date(event.occurredAt),
      event.payload,
    );
    bumpAfterCommit(tx, changed ? [CATALOG_SCOPE] : []);
  };

  return [
    {
      ...named('catalog'),
      handlers: { 'product.created': product, 'product.updated': product, 'product.archived': product },
    },
    {
      ...named('stock'),
      handlers: {
        'inventory.stock_changed': async (event, tx) => {
          const changed = await catalog.applyStock(tx.session, new Date(event.occurredAt), event.payload);
          bumpAfterCommit(tx, changed ? [CATALOG_SCOPE] : []);
        },
      },
    },
    {
      ...named('cart-additions'),
      handlers: {
        'cart.item_added': async (event, tx) =>
          bumpAfterCommit(tx, await interactions.fromCartAddition(tx.session, event, event.payload)),
      },
    },
    {
      ...named('wishlist'),
      handlers: {
        'user.wishlist_item_added': async (event, tx) =>
          bumpAfterCommit(tx, await interactions.fromWishlistAddition(tx.session, event, event.payload)),
      },
    },
    {
      ...named('purchases'),
      handlers: {
        'order.paid': async (event, tx) =>
          bumpAfterCommit(tx, await interactions.fromPaidOrder(tx.session, event, event.payload)),
      },
    },
  ];
}
