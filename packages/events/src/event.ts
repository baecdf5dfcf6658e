import { randomUUID } from 'node:crypto';
import { type EventPayload, type EventType } from './catalog';
import { activeTraceparent } from './tracing';

/** One fact that happened in the owning subgraph, as it travels between subgraphs. */
export interface DomainEvent<P = Record<string, unknown>> {
  /** uuid; consumers deduplicate on it. */
  id: string;
  /** `<domain>.<name>`, e.g. `order.placed`. The domain selects the stream. */
  type: string;
  /** Payload schema version. */
  version: number;
  /** ISO 8601. */
  occurredAt: string;
  /** The entity the event is about, e.g. the order id. */
  aggregateId: string;
  payload: P;
  /** W3C trace context of the span that created the event, when tracing is on (tracing.ts). */
  traceparent?: string;
}

/** An event of the catalog (catalog.ts): its `type` narrows its payload. */
export type CatalogEvent<T extends EventType = EventType> = {
  [K in T]: DomainEvent<EventPayload<K>> & { type: K };
}[T];

/**
 * A new event with a fresh id, now as `occurredAt` and the active trace context. A catalog type
 * takes exactly its payload (`createEvent('order.placed', orderId, { ... })`); a type outside the
 * catalog (tests' `test.*` events, a foreign producer) is accepted unchecked, and a literal catalog
 * type with another payload does not compile.
 */
export function createEvent<T extends EventType>(
  type: T,
  aggregateId: string,
  payload: EventPayload<T>,
  version?: number,
): CatalogEvent<T>;
export function createEvent<S extends string, P = Record<string, unknown>>(
  type: S extends EventType ? never : S,
  aggregateId: string,
  payload: P,
  version?: number,
): DomainEvent<P>;
export function createEvent(
  type: string,
  aggregateId: string,
  payload: unknown,
  version = 1,
): DomainEvent<unknown> {
  eventDomain(type);
  const traceparent = activeTraceparent();
  return {
    id: randomUUID(),
    type,
    version,
    occurredAt: new Date().toISOString(),
    aggregateId,
    payload,
    ...(traceparent ? { traceparent } : {}),
  };
}

/**
 * An event whose payload is not checked against the catalog, whatever its type: for tests of the
 * bus itself and of the consumer boundary (a malformed `order.placed` must be dead-lettered).
 * Production code uses `createEvent`.
 */
export function createUncheckedEvent<P = Record<string, unknown>>(
  type: string,
  aggregateId: string,
  payload: P,
  version?: number,
): DomainEvent<P> {
  return createEvent(type as never, aggregateId, payload, version) as DomainEvent<P>;
}

/** `order.placed` -> `order`. Throws for a type without a domain, which could not be routed. */
export function eventDomain(type: string): string {
  const dot = type.indexOf('.');
  if (dot <= 0 || dot === type.length - 1) {
    throw new Error(`Event type "${type}" must look like "<domain>.<name>"`);
  }
  return type.slice(0, dot);
}

export function serializeEvent(event: DomainEvent<unknown>): string {
  return JSON.stringify(event);
}

/** Parses and checks the envelope; a malformed entry must not reach a handler. */
export function parseEvent(raw: string): DomainEvent {
  const value: unknown = JSON.parse(raw);
  if (!isDomainEvent(value)) throw new Error('Not a domain event envelope');
  return value;
}

export function isDomainEvent(value: unknown): value is DomainEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.type === 'string' &&
    typeof v.version === 'number' &&
    typeof v.occurredAt === 'string' &&
    typeof v.aggregateId === 'string' &&
    typeof v.payload === 'object' &&
    v.payload !== null
  );
}
