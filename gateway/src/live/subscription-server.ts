import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  GraphQLError,
  Kind,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { CloseCode, type Context, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocket, WebSocketServer } from 'ws';
import {
  AppError,
  ErrorCode,
  appError,
  runWithRequestId,
  type Logger,
  type TokenVerifier,
  type Viewer,
} from '@novamart/kit';
import type { LiveBus } from '@novamart/events';
import { forwardedForOf, type GatewayContext } from '../context';
import { enforceOperationLimits, type OperationLimits } from '../limits';
import type { GatewayMetrics } from '../metrics';
import { EventStream } from './event-stream';
import { liveFields as defaultLiveFields, type LiveFieldSpec } from './live-fields';
import { ENTITY_ID_VARIABLE, assemblePayload, planPayload, type PayloadPlan } from './payload-plan';

export interface GatewayResponse {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/** Runs an operation through the gateway (its plugins, limits and subgraphs) as `context`'s caller. */
export type ExecuteThroughGateway = (
  request: { query: string | DocumentNode; variables?: Record<string, unknown> },
  context: GatewayContext,
) => Promise<GatewayResponse>;

export interface SubscriptionServerOptions {
  wsServer: WebSocketServer;
  /** The API schema currently served. */
  schema: () => GraphQLSchema;
  live: LiveBus;
  verifier: TokenVerifier;
  execute: ExecuteThroughGateway;
  limits: OperationLimits;
  logger: Logger;
  metrics: GatewayMetrics;
  keepAliveMs: number;
  isProduction: boolean;
  liveFields?: readonly LiveFieldSpec[];
}

interface ConnectionState {
  authorization?: string;
  forwardedFor?: string;
  /** Closes the connection when its token expires. */
  expiry?: NodeJS.Timeout;
  viewer: Viewer | null;
}

type ConnectionContext = Context<
  Record<string, unknown> | undefined,
  { readonly socket: WebSocket; readonly request: IncomingMessage }
>;

/** What `onSubscribe` prepared; `subscribe` opens it. */
interface PreparedSubscription {
  spec: LiveFieldSpec;
  channel: string;
  plan: PayloadPlan;
  variables: Record<string, unknown>;
  connection: ConnectionState;
}

/**
 * A connection lives as long as its token: at `exp` it is closed with the same 4403 as a refused
 * token, and a client reconnects with a fresh one (graphql-ws clients re-read connectionParams).
 * Without this, events after expiry would arrive as UNAUTHENTICATED errors from the subgraphs.
 */
function closeAtExpiry(socket: WebSocket, authorization: string | undefined): NodeJS.Timeout | undefined {
  const payload = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]?.split('.')[1];
  if (!payload) return undefined;
  let exp: unknown;
  try {
    ({ exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown });
  } catch {
    return undefined; // the verifier accepted it, so this does not happen; no expiry to enforce
  }
  if (typeof exp !== 'number') return undefined;
  // setTimeout holds at most ~24.8 days; longer-lived tokens are not closed early by this.
  const delay = Math.min(exp * 1000 - Date.now(), 2 ** 31 - 1);
  const timer = setTimeout(
    () => socket.close(CloseCode.Forbidden, 'UNAUTHENTICATED: Token expired'),
    Math.max(0, delay),
  );
  timer.unref();
  return timer;
}

