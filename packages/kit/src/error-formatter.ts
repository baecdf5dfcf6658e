import { randomUUID } from 'node:crypto';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, isErrorCode } from './errors';
import type { Logger } from './logger';

// Codes Apollo Server and graphql-js give to malformed requests (the caller's fault): their
// messages describe the request, not our internals, so they pass unchanged.
const requestErrorCodes = new Set<string>([
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.BAD_REQUEST,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
]);

export const MASKED_ERROR_MESSAGE = 'Internal server error';

/** Extensions a client must never see, whatever the error. */
function publicExtensions(extensions: GraphQLFormattedError['extensions']): Record<string, unknown> {
  const { stacktrace: _stacktrace, exception: _exception, http: _http, ...rest } = extensions ?? {};
  return rest;
}

/**
 * Apollo Server's `formatError`. Errors raised on purpose (a contract ErrorCode on a
 * GraphQLError) and request errors (parse, validation, variable coercion) reach the client as
 * they are, minus stack traces. Anything else (a bug, a driver error, a null in a non-null
 * field) is logged with a fresh `errorId` and the client gets only INTERNAL_SERVER_ERROR and
 * that id.
 */
export function createErrorFormatter(logger: Logger) {
  return function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    const deliberate =
      original instanceof GraphQLError &&
      isErrorCode(original.extensions.code) &&
      original.extensions.code !== ErrorCode.INTERNAL_SERVER_ERROR;
    const requestError =
      typeof code === 'string' &&
      requestErrorCodes.has(code) &&
      !(original instanceof Error && !(original instanceof GraphQLError));
    if (deliberate || requestError) {
      return { ...formatted, extensions: publicExtensions(formatted.extensions) };
    }
    const errorId = randomUUID();
    // Errors outside resolvers (a failing context function) arrive wrapped without a path.
    const inner =
      original instanceof GraphQLError && original.originalError ? original.originalError : original;
    const cause = inner instanceof Error ? inner : new Error(String(inner));
    logger.error(
      { errorId, err: cause, path: formatted.path },
      `Unexpected error ${errorId}: ${cause.message}`,
    );
    return {
      message: MASKED_ERROR_MESSAGE,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId },
    };
  };
}
