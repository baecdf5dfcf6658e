import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { createErrorFormatter, ErrorCode, isErrorCode, type Logger } from '@novamart/kit';

/** Extensions a client never sees. */
function publicExtensions(extensions: GraphQLFormattedError['extensions']): Record<string, unknown> {
  const { stacktrace: _s, exception: _e, http: _h, serviceName: _n, ...rest } = extensions ?? {};
  return rest;
}

/**
 * The gateway's `formatError`. Errors a subgraph returned (`@apollo/gateway` marks them with
 * `extensions.serviceName`) already went through that subgraph's formatter: a contract code
 * passes with all its extensions (`field`, `available`...), and an INTERNAL_SERVER_ERROR keeps
 * the subgraph's `errorId` (the one in that subgraph's log) and names the subgraph. Everything
 * else follows the kit's rules: request errors pass, anything unexpected is masked with a logged
 * `errorId`.
 */
export function createGatewayErrorFormatter(logger: Logger) {
  const kitFormatter = createErrorFormatter(logger);
  return function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const extensions = formatted.extensions ?? {};
    const fromSubgraph = error instanceof GraphQLError && typeof error.extensions.serviceName === 'string';
    if (fromSubgraph && isErrorCode(extensions.code)) {
      const base = {
        message: formatted.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
      };
      if (extensions.code !== ErrorCode.INTERNAL_SERVER_ERROR)
        return { ...base, extensions: publicExtensions(extensions) };
      if (typeof extensions.errorId === 'string') {
        return {
          ...base,
          extensions: {
            code: ErrorCode.INTERNAL_SERVER_ERROR,
            errorId: extensions.errorId,
            serviceName: extensions.serviceName,
          },
        };
      }
    }
    return kitFormatter(formatted, error);
  };
}
