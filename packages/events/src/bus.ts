import { type BackoffPolicy } from './backoff';
import { type DomainEvent } from './event';

/** Runs at least once per event; wrap it with `idempotentConsumer` to make its effect happen once. */
export type EventHandler = (event: DomainEvent<any>) => Promise<unknown>;

export interface SubscribeOptions {
  /** The consuming subgraph, e.g. `inventory`. Each group sees every event once (at least once). */
  group: string;
  /** Exact types (`order.placed`) or a whole domain (`order.*`). */
  types: readonly string[];
  handler: EventHandler;
  /** Handler attempts before the event goes to the group's dead letters. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
}

export interface DeadLetter {
  /** Id of the dead-letter entry (stream id for Redis). */
  id: string;
  group: string;
  event: DomainEvent;
  error: string;
  attempts: number;
  deadAt: string;
}

export interface EventBus {
  /** Resolves once every event is durably handed to the transport, in order. */
  publish(events: DomainEvent<any> | readonly DomainEvent<any>[]): Promise<void>;
  /**
   * Several subscriptions may share a group as long as their types don't overlap. Allowed before or
   * after `start()`.
   */
  subscribe(options: SubscribeOptions): void;
  /** Begins consuming for every subscribed group. Idempotent. */
  start(): Promise<void>;
  /** Stops reading, lets in-flight handlers finish (their remaining retries are left for redelivery), closes. */
  close(): Promise<void>;
  /** Newest last. */
  deadLetters(group: string, limit?: number): Promise<DeadLetter[]>;
}