// The contract's wording for clients: `{ "authorization": "Bearer <accessToken>" }`.
function authorizationFrom(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A subscribe message parsed, validated, within the limits and aimed at a live field. */
interface ParsedSubscription {
  apiSchema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  rootField: FieldNode;
  spec: LiveFieldSpec;
  args: Record<string, unknown>;
  coerced: Record<string, unknown>;
}

/**
 * Parses and checks a subscribe message against the API schema: one subscription of a field the
 * gateway serves, within the operation limits. Errors are answered to the subscriber.
 */
function parseSubscription(
  apiSchema: GraphQLSchema,
  payload: SubscribePayload,
  specs: Map<string, LiveFieldSpec>,
  limits: OperationLimits,
): ParsedSubscription | readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query);
  } catch (error) {
    return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
  }
  const validationErrors = validate(apiSchema, document);
  if (validationErrors.length > 0) return validationErrors;
  const operation = getOperationAST(document, payload.operationName ?? undefined);
  if (!operation)
    return [new GraphQLError('Unable to identify the operation to run; name it with operationName')];
  if (operation.operation !== 'subscription') {
    return [
      badInput(
        'Only subscriptions are served over WebSocket; send queries and mutations over HTTP to /graphql',
      ),
    ];
  }
  const coerced = getVariableValues(apiSchema, operation.variableDefinitions ?? [], payload.variables ?? {});
  if (coerced.errors) return coerced.errors;
  try {
    enforceOperationLimits(apiSchema, document, operation, coerced.coerced, limits);
  } catch (error) {
    return [error as GraphQLError];
  }
  const rootField = operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD);
  const spec = rootField ? specs.get(rootField.name.value) : undefined;
  const fieldDefinition = rootField
    ? apiSchema.getSubscriptionType()?.getFields()[rootField.name.value]
    : undefined;
  if (!rootField || !spec || !fieldDefinition) {
    return [badInput(`The gateway serves no subscription "${rootField?.name.value ?? '?'}"`)];
  }
  const args = getArgumentValues(fieldDefinition, rootField, coerced.coerced);
  return { apiSchema, document, operation, rootField, spec, args, coerced: coerced.coerced };
}

/**
 * Federated subscriptions: `@apollo/gateway` executes none, so the gateway serves the
 * Subscription root fields itself over graphql-ws. A subscription listens on the live bus; each
 * message becomes an event whose entity part is fetched through the supergraph with the
 * subscriber's token, so it reads exactly like a query for the same fields.
 */
export function startSubscriptionServer(options: SubscriptionServerOptions): {
  activeSubscriptions(): number;
  startedSubscriptions(): number;
  dispose(): Promise<void>;
} {
  const server = new GatewaySubscriptionServer(options);
  return {
    activeSubscriptions: () => server.active,
    startedSubscriptions: () => server.started,
    dispose: () => server.dispose(),
  };
}

class GatewaySubscriptionServer {
  private readonly specs: Map<string, LiveFieldSpec>;
  private readonly connections = new WeakMap<object, ConnectionState>();
  active = 0;
  /** Only ever grows: lets a caller tell that a subscription started even while others end. */
  started = 0;
  private readonly served: { dispose(): void | Promise<void> };

  constructor(private readonly options: SubscriptionServerOptions) {
    this.specs = new Map((options.liveFields ?? defaultLiveFields).map((spec) => [spec.field, spec]));
    this.served = useServer(
      {
        onConnect: (ctx: ConnectionContext) => this.onConnect(ctx),
        onSubscribe: (ctx: ConnectionContext, _id: string, payload: SubscribePayload) =>
          this.onSubscribe(ctx, payload),
        subscribe: (args: ExecutionArgs) => this.open(args.contextValue as PreparedSubscription),
        onClose: (ctx: ConnectionContext) => this.onClose(ctx),
        isProd: options.isProduction,
      },
      options.wsServer,
      options.keepAliveMs,
    );
  }

  async dispose(): Promise<void> {
    await this.served.dispose();
  }

  private async onConnect(ctx: ConnectionContext): Promise<boolean> {
    const { verifier, metrics, logger } = this.options;
    const authorization = authorizationFrom(ctx.connectionParams);
    try {
      const viewer = await verifier.viewerFromAuthorization(authorization);
      const request = ctx.extra.request;
      const forwardedFor = forwardedForOf(request.headers['x-forwarded-for'], request.socket.remoteAddress);
      const expiry = viewer ? closeAtExpiry(ctx.extra.socket, authorization) : undefined;
      this.connections.set(ctx, {
        ...(authorization ? { authorization } : {}),
        ...(forwardedFor ? { forwardedFor } : {}),
        viewer,
        ...(expiry ? { expiry } : {}),
      });
      metrics.wsConnections.inc();
      return true;
    } catch (error) {
      const rejected = error instanceof AppError && error.code === ErrorCode.UNAUTHENTICATED;
      if (!rejected) logger.error({ err: error }, 'could not verify a subscriber token');
      // graphql-ws answers a refused connection_init with 4403; the reason says why.
      ctx.extra.socket.close(
        rejected ? CloseCode.Forbidden : CloseCode.InternalServerError,
        rejected
          ? `UNAUTHENTICATED: ${(error as AppError).message}`
          : 'Internal server error: could not verify the token',
      );
      return false;
    }
  }

