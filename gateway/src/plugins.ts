import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '@novamart/kit';
import type { GatewayContext } from './context';
import { enforceOperationLimits, measuredVariables, type OperationLimits } from './limits';
import type { GatewayMetrics } from './metrics';

/**
 * Depth and cost limits, checked once the operation is known and before the query planner
 * sends anything to a subgraph. Subscriptions are refused here: they are served over graphql-ws.
 */
export function operationLimitsPlugin(
  limits: OperationLimits,
  metrics: GatewayMetrics,
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, operationName, request, schema }) {
          if (!operation) return; // Apollo Server has already refused it
          if (operation.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) at /graphql', {
              extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } },
            });
          }
          const variables = measuredVariables(schema, operation, request.variables ?? {});
          const measure = enforceOperationLimits(schema, document, operation, variables, limits);
          metrics.operationCost.observe({ operation: operationName ?? 'anonymous' }, measure.cost);
        },
      };
    },
  };
}

/** Requests, latency per operation, and errors per `extensions.code` as clients see them. */
export function requestMetricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, response }) {
          const operation = operationName ?? 'anonymous';
          metrics.requests.inc({ operation });
          metrics.duration.observe({ operation }, Number(process.hrtime.bigint() - started) / 1e9);
          if (response.body.kind === 'single') {
            for (const error of response.body.singleResult.errors ?? []) {
              const code = error.extensions?.code;
              metrics.errors.inc({ code: typeof code === 'string' ? code : 'UNKNOWN' });
            }
          }
        },
      };
    },
  };
}
