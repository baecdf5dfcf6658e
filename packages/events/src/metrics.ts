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
  // Get-or-create: another bus or relay of the process may have registered it already.
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
    (registry.getSingleMetric(name) as Gauge<L> | undefined) ??
    new Gauge({ name, help, labelNames, registers });
  const metrics: EventMetrics = {
    published: counter('novamart_events_published_total', 'Domain events handed to the bus', ['type']),
    handled: counter(
      'novamart_events_handled_total',
      'Handler attempts by outcome (success, failure, dead_lettered, ignored)',
      ['group', 'type', 'outcome'],
    ),
    retries: counter('novamart_events_retries_total', 'Handler retries after a failure', ['group', 'type']),
    deadLettered: counter('novamart_events_dead_lettered_total', 'Events moved to a dead-letter stream', [
      'group',
      'type',
    ]),
    lag:
      (registry.getSingleMetric('novamart_events_lag_seconds') as Histogram<'group' | 'type'> | undefined) ??
      new Histogram({
        name: 'novamart_events_lag_seconds',
        help: 'Time from occurredAt to the start of handling',
        labelNames: ['group', 'type'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        registers,
      }),
    pending: gauge('novamart_events_pending', 'Entries delivered to a group and not yet acknowledged', [
      'group',
      'stream',
    ]),
    outboxRelayed: counter('novamart_outbox_relayed_total', 'Outbox entries published by the relay', [
      'collection',
    ]),
    outboxPending: gauge(
      'novamart_outbox_pending',
      'Outbox entries not yet published, as last seen by the relay',
      ['collection'],
    ),
  };
  cache.set(registry, metrics);
  return metrics;
}
