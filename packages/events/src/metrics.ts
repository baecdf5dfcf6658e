import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Metrics of the event machinery. Get-or-create by name, because several buses and relays of one
 * process (the all-in-one start) may share one registry.
 */
export interface EventMetrics {
  published: Counter<'type'>;
  handled: Counter<'group' | 'type' | 'outcome'>;
  retries: Counter<'group' | 'type'>;
  deadLettered: Counter<'group' | 'type'>;
  lag: Histogram<'group' | 'type'>;
  pending: Gauge<'group' | 'stream'>;
  outboxRelayed: Counter<'collection'>;
  outboxPending: Gauge<'collection'>;
}

/** Outcome label of `novamart_events_handled_total`. */
export type HandledOutcome = 'success' | 'failure' | 'dead_lettered' | 'ignored';

const cache = new WeakMap<Registry, EventMetrics>();

export function eventMetrics(registry: Registry = new Registry()): EventMetrics {
  const cached = cache.get(registry);
  if (cached) return cached;
  const registers = [registry];
  const reuse = <T>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make();
  const metrics: EventMetrics = {
    published: reuse(
      'novamart_events_published_total',
      () =>
        new Counter({
          name: 'novamart_events_published_total',
          help: 'Domain events handed to the bus',
          labelNames: ['type'],
          registers,
        }),
    ),
    handled: reuse(
      'novamart_events_handled_total',
      () =>
        new Counter({
          name: 'novamart_events_handled_total',
          help: 'Handler attempts by outcome (success, failure, dead_lettered, ignored)',
          labelNames: ['group', 'type', 'outcome'],
          registers,
        }),
    ),
    retries: reuse(
      'novamart_events_retries_total',
      () =>
        new Counter({
          name: 'novamart_events_retries_total',
          help: 'Handler retries after a failure',
          labelNames: ['group', 'type'],
          registers,
        }),
    ),
    deadLettered: reuse(
      'novamart_events_dead_lettered_total',
      () =>
        new Counter({
          name: 'novamart_events_dead_lettered_total',
          help: 'Events moved to a dead-letter stream',
          labelNames: ['group', 'type'],
          registers,
        }),
    ),
    lag: reuse(
      'novamart_events_lag_seconds',
      () =>
        new Histogram({
          name: 'novamart_events_lag_seconds',
          help: 'Time from occurredAt to the start of handling',
          labelNames: ['group', 'type'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
          registers,
        }),
    ),
    pending: reuse(
      'novamart_events_pending',
      () =>
        new Gauge({
          name: 'novamart_events_pending',
          help: 'Entries delivered to a group and not yet acknowledged',
          labelNames: ['group', 'stream'],
          registers,
        }),
    ),
    outboxRelayed: reuse(
      'novamart_outbox_relayed_total',
      () =>
        new Counter({
          name: 'novamart_outbox_relayed_total',
          help: 'Outbox entries published by the relay',
          labelNames: ['collection'],
          registers,
        }),
    ),
    outboxPending: reuse(
      'novamart_outbox_pending',
      () =>
        new Gauge({
          name: 'novamart_outbox_pending',
          help: 'Outbox entries not yet published, as last seen by the relay',
          labelNames: ['collection'],
          registers,
        }),
    ),
  };
  cache.set(registry, metrics);
  return metrics;
}
