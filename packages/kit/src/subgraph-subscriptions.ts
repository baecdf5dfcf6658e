import type { Server } from 'node:http';
import type { RequestHandler, Response } from 'express';
import {
  GraphQLError,
  getOperationAST,
  parse,
  subscribe,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AppError, ErrorCode } from './errors';
import type { Logger } from './logger';
import { requestContext, requestIdFrom, REQUEST_ID_HEADER } from './request-context';
import type { SubgraphContext } from './subgraph-types';

/**
 * Standard subscription transports of a subgraph, so that any federation router can reach the
 * Subscription fields it owns on its /graphql path:
 *
 * - graphql-ws (`graphql-transport-ws` subprotocol): Hive Gateway's `kind: 'ws'`, Apollo Router's
 *   `protocol: graphql_ws`. The token comes from `connection_init` (`{ authorization }`) or the
 *   upgrade request's Authorization header.
 * - GraphQL over SSE, distinct connections mode (`Accept: text/event-stream`): Hive Gateway's
 *   default HTTP transport. `event: next` per result, `event: complete` at the end.
 * - Apollo's multipart subscription protocol (`Accept: multipart/mixed;subscriptionSpec="1.0"`):
 *   Apollo Client and Router. `{"payload": result}` parts, `{}` heartbeats.
 *
 * Apollo Server 5 serves neither streaming protocol, so subscription operations are taken out of
 * the HTTP chain before it; queries and mutations never reach this code. The CSRF rule is Apollo
 * Server's: a request a browser could send cross-site without a preflight (no Content-Type or a
 * "simple" one, no `x-apollo-operation-name` / `apollo-require-preflight`) is refused, so routers
 * must POST JSON (or add one of those headers to their GET).
 */
export interface SubscriptionTransportOptions {
  schema: GraphQLSchema;
  /** The same context builder as queries: viewer from the token, loaders, the instance's services. */
  contextFor(authorization: string | undefined, requestId: string): Promise<SubgraphContext>;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  logger: Logger;
  /** Heartbeat interval of open HTTP streams; default 12 s. */
  keepAliveMs?: number;
}

export interface SubscriptionTransports {
  /** Mount on /graphql after the JSON body parser and before Apollo Server. */
  httpHandler: RequestHandler;
  /** Serves graphql-ws on `path` of `server`. */
  attachWebSocket(server: Server, path: string): void;
  /** Streams and sockets currently open. */
  open(): number;
  /** Completes every open stream and closes every socket (graceful shutdown). */
  close(): Promise<void>;
}

const CSRF_SIMPLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);
const CSRF_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'];
const CSRF_MESSAGE =
  'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Send it as a POST ' +
  'with Content-Type: application/json, or set a non-empty `x-apollo-operation-name` or ' +
  '`apollo-require-preflight` header.';

type StreamMode = 'sse' | 'multipart';

interface GraphQLParams {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

function paramsOf(req: { method: string; query: unknown; body: unknown }): GraphQLParams | null {
  if (req.method === 'POST') {
    return typeof req.body === 'object' && req.body !== null ? (req.body as GraphQLParams) : null;
  }
  if (req.method !== 'GET') return null;
  const q = req.query as Record<string, unknown>;
  let variables: unknown = q.variables;
  if (typeof variables === 'string') {
    try {
      variables = JSON.parse(variables) as unknown;
    } catch {
      variables = undefined;
    }
  }
  return { query: q.query, variables, operationName: q.operationName };
}

/** The subscription operation the request asks for, or null when it is anything else. */
function subscriptionDocument(params: GraphQLParams | null): DocumentNode | null {
  // Cheap test first: every query and mutation of the subgraph passes through here.
  if (!params || typeof params.query !== 'string' || !params.query.includes('subscription')) return null;
  let document: DocumentNode;
  try {
    document = parse(params.query);
  } catch {
    return null; // Apollo Server reports the syntax error as for any request.
  }
  const operationName = typeof params.operationName === 'string' ? params.operationName : undefined;
  return getOperationAST(document, operationName)?.operation === 'subscription' ? document : null;
}

function streamModeOf(accept: string | undefined): StreamMode | null {
  const value = (accept ?? '').toLowerCase();
  if (/multipart\/mixed/.test(value) && /subscriptionspec\s*=\s*"?1\.0"?/.test(value)) return 'multipart';
  if (value.includes('text/event-stream')) return 'sse';
  return null;
}

function blockedAsCsrf(headers: Record<string, string | string[] | undefined>): boolean {
  const contentType = headers['content-type'];
  const mime = typeof contentType === 'string' ? contentType.split(';')[0]!.trim().toLowerCase() : '';
  if (mime !== '' && !CSRF_SIMPLE_TYPES.has(mime)) return false;
  return !CSRF_HEADERS.some((name) => {
    const value = headers[name];
    return typeof value === 'string' && value !== '';
  });
}

function isAsyncIterable<T>(value: unknown): value is AsyncIterableIterator<T> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** One open HTTP stream in the chosen protocol. */
class HttpStream {
  private heartbeat: NodeJS.Timeout;
  private ended = false;

