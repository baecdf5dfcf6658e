import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { GRAPHQL_PATH, accessToken } from './session';

/**
 * The cache's rules for the supergraph's types that have no id of their own.
 *
 * - Money is a value: an amount only means something with its currency, so an incoming Money
 *   replaces the stored one whole, never field by field (two prices are never mixed).
 * - Inventory is the live stock of the product that holds it. Pages select different parts of it
 *   (the catalog `inStock`, the product page `available`, the back office everything), so the
 *   fields merge into the product's one Inventory instead of one query's answer discarding the
 *   fields another query asked for.
 * - Query.cart(id) and the signed-in Query.cart are the same Cart entity, normalized by id.
 * - A User's wishlist is the list the latest answer holds (items have no id of their own): a
 *   removal answers a shorter list, which replaces the stored one instead of being merged into it.
 */
export const typePolicies = {
  Money: { keyFields: false as const, merge: false as const },
  Inventory: { keyFields: false as const, merge: true as const },
  Product: { fields: { inventory: { merge: true } } },
  Cart: {
    fields: {
      items: { merge: false },
      removedItems: { merge: false },
      discountCodes: { merge: false },
      discounts: { merge: false },
      shippingOptions: { merge: false },
      taxLines: { merge: false },
    },
  },
  User: { fields: { wishlist: { merge: false } } },
  Order: {
    fields: {
      statusHistory: { merge: false },
      items: { merge: false },
      discounts: { merge: false },
      taxLines: { merge: false },
    },
  },
};

export function createApolloClient(): { client: ApolloClient; dispose(): void } {
  const wsUrl = new URL(GRAPHQL_PATH, window.location.href);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  const created: { client?: ApolloClient } = {};
  let connections = 0;
  const wsClient = createClient({
    url: wsUrl.href,
    lazy: true,
    // The gateway closes a subscriber's socket when its access token expires (4403): reconnect,
    // with the token refreshed by connectionParams.
    retryAttempts: 10,
    shouldRetry: () => true,
    on: {
      // Status changes are not replayed across a reconnection: re-read what the pages show.
      connected: () => {
        if (++connections > 1) void created.client?.refetchObservableQueries();
      },
    },
    // Read at each (re)connection: a refreshed token is used by the next connection.
    connectionParams: async () => {
      const token = await accessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });
  const auth = new SetContextLink(async (prev) => {
    const token = await accessToken();
    return token ? { headers: { ...prev.headers, authorization: `Bearer ${token}` } } : {};
  });
  const http = auth.concat(new HttpLink({ uri: GRAPHQL_PATH }));
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(wsClient),
    http,
  );
  const client = new ApolloClient({
    link,
    cache: new InMemoryCache({ typePolicies }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
  created.client = client;
  return {
    client,
    dispose() {
      void wsClient.dispose();
      client.stop();
    },
  };
}
