import { LoaderRegistry } from './loaders';
import type { SubgraphContext } from './subgraph-types';

// A slow subscriber must not hold an unbounded backlog: status updates are few per entity, so
// this many waiting messages means the consumer is gone or stuck; the oldest are dropped.
const MAX_QUEUED = 100;
// A redelivered outbox event republishes with the same eventId (docs/architecture.md, "Live
// updates"); remembering this many recent ids is enough to drop those copies.
const REMEMBERED_EVENT_IDS = 256;

/**
 * What a subscription field's `subscribe` resolver returns: the messages published on a live-bus
 * channel from now on. It resolves once the bus delivers to it, so a client whose subscription is
 * acknowledged cannot miss an update published after that. Each message is resolved like a new
 * request: the context's DataLoaders are replaced before it is handed on, so an entity read for
 * the payload is the one the database holds now, not the one cached for the previous event.
 *
 *   Subscription: {
 *     orderStatusChanged: {
 *       subscribe: async (_, args, ctx) => { await checkAccess(...); return liveSubscription(ctx, `order:${args.orderId}`); },
 *       resolve: (message) => message,
 *     },
 *   }
 */
export async function liveSubscription<T = Record<string, unknown>>(
  ctx: SubgraphContext,
  channel: string,
): Promise<AsyncIterableIterator<T>> {
  const queue: T[] = [];
  const seen = new Set<string>();
  let waiting: ((result: IteratorResult<T>) => void) | null = null;
  let finished = false;

  const deliver = (message: T): IteratorResult<T> => {
    ctx.loaders = new LoaderRegistry();
    return { value: message, done: false };
  };

  const unsubscribe = ctx.live.subscribe<T>(channel, (message) => {
    if (finished) return;
    const eventId = (message as { eventId?: unknown } | null)?.eventId;
    if (typeof eventId === 'string') {
      if (seen.has(eventId)) return;
      seen.add(eventId);
      if (seen.size > REMEMBERED_EVENT_IDS) seen.delete(seen.values().next().value as string);
    }
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve(deliver(message));
      return;
    }
    queue.push(message);
    if (queue.length > MAX_QUEUED) {
      queue.shift();
      ctx.logger.warn({ channel }, 'live subscription backlog full: dropped its oldest message');
    }
  });

  const finish = (): IteratorResult<T> => {
    if (!finished) {
      finished = true;
      unsubscribe();
      queue.length = 0;
      const resolve = waiting;
      waiting = null;
      resolve?.({ value: undefined, done: true });
    }
    return { value: undefined, done: true };
  };

  try {
    await unsubscribe.ready;
  } catch (error) {
    finish();
    throw error;
  }

  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (finished) return Promise.resolve({ value: undefined, done: true });
      if (queue.length > 0) return Promise.resolve(deliver(queue.shift() as T));
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return(): Promise<IteratorResult<T>> {
      return Promise.resolve(finish());
    },
    throw(error?: unknown): Promise<IteratorResult<T>> {
      finish();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