  private onClose(ctx: ConnectionContext): void {
    const connection = this.connections.get(ctx);
    if (!connection) return;
    clearTimeout(connection.expiry);
    this.connections.delete(ctx);
    this.options.metrics.wsConnections.dec();
  }

  /**
   * The connection this subscribe message runs as. GraphiQL (through @graphql-tools/url-loader)
   * sends its Headers editor with each subscribe message, in extensions.headers, not in
   * connection_init: such a token counts for this subscription when the connection carries none.
   */
  private async connectionFor(
    ctx: ConnectionContext,
    payload: SubscribePayload,
  ): Promise<ConnectionState | GraphQLError> {
    const connection = this.connections.get(ctx) ?? { viewer: null };
    const messageHeaders = (payload.extensions as { headers?: Record<string, unknown> } | undefined)?.headers;
    const fromMessage = connection.authorization ? undefined : authorizationFrom(messageHeaders);
    if (!fromMessage) return connection;
    try {
      const viewer = await this.options.verifier.viewerFromAuthorization(fromMessage);
      return { ...connection, authorization: fromMessage, viewer };
    } catch (error) {
      if (error instanceof GraphQLError) return error;
      return internalError(this.options.logger, error, 'could not verify a subscriber token');
    }
  }

  private async onSubscribe(
    ctx: ConnectionContext,
    payload: SubscribePayload,
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const connection = await this.connectionFor(ctx, payload);
    if (connection instanceof GraphQLError) return [connection];
    const parsed = parseSubscription(this.options.schema(), payload, this.specs, this.options.limits);
    if (!('spec' in parsed)) return parsed;
    const { apiSchema, document, operation, rootField, spec, args, coerced } = parsed;
    const refusal = await this.refusal(spec, args, connection);
    if (refusal) return [refusal];
    let plan: PayloadPlan;
    try {
      plan = planPayload({
        schema: apiSchema,
        document,
        operation,
        rootField,
        variableValues: coerced,
        entity: spec.entity,
      });
    } catch (error) {
      return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }
    const variables = payload.variables ?? {};
    const prepared: PreparedSubscription = {
      spec,
      channel: spec.channel(args, connection.viewer),
      plan,
      variables,
      connection,
    };
    return {
      schema: apiSchema,
      document,
      operationName: payload.operationName ?? null,
      variableValues: variables,
      contextValue: prepared,
    };
  }

  /** Why this connection may not follow the field with these arguments, or undefined. */
  private async refusal(
    spec: LiveFieldSpec,
    args: Record<string, unknown>,
    connection: ConnectionState,
  ): Promise<GraphQLError | undefined> {
    if (spec.requiresViewer && !connection.viewer) {
      return appError(
        ErrorCode.UNAUTHENTICATED,
        'Sign in to subscribe: send { authorization: "Bearer <token>" } in connection_init',
      );
    }
    if (!spec.ownership) return undefined;
    try {
      return await this.checkOwnership(spec.ownership, args, connection);
    } catch (error) {
      // Thrown out of onSubscribe, graphql-ws would close the whole connection.
      return internalError(this.options.logger, error, `ownership check of ${spec.field} failed`);
    }
  }

  private async checkOwnership(
    ownership: NonNullable<LiveFieldSpec['ownership']>,
    args: Record<string, unknown>,
    connection: ConnectionState,
  ): Promise<GraphQLError | undefined> {
    const result = await this.options.execute(
      { query: ownership.query, variables: ownership.variables(args) },
      contextFor(connection),
    );
    const error = result.errors?.[0];
    if (error) {
      const code = error.extensions?.code;
      return new GraphQLError(error.message, {
        extensions: {
          ...error.extensions,
          code: typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR,
        },
      });
    }
    if (result.data?.[ownership.field] == null)
      return appError(ErrorCode.NOT_FOUND, `${ownership.what} not found`);
    return undefined;
  }

