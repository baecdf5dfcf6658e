import { type ClientSession, type Connection } from 'mongoose';
import { type EventBus } from './bus';
import { eventSchemas, isEventType, type EventType } from './catalog';
import { type CatalogEvent, type DomainEvent } from './event';
import {
  idempotentConsumer,
  type IdempotentConsumerOptions,
  type IdempotentOutcome,
} from './idempotent-consumer';
import { inTransaction, type Outbox } from './outbox';
import { rejectEvent } from './rejected-event';

/** What a transactional handler runs in: the consumer's transaction and its outbox. */
export interface ConsumerTx {
  session: ClientSession;
  /** Events added here commit with the handler's writes and the idempotency record. */
  outbox: Outbox;
  /**
   * Runs `effect` once the transaction has committed and the event was processed for the first
   * time (not for a duplicate): for effects outside the database, such as a cache bump.
   */
  afterCommit(effect: () => Promise<unknown> | void): void;
}

export type TransactionalHandler<T extends EventType> = (
  event: CatalogEvent<T>,
  tx: ConsumerTx,
) => Promise<unknown>;
export type TransactionalHandlers = { [T in EventType]?: TransactionalHandler<T> };

export type DirectHandler<T extends EventType> = (event: CatalogEvent<T>) => Promise<unknown>;
export type DirectHandlers = { [T in EventType]?: DirectHandler<T> };

interface ConsumerCommon {
  /** The consumer group on the bus, e.g. `inventory`: each group sees every event (at least once). */
  group: string;
  /** Handler attempts before the event goes to the group's dead letters; default the bus's. */
  maxAttempts?: number;
}

/**
 * The default: each handler runs once per event id, inside one MongoDB transaction together with
 * the idempotency record (`idempotentConsumer`) and the events it adds to the outbox.
 */
export interface TransactionalConsumer extends ConsumerCommon {
  /** The name the idempotency records are kept under (`<consumer>:<event id>`); default `group`. */
  consumer?: string;
  idempotentBy?: undefined;
  transactional?: undefined;
  handlers: TransactionalHandlers;
  /**
   * Runs around each (valid) event's processing, outside its transaction: for what must come
   * before the transaction begins, such as inventory's per-stock-item locks, or after it ends.
   * `process` is the idempotent, transactional handling; its outcome must be returned.
   */
  around?(event: CatalogEvent, process: () => Promise<IdempotentOutcome>): Promise<IdempotentOutcome>;
}

/**
 * Handlers run in a transaction with their outbox, like the default, but without the idempotency
 * record: for handlers that decide on the state they read in the transaction and write only on a
 * condition of it (a compare-and-set of a revision or a status, a unique index), so a repeated
 * event finds its change made and writes nothing, and duplicates handled at once meet at the
 * condition (one commits, the other's transaction runs again and finds the change). Saves the
 * record's insert on every event; `idempotentBy` says why a repeat is harmless. `afterCommit`
 * effects run after every commit, a repeat's included. A handler whose write does not depend on
 * what it read (a name set from the event) stays in the default kind. A handler whose state records
 * the very event that made its change (an event id kept on the row it wrote) may return
 * `'duplicate'` when it finds that event applied and writes nothing: the outcome is then
 * `duplicate`, as the record would have answered (and `afterCommit` effects do not run).
 */
export interface StateIdempotentConsumer extends ConsumerCommon {
  idempotentBy: string;
  transactional: true;
  handlers: TransactionalHandlers;
  /** As `TransactionalConsumer.around`; the outcome is `processed` unless the handler answered `'duplicate'`. */
  around?(event: CatalogEvent, process: () => Promise<IdempotentOutcome>): Promise<IdempotentOutcome>;
}

/**
 * Handlers run without the transaction and idempotency record, at least once per event. For
 * effects that cannot join a transaction (a provider call, a live-bus publish, a mail), and for
 * an effect that is one write of one document (a projection row; a compare-and-set of an
 * aggregate carrying its events, `DocumentEvents`), each idempotent by its own state;
 * `idempotentBy` says how, so that no consumer forgets it silently.
 */
export interface DirectConsumer extends ConsumerCommon {
  idempotentBy: string;
  transactional?: false;
  handlers: DirectHandlers;
}

