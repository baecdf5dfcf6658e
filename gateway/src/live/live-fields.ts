import type { Viewer } from '@novamart/kit';
import type { EntityResolution } from './payload-plan';

/**
 * One subscription root field the gateway serves from the live bus (channels and messages as in
 * docs/architecture.md, "Live updates").
 */
export interface LiveFieldSpec {
  /** Subscription root field, e.g. `orderStatusChanged`. */
  field: string;
  /** The payload's entity field and the query that resolves it through the supergraph. */
  entity: EntityResolution;
  /** Id of the entity a message is about, e.g. `message.orderId`. */
  entityId(message: Record<string, unknown>): string | undefined;
  /**
   * The live-bus channel to listen on: the subscriber's own, or one the ownership check admits
   * them to. Every message on it is one they may see, so an entity asked only for its id is
   * answered from the message (payload-plan.ts, `entityFromId`).
   */
  channel(args: Record<string, unknown>, viewer: Viewer | null): string;
  /** A subscriber must be signed in (no ownership query can stand in for it). */
  requiresViewer?: boolean;
  /**
   * Ownership check run through the gateway with the subscriber's token before subscribing:
   * the owning subgraph's OWNER rule decides, exactly as for a query.
   */
  ownership?: {
    query: string;
    variables(args: Record<string, unknown>): Record<string, unknown>;
    field: string;
    what: string;
  };
}

const stringField = (name: string) => (message: Record<string, unknown>) => {
  const value = message[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const orderOwnership = {
  query: 'query LiveSubscriptionOwnership($id: ID!) { order(id: $id) { id } }',
  variables: (args: Record<string, unknown>) => ({ id: args.orderId }),
  field: 'order',
  what: 'Order',
};

export const liveFields: readonly LiveFieldSpec[] = [
  {
    field: 'orderStatusChanged',
    entity: { payloadField: 'order', queryField: 'order', idArgument: 'id' },
    entityId: stringField('orderId'),
    channel: (args) => `order:${String(args.orderId)}`,
    ownership: orderOwnership,
  },
  {
    field: 'myOrderUpdates',
    entity: { payloadField: 'order', queryField: 'order', idArgument: 'id' },
    entityId: stringField('orderId'),
    channel: (_args, viewer) => `user-orders:${viewer?.id ?? ''}`,
    requiresViewer: true,
  },
  {
    field: 'paymentStatusChanged',
    entity: { payloadField: 'payment', queryField: 'payment', idArgument: 'id' },
    entityId: stringField('paymentId'),
    channel: (args) => `payment:${String(args.orderId)}`,
    ownership: orderOwnership,
  },
];