  private async resolveEvent(
    prepared: PreparedSubscription,
    message: Record<string, unknown>,
  ): Promise<ExecutionResult> {
    const { plan, spec } = prepared;
    if (!plan.entityQuery) return assemblePayload(plan, message, undefined);
    const entityId = spec.entityId(message);
    if (!entityId) {
      this.options.logger.warn(
        { channel: prepared.channel, field: spec.field },
        'live message without an entity id',
      );
      return assemblePayload(plan, message, { data: null });
    }
    const context = contextFor(prepared.connection);
    const result = await runWithRequestId(context.requestId, () =>
      this.options.execute(
        {
          query: plan.entityQuery as DocumentNode,
          variables: { ...prepared.variables, [ENTITY_ID_VARIABLE]: entityId },
        },
        context,
      ),
    );
    return assemblePayload(plan, message, result);
  }

  /**
   * What the live-bus listener does with a message. Events are resolved one after another, so a
   * subscriber sees them in the order they were published even when a later one resolves faster.
   */
  private listenerFor(
    prepared: PreparedSubscription,
    stream: () => EventStream<ExecutionResult>,
  ): (message: Record<string, unknown>) => void {
    const { metrics, logger } = this.options;
    let chain: Promise<void> = Promise.resolve();
    const seen = new RecentIds(RECENT_EVENT_IDS);
    return (message) => {
      // The owning subgraph publishes from its outbox events, at least once: a redelivered one
      // repeats its eventId and is delivered to the client once.
      if (typeof message.eventId === 'string' && !seen.add(message.eventId)) return;
      const started = process.hrtime.bigint();
      chain = chain
        .then(() => (stream().isClosed ? undefined : this.resolveEvent(prepared, message)))
        .then((result) => {
          if (!result) return;
          metrics.liveEvents.inc({ field: prepared.spec.field });
          metrics.liveEventSeconds.observe(
            { field: prepared.spec.field },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
          stream().push(result);
        })
        .catch((error: unknown) => {
          // One event that cannot be resolved is reported as such; the subscription goes on.
          stream().push({
            data: null,
            errors: [internalError(logger, error, `could not resolve a live event on ${prepared.channel}`)],
          });
        });
    };
  }

  /** Opens the live-bus subscription; counted once the bus listens, until the stream ends. */
  private async open(prepared: PreparedSubscription): Promise<AsyncIterableIterator<ExecutionResult>> {
    const { metrics } = this.options;
    const unsubscribe = this.options.live.subscribe<Record<string, unknown>>(
      prepared.channel,
      this.listenerFor(prepared, () => stream),
    );
    // Counted once the bus listens (Redis confirmed the SUBSCRIBE), until the stream ends.
    let counted = false;
    const stream = new EventStream<ExecutionResult>(() => {
      unsubscribe();
      if (!counted) return;
      this.active -= 1;
      metrics.liveSubscriptions.dec();
    });
    await unsubscribe.ready;
    if (!stream.isClosed) {
      counted = true;
      this.active += 1;
      this.started += 1;
      metrics.liveSubscriptions.inc();
    }
    return stream;
  }
}

function contextFor(connection: ConnectionState): GatewayContext {
  return {
    requestId: randomUUID(),
    viewer: connection.viewer,
    ...(connection.authorization ? { authorization: connection.authorization } : {}),
    ...(connection.forwardedFor ? { forwardedFor: connection.forwardedFor } : {}),
  };
}

// Redeliveries come soon after the original; a short memory per subscription is enough.
const RECENT_EVENT_IDS = 256;

/** The last `capacity` ids seen, in insertion order. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}

  /** False when the id was already seen. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}

/** Logged with a fresh errorId; the client gets only the code and that id, as the kit masks errors. */
function internalError(logger: Logger, error: unknown, what: string): GraphQLError {
  const errorId = randomUUID();
  logger.error({ err: error, errorId }, `${what} (${errorId})`);
  return appError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error', { errorId });
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}
