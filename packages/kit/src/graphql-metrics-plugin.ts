import type { ApolloServerPlugin } from '@apollo/server';
import type { Registry } from 'prom-client';
import { ErrorCode } from './errors';
import { graphqlMetrics } from './metrics';

/** Counts operations, their latency and the codes of the errors sent back. */
export function graphqlMetricsPlugin(registry: Registry): ApolloServerPlugin {
  const metrics = graphqlMetrics(registry);
  return {
    async contextCreationDidFail({ error }) {
      const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
      metrics.errors.inc({ code: typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR });
    },
    async requestDidStart() {
      const stopTimer = metrics.duration.startTimer();
      return {
        async willSendResponse({ operationName, request, response }) {
          const operation = operationName ?? request.operationName ?? 'anonymous';
          metrics.requests.inc({ operation });
          stopTimer({ operation });
          const errors =
            response.body.kind === 'single'
              ? response.body.singleResult.errors
              : response.body.initialResult.errors;
          for (const error of errors ?? []) {
            const code = error.extensions?.code;
            metrics.errors.inc({ code: typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR });
          }
        },
      };
    },
  };
}