  constructor(
    private readonly res: Response,
    private readonly mode: StreamMode,
    keepAliveMs: number,
  ) {
    res.status(200);
    if (mode === 'sse') {
      res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    } else {
      res.setHeader('content-type', 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"');
    }
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('connection', 'keep-alive');
    // Proxies (nginx) must pass each event on as it comes.
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    if (mode === 'multipart') this.write('{}');
    this.heartbeat = setInterval(() => {
      if (mode === 'sse') res.write(':\n\n');
      else this.write('{}');
    }, keepAliveMs);
    this.heartbeat.unref();
  }

  private write(json: string): void {
    this.res.write(`\r\n--graphql\r\ncontent-type: application/json\r\n\r\n${json}`);
  }

  next(result: FormattedExecutionResult): void {
    if (this.ended) return;
    const json = JSON.stringify(result);
    if (this.mode === 'sse') this.res.write(`event: next\ndata: ${json}\n\n`);
    else this.write(`{"payload":${json}}`);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded && !this.res.destroyed) {
      this.res.end(this.mode === 'sse' ? 'event: complete\ndata:\n\n' : '\r\n--graphql--\r\n');
    }
  }
}

export function createSubscriptionTransports(options: SubscriptionTransportOptions): SubscriptionTransports {
  return new SubgraphSubscriptionTransports(options);
}

/** A JSON error answer for a subscription request that is refused before it starts. */
function refuse(res: Response, status: number, message: string, code: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

const NOT_A_STREAM_MESSAGE =
  'Subscriptions are served over graphql-ws (WebSocket), GraphQL over SSE (Accept: text/event-stream) ' +
  'or the multipart protocol (Accept: multipart/mixed;subscriptionSpec="1.0") on this path';

/** graphql-ws's onSubscribe: only subscriptions, parsed and validated, else the errors. */
function wsOperationErrors(schema: GraphQLSchema, query: string, operationName?: string | null) {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return [toGraphQLError(error)];
  }
  if (getOperationAST(document, operationName)?.operation !== 'subscription') {
    return [
      new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations over HTTP', {
        extensions: { code: 'BAD_REQUEST' },
      }),
    ];
  }
  const errors = validate(schema, document);
  if (errors.length > 0) return errors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
  return undefined;
}

class SubgraphSubscriptionTransports implements SubscriptionTransports {
  private readonly keepAliveMs: number;
  private readonly streams = new Set<() => Promise<void>>();
  private wsServer: WebSocketServer | undefined;
  private disposeWs: (() => Promise<void>) | undefined;
  private closing = false;

  constructor(private readonly options: SubscriptionTransportOptions) {
    this.keepAliveMs = options.keepAliveMs ?? 12_000;
  }

  private format(result: ExecutionResult): FormattedExecutionResult {
    if (!result.errors) return result as FormattedExecutionResult;
    return {
      ...(result.data !== undefined ? { data: result.data } : {}),
      errors: result.errors.map((error) => this.options.formatError(error.toJSON(), error)),
    };
  }

  private errorResult(error: unknown): FormattedExecutionResult {
    const graphqlError =
      error instanceof GraphQLError
        ? error
        : new GraphQLError('Subscription failed', { originalError: error as Error });
    return this.format({ errors: [graphqlError] });
  }