/** A subgraph module's declaration of one consumer: its group and, per event type, its handler. */
export type ConsumerDeclaration = TransactionalConsumer | StateIdempotentConsumer | DirectConsumer;

/** The event types a declaration consumes. */
export function consumedTypes(declaration: ConsumerDeclaration): EventType[] {
  return Object.keys(declaration.handlers).filter(isEventType);
}

/**
 * Checks an event of the catalog against its payload schema. A malformed payload is permanently
 * invalid: `rejectEvent` dead-letters it at once with the reason, before any handler runs.
 */
export function validateEvent<T extends EventType>(event: DomainEvent<unknown>, type: T): CatalogEvent<T> {
  const result = eventSchemas[type].safeParse(event.payload);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
      .join('; ');
    rejectEvent(`malformed ${type} payload: ${problems}`);
  }
  // The handler sees the payload as it was sent: keys a newer producer added stay readable.
  return event as CatalogEvent<T>;
}

type AnyHandler = (event: CatalogEvent, tx?: ConsumerTx) => Promise<unknown>;

/**
 * The bus handler of a declaration: validates the payload, then runs the type's handler; for a
 * transactional consumer inside `idempotentConsumer` (or, idempotent by state, inside a
 * transaction alone), followed by the `afterCommit` effects of a processing that committed.
 */
export function consumerHandler(
  conn: Connection,
  declaration: ConsumerDeclaration,
  options: IdempotentConsumerOptions = {},
): (event: DomainEvent<any>) => Promise<IdempotentOutcome | 'ignored'> {
  const handlers = declaration.handlers as Partial<Record<string, AnyHandler>>;
  const resolve = (event: DomainEvent<any>) => {
    const handler = isEventType(event.type) ? handlers[event.type] : undefined;
    return handler ? { handler, checked: validateEvent(event, event.type as EventType) } : null;
  };

  if (declaration.idempotentBy !== undefined && !declaration.transactional) {
    return async (event) => {
      const found = resolve(event);
      if (!found) return 'ignored';
      await found.handler(found.checked);
      return 'processed';
    };
  }

  const effectsByEvent = new Map<string, (() => Promise<unknown> | void)[]>();
  const handle = async (event: DomainEvent<any>, session: ClientSession, outbox: Outbox) => {
    const found = resolve(event);
    if (!found) return undefined;
    // A retried transaction runs this again: only the last (committed) run's effects count.
    const effects: (() => Promise<unknown> | void)[] = [];
    effectsByEvent.set(event.id, effects);
    return found.handler(found.checked, { session, outbox, afterCommit: (effect) => effects.push(effect) });
  };
  const consume: (event: DomainEvent<any>) => Promise<IdempotentOutcome> = declaration.transactional
    ? async (event) => {
        // The committed run's answer: a state-idempotent handler says 'duplicate' for its own repeat.
        const answer = await inTransaction(
          conn,
          (session, outbox) => handle(event, session, outbox),
          options,
        );
        return answer === 'duplicate' ? 'duplicate' : 'processed';
      }
    : idempotentConsumer(
        conn,
        declaration.consumer ?? declaration.group,
        async (event, session, outbox) => {
          await handle(event, session, outbox);
        },
        options,
      );
  const { around } = declaration;
  return async (event) => {
    // Checked before the transaction too, so that a malformed event is not even recorded.
    const found = resolve(event);
    if (!found) return 'ignored';
    try {
      const outcome = around ? await around(found.checked, () => consume(event)) : await consume(event);
      if (outcome === 'processed') for (const effect of effectsByEvent.get(event.id) ?? []) await effect();
      return outcome;
    } finally {
      effectsByEvent.delete(event.id);
    }
  };
}

/**
 * Subscribes declared consumers on the bus: one subscription per declaration, each handler wrapped
 * by `consumerHandler`. This is the only place a subgraph's consumers reach the bus (the kit calls
 * it for the `consumers` a module's instance declares).
 */
export function subscribeConsumers(
  bus: EventBus,
  conn: Connection,
  declarations: readonly ConsumerDeclaration[],
  options: IdempotentConsumerOptions = {},
): void {
  for (const declaration of declarations) {
    bus.subscribe({
      group: declaration.group,
      types: consumedTypes(declaration),
      handler: consumerHandler(conn, declaration, options),
      ...(declaration.maxAttempts !== undefined && { maxAttempts: declaration.maxAttempts }),
    });
  }
}
