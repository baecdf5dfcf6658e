import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { createErrorFormatter, ErrorCode, type Logger } from '@novamart/kit';

/**
 * The gateway's `formatError`: the kit's rules (contract codes pass, anything else is masked
 * with a logged `errorId`), plus one: an INTERNAL_SERVER_ERROR that a subgraph already masked
 * keeps the subgraph's `errorId`, which is the one in that subgraph's log.
 */
export function createGatewayErrorFormatter(logger: Logger) {
  const kitFormatter = createErrorFormatter(logger);
  return function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const original = unwrapResolverError(error);
    const extensions = formatted.extensions ?? {};
    if (
      original instanceof GraphQLError &&
      extensions.code === ErrorCode.INTERNAL_SERVER_ERROR &&
      typeof extensions.serviceName === 'string' &&
      typeof extensions.errorId === 'string'
    ) {
      return {
        message: formatted.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId: extensions.errorId, serviceName: extensions.serviceName },
      };
    }
    return kitFormatter(formatted, error);
  };
}