  readonly httpHandler: RequestHandler = (req, res, next) => {
    const params = paramsOf(req);
    const document = subscriptionDocument(params);
    if (!document || !params) return next();
    const mode = streamModeOf(req.headers.accept);
    if (!mode) return refuse(res, 406, NOT_A_STREAM_MESSAGE, 'BAD_REQUEST');
    if (blockedAsCsrf(req.headers)) return refuse(res, 400, CSRF_MESSAGE, 'BAD_REQUEST');
    if (this.closing) return refuse(res, 503, 'The server is shutting down', 'UNAVAILABLE');
    const validationErrors = validate(this.options.schema, document);
    if (validationErrors.length > 0) {
      res
        .status(400)
        .json(this.format({ errors: validationErrors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED')) }));
      return;
    }
    const request = { document, params, mode, authorization: req.headers.authorization };
    this.serveStream(res, request, res.locals.requestId as string).catch((error: unknown) => {
      this.options.logger.error({ err: error }, 'subscription stream failed');
      if (!res.headersSent) res.status(500).end();
      else res.end();
    });
  };

  private async serveStream(
    res: Response,
    request: { document: DocumentNode; params: GraphQLParams; mode: StreamMode; authorization?: string },
    requestId: string,
  ): Promise<void> {
    const { document, params, mode } = request;
    let source: AsyncIterableIterator<ExecutionResult> | ExecutionResult;
    try {
      const contextValue = await this.options.contextFor(request.authorization, requestId);
      source = await subscribe({
        schema: this.options.schema,
        document,
        contextValue,
        variableValues: (params.variables ?? undefined) as Record<string, unknown> | undefined,
        operationName: typeof params.operationName === 'string' ? params.operationName : undefined,
      });
    } catch (error) {
      source = { errors: [toGraphQLError(error)] };
    }
    // Headers go out once the live bus delivers to the subscription: a client that sees them
    // is listening.
    const stream = new HttpStream(res, mode, this.keepAliveMs);
    if (!isAsyncIterable<ExecutionResult>(source)) {
      stream.next(this.format(source));
      stream.end();
      return;
    }
    const iterator = source;
    const stop = async () => {
      await iterator.return?.();
      stream.end();
    };
    this.streams.add(stop);
    res.on('close', () => void stop());
    try {
      for await (const result of iterator) stream.next(this.format(result));
    } catch (error) {
      stream.next(this.errorResult(error));
    } finally {
      this.streams.delete(stop);
      stream.end();
    }
  }

  attachWebSocket(server: Server, path: string): void {
    const { schema, contextFor, logger } = this.options;
    this.wsServer = new WebSocketServer({ server, path });
    const authorizations = new WeakMap<object, { authorization: string | undefined; requestId: string }>();
    const served = useServer<Record<string, unknown> | undefined>(
      {
        schema,
        onConnect: async (ctx) => {
          const fromParams = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
          const authorization =
            typeof fromParams === 'string' && fromParams !== ''
              ? fromParams
              : ctx.extra.request.headers.authorization;
          const requestId = requestIdFrom(ctx.extra.request.headers[REQUEST_ID_HEADER]);
          try {
            // Checked at connection_init, as the gateway does: a bad token closes the socket.
            await contextFor(authorization, requestId);
          } catch (error) {
            const rejected = error instanceof AppError && error.code === ErrorCode.UNAUTHENTICATED;
            if (!rejected) logger.error({ err: error }, 'could not verify a subscriber token');
            ctx.extra.socket.close(
              rejected ? CloseCode.Forbidden : CloseCode.InternalServerError,
              rejected ? `UNAUTHENTICATED: ${(error as AppError).message}` : 'Internal server error',
            );
            return false;
          }
          authorizations.set(ctx, { authorization, requestId });
          return true;
        },
        onSubscribe: (_ctx, _id, payload) => wsOperationErrors(schema, payload.query, payload.operationName),
        context: (ctx) => {
          const connection = authorizations.get(ctx);
          return contextFor(connection?.authorization, connection?.requestId ?? requestIdFrom(undefined));
        },
        subscribe: (args: ExecutionArgs) =>
          requestContext.run({ requestId: (args.contextValue as SubgraphContext).requestId }, () =>
            subscribe(args),
          ),
        onNext: (_ctx, _id, _payload, _args, result) => this.format(result),
        onError: (_ctx, _id, _payload, errors) =>
          errors.map((error) => this.options.formatError(error.toJSON(), error)),
      },
      this.wsServer,
      this.keepAliveMs,
    );
    this.disposeWs = async () => {
      await served.dispose();
    };
  }

  open(): number {
    return this.streams.size + (this.wsServer?.clients.size ?? 0);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.streams].map((stop) => stop()));
    await this.disposeWs?.();
    const ws = this.wsServer;
    await new Promise<void>((resolve) => (ws ? ws.close(() => resolve()) : resolve()));
  }
}

function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  return new GraphQLError(error instanceof Error ? error.message : String(error), {
    originalError: error instanceof Error ? error : undefined,
  });
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}
