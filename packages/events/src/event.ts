import { randomUUID } from 'node:crypto';
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

export function createEvent<P = Record<string, unknown>>(
  type: string,
  aggregateId: string,
  payload: P,
  version = 1,
): DomainEvent<P> {
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
