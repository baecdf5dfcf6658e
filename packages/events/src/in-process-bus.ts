import { MemoryStreamBroker } from './memory-stream-broker';
import { StreamBus, type StreamBusOptions } from './stream-bus';

export interface InProcessBusOptions extends StreamBusOptions {
  /**
   * Shared by buses that should behave like processes on one Redis (tests of crash recovery).
   * Default: a private broker.
   */
  broker?: MemoryStreamBroker;
}

/**
 * The event bus of the all-in-one mode: the same consumer-group semantics as `RedisStreamsBus`
 * (per-group delivery in order, ack after success, retries with backoff, claim of stale entries,
 * dead letters, inspectable through `deadLetters(group)`), kept in memory. Its durability ends with
 * the process; events still in the outbox survive, events already relayed do not.
 */
export class InProcessBus extends StreamBus {
  readonly broker: MemoryStreamBroker;

  constructor(options: InProcessBusOptions = {}) {
    const broker = options.broker ?? new MemoryStreamBroker();
    // Nothing can crash apart from the whole process here, so blocking reads can be long.
    super(broker, { blockMs: 60_000, ...options });
    this.broker = broker;
  }
}
