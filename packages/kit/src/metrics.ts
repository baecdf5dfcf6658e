import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Also collect Node process metrics (CPU, memory, event loop); one registry per process should. */
  processMetrics?: boolean;
}

/**
 * A prom-client registry whose every series carries `service`. Each subgraph gets its own (the
 * all-in-one process holds several); the events package registers bus metrics on it too.
 */
export function createMetricsRegistry(service: string, options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  return (
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] })
  );
}

export interface GraphQLMetrics {
  requests: Counter<'operation'>;
  duration: Histogram<'operation'>;
  errors: Counter<'code'>;
}

/** The GraphQL series of a registry, created on first use. */
export function graphqlMetrics(registry: Registry): GraphQLMetrics {
  const durationName = 'graphql_request_duration_seconds';
  return {
    requests: counter(registry, 'graphql_requests_total', 'GraphQL operations executed, per operation name', [
      'operation',
    ]),
    duration:
      (registry.getSingleMetric(durationName) as Histogram<'operation'> | undefined) ??
      new Histogram({
        name: durationName,
        help: 'GraphQL operation latency in seconds, per operation name',
        labelNames: ['operation'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
    errors: counter(
      registry,
      'graphql_errors_total',
      'GraphQL errors returned to callers, per extensions.code',
      ['code'],
    ),
  };
}
