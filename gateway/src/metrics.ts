import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';
import { graphqlMetrics, type GraphQLMetrics } from '@novamart/kit';

export interface GatewayMetrics extends GraphQLMetrics {
  subgraphFetchSeconds: Histogram<'subgraph' | 'outcome'>;
  operationCost: Histogram<'operation'>;
  wsConnections: Gauge;
  liveSubscriptions: Gauge;
  liveEvents: Counter<'field'>;
  liveEventSeconds: Histogram<'field'>;
}

/** The registry's metric of that name, created on first use (so two gateways may share a registry). */
function once<M extends Metric>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

/** The gateway's series, on top of the kit's GraphQL ones (requests, latency, errors per code). */
export function gatewayMetrics(registry: Registry): GatewayMetrics {
  return {
    ...graphqlMetrics(registry),
    subgraphFetchSeconds: once(
      registry,
      'gateway_subgraph_fetch_duration_seconds',
      () =>
        new Histogram({
          name: 'gateway_subgraph_fetch_duration_seconds',
          help: 'Round trips from the gateway to a subgraph, per subgraph and outcome (ok, error, timeout)',
          labelNames: ['subgraph', 'outcome'],
          buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers: [registry],
        }),
    ),
    operationCost: once(
      registry,
      'gateway_operation_cost',
      () =>
        new Histogram({
          name: 'gateway_operation_cost',
          help: 'Estimated cost of accepted operations (see MAX_QUERY_COST)',
          labelNames: ['operation'],
          buckets: [10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
          registers: [registry],
        }),
    ),
    wsConnections: once(
      registry,
      'gateway_ws_connections',
      () =>
        new Gauge({
          name: 'gateway_ws_connections',
          help: 'Open graphql-ws connections that passed connection_init',
          registers: [registry],
        }),
    ),
    liveSubscriptions: once(
      registry,
      'gateway_live_subscriptions',
      () =>
        new Gauge({
          name: 'gateway_live_subscriptions',
          help: 'Subscriptions currently listening on the live bus',
          registers: [registry],
        }),
    ),
    liveEvents: once(
      registry,
      'gateway_live_events_total',
      () =>
        new Counter({
          name: 'gateway_live_events_total',
          help: 'Subscription events delivered, per subscription field',
          labelNames: ['field'],
          registers: [registry],
        }),
    ),
    liveEventSeconds: once(
      registry,
      'gateway_live_event_resolution_seconds',
      () =>
        new Histogram({
          name: 'gateway_live_event_resolution_seconds',
          help: 'From a live-bus message to its resolved event, per subscription field',
          labelNames: ['field'],
          buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers: [registry],
        }),
    ),
  };
}
