import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { REQUEST_ID_HEADER, type InProcessGraphQLHandler } from '@novamart/kit';
import type { GatewayContext } from './context';
import { SubgraphTimeoutError, deadlineHeader, type SubgraphSourceOptions } from './subgraph-source';

/**
 * A subgraph running in the gateway's own process (`npm start`): the subgraph's Apollo Server is
 * called directly instead of over HTTP on 127.0.0.1, sparing both sides the socket, HTTP parsing,
 * express and a fetch per subgraph call. Everything else is as over HTTP: the same headers
 * (`Authorization`, request id, `x-forwarded-for`, the deadline) reach the subgraph's context function, the
 * subgraph verifies the token itself, its errors keep their codes, the timeout and the fetch
 * metrics apply. Subgraphs in other processes keep `SubgraphSource` (HTTP).
 */
export class InProcessSubgraphSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly handle: InProcessGraphQLHandler,
    private readonly options: Omit<SubgraphSourceOptions, 'url'>,
  ) {}

  async process({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { name, timeoutMs, onFetch } = this.options;
    if (!request.query) throw new Error('Missing query');
    const headers: Record<string, string | undefined> = { 'content-type': 'application/json' };
    // Health checks and schema loads carry no caller.
    const caller = context as Partial<GatewayContext>;
    if (caller.authorization) headers.authorization = caller.authorization;
    if (caller.requestId) headers[REQUEST_ID_HEADER] = caller.requestId;
    if (caller.forwardedFor) headers['x-forwarded-for'] = caller.forwardedFor;
    Object.assign(headers, deadlineHeader(timeoutMs));
    const body: Record<string, unknown> = { query: request.query };
    if (request.variables) body.variables = request.variables;
    if (request.operationName) body.operationName = request.operationName;
    if (request.extensions) body.extensions = request.extensions;

    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let timer: NodeJS.Timeout | undefined;
    let response;
    try {
      response = await Promise.race([
        this.handle({ body, headers }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new SubgraphTimeoutError(name, timeoutMs)), timeoutMs);
        }),
      ]);
    } catch (error) {
      onFetch?.(name, seconds(), error instanceof SubgraphTimeoutError ? 'timeout' : 'error');
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const { result } = response;
    const ok = response.status >= 200 && response.status < 300;
    const graphqlBody =
      typeof result === 'object' && result !== null && ('data' in result || 'errors' in result);
    onFetch?.(name, seconds(), ok ? 'ok' : 'error');
    // As over HTTP (SubgraphSource): a refusal with a GraphQL body passes on with its codes.
    if (graphqlBody) return result as GatewayGraphQLResponse;
    throw new GraphQLError(`${response.status}: ${JSON.stringify(result).slice(0, 200)}`, {
      extensions: {
        code:
          response.status === 401
            ? 'UNAUTHENTICATED'
            : response.status === 403
              ? 'FORBIDDEN'
              : 'INTERNAL_SERVER_ERROR',
      },
    });
  }
}
