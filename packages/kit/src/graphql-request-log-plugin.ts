import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from './logger';

/**
 * One log line per GraphQL operation: debug when it succeeded, info when it returned errors
 * (the unexpected ones are already logged in full, with their errorId, by the error formatter).
 */
export function graphqlRequestLogPlugin(logger: Logger): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, request, response }) {
          const errors =
            response.body.kind === 'single'
              ? response.body.singleResult.errors
              : response.body.initialResult.errors;
          const entry = {
            operation: operationName ?? request.operationName ?? 'anonymous',
            durationMs: Math.round((performance.now() - started) * 10) / 10,
            ...(errors?.length ? { errorCodes: errors.map((e) => e.extensions?.code ?? 'UNKNOWN') } : {}),
          };
          if (errors?.length) logger.info(entry, 'graphql request finished with errors');
          else logger.debug(entry, 'graphql request');
        },
      };
    },
  };
}
