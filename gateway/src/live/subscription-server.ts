import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
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
import type { LiveBus, LiveUnsubscribe } from '@novamart/events';
import { forwardedForOf, type GatewayContext } from '../context';
import { enforceOperationLimits, type OperationLimits } from '../limits';
import type { GatewayMetrics } from '../metrics';
import { LiveEvent, LiveSubscriber } from './fan-out';
import { liveFields as defaultLiveFields, type LiveFieldSpec } from './live-fields';
import {
  ENTITY_ID_VARIABLE,
  assemblePayload,
  entityResultFromId,
  planPayload,
  type PayloadPlan,
} from './payload-plan';
import { BoundedCache, PerMessage, SharedCalls } from './shared-work';

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
  /** graphql-ws's id of the subscription, and the connection it runs on: its events are written there. */
  id: string;
  socket: WebSocket;
  wire: Socket;
  spec: LiveFieldSpec;
  channel: string;
  plan: PayloadPlan;
  variables: Record<string, unknown>;
  connection: ConnectionState;
  /** Subscribers with the same key get the same payload: one resolution per event serves them all. */
  resolutionKey: string;
  /** Listening since the subscribe message was checked, so nothing published meanwhile is missed. */
  listener: ChannelListener;
}

// Bounds on what the gateway remembers of distinct subscription texts and selections: enough for
// every query a storefront and a back office send, small beside the heap.
const SELECTION_CACHE_SIZE = 500;
// An ownership answer serves the subscribers that ask within this long with the same token
// (a page with many components, a reconnecting crowd); an order's owner does not change.
const OWNERSHIP_KEEP_MS = 1_000;

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

/** A subscribe message parsed, validated, within the limits, aimed at a live field and planned. */
interface CheckedSelection {
  document: DocumentNode;
  spec: LiveFieldSpec;
  args: Record<string, unknown>;
  plan: PayloadPlan;
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
): CheckedSelection | readonly GraphQLError[] {
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
  try {
    const plan = planPayload({
      schema: apiSchema,
      document,
      operation,
      rootField,
      variableValues: coerced.coerced,
      entity: spec.entity,
    });
    return { document, spec, args, plan };
  } catch (error) {
    return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
  }
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
  // Work that subscribers asking the same share (shared-work.ts).
  private readonly selections = new WeakMap<
    GraphQLSchema,
    BoundedCache<string, CheckedSelection | readonly GraphQLError[]>
  >();
  private readonly ownershipChecks = new SharedCalls<GraphQLError | undefined>(OWNERSHIP_KEEP_MS);
  private readonly events = new PerMessage<LiveEvent>();

  constructor(private readonly options: SubscriptionServerOptions) {
    this.specs = new Map((options.liveFields ?? defaultLiveFields).map((spec) => [spec.field, spec]));
    this.served = useServer(
      {
        onConnect: (ctx: ConnectionContext) => this.onConnect(ctx),
        onSubscribe: (ctx: ConnectionContext, id: string, payload: SubscribePayload) =>
          this.onSubscribe(ctx, id, payload),
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
    id: string,
    payload: SubscribePayload,
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const connection = await this.connectionFor(ctx, payload);
    if (connection instanceof GraphQLError) return [connection];
    const apiSchema = this.options.schema();
    const variables = payload.variables ?? {};
    const selectionKey = `${payload.operationName ?? ''}\u0000${JSON.stringify(variables)}\u0000${payload.query}`;
    const selection = this.selectionOnce(apiSchema, selectionKey, payload);
    if (!('spec' in selection)) return selection;
    const { document, spec, args, plan } = selection;
    if (spec.requiresViewer && !connection.viewer) {
      return [
        appError(
          ErrorCode.UNAUTHENTICATED,
          'Sign in to subscribe: send { authorization: "Bearer <token>" } in connection_init',
        ),
      ];
    }
    // Listening starts before the ownership check: an event published while it runs is held,
    // and delivered only once the check has passed.
    const channel = spec.channel(args, connection.viewer);
    const listener = new ChannelListener(this.options.live, channel);
    const refusal = await this.refusal(spec, args, connection);
    if (refusal) {
      listener.stop();
      return [refusal];
    }
    const prepared: PreparedSubscription = {
      id,
      socket: ctx.extra.socket,
      // The socket the HTTP upgrade handed to ws: the one ws writes the frames to.
      wire: ctx.extra.request.socket,
      spec,
      channel,
      plan,
      variables,
      connection,
      // The token, not only the viewer's id: a payload is shared only by subscribers whose
      // requests the subgraphs could not tell apart (same session, same roles, same expiry).
      resolutionKey: `${connection.authorization ?? ''}\u0000${selectionKey}`,
      listener,
    };
    return {
      schema: apiSchema,
      document,
      operationName: payload.operationName ?? null,
      variableValues: variables,
      contextValue: prepared,
    };
  }

  /**
   * What a subscribe message asks for, checked once per text, operation name and variables: the
   * same for every subscriber who sends it (a popular order page's crowd asks the same thing).
   */
  private selectionOnce(
    apiSchema: GraphQLSchema,
    key: string,
    payload: SubscribePayload,
  ): CheckedSelection | readonly GraphQLError[] {
    let cache = this.selections.get(apiSchema);
    if (!cache) this.selections.set(apiSchema, (cache = new BoundedCache(SELECTION_CACHE_SIZE)));
    return cache.getOrSet(key, () => parseSubscription(apiSchema, payload, this.specs, this.options.limits));
  }

  /** Why this connection may not follow the field with these arguments (its owner decides), or undefined. */
  private async refusal(
    spec: LiveFieldSpec,
    args: Record<string, unknown>,
    connection: ConnectionState,
  ): Promise<GraphQLError | undefined> {
    if (!spec.ownership) return undefined;
    try {
      return await this.checkOwnership(spec.ownership, args, connection);
    } catch (error) {
      // Thrown out of onSubscribe, graphql-ws would close the whole connection.
      return internalError(this.options.logger, error, `ownership check of ${spec.field} failed`);
    }
  }

  /** Identical checks with the same token share one execution (in flight, and a pass for a while). */
  private checkOwnership(
    ownership: NonNullable<LiveFieldSpec['ownership']>,
    args: Record<string, unknown>,
    connection: ConnectionState,
  ): Promise<GraphQLError | undefined> {
    const variables = ownership.variables(args);
    const key = `${connection.authorization ?? ''}\u0000${ownership.query}\u0000${JSON.stringify(variables)}`;
    return this.ownershipChecks.run(
      key,
      () => this.ownershipRefusal(ownership, variables, connection),
      (refusal) => refusal === undefined,
    );
  }

  private async ownershipRefusal(
    ownership: NonNullable<LiveFieldSpec['ownership']>,
    variables: Record<string, unknown>,
    connection: ConnectionState,
  ): Promise<GraphQLError | undefined> {
    const result = await this.options.execute({ query: ownership.query, variables }, contextFor(connection));
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
    const fromId = entityResultFromId(plan, entityId);
    if (fromId) return assemblePayload(plan, message, fromId);
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
   * What the live-bus listener does with a message: one LiveEvent per message and resolution key,
   * shared by the subscribers with that key, which write it in the order it was published.
   */
  private listenerFor(
    prepared: PreparedSubscription,
    subscriber: LiveSubscriber,
  ): (message: Record<string, unknown>) => void {
    const seen = new RecentIds(RECENT_EVENT_IDS);
    return (message) => {
      // The owning subgraph publishes from its outbox events, at least once: a redelivered one
      // repeats its eventId and is delivered to the client once.
      if (typeof message.eventId === 'string' && !seen.add(message.eventId)) return;
      subscriber.deliver(
        this.events.get(message, prepared.resolutionKey, () => this.liveEvent(prepared, message)),
      );
    };
  }

  /** `message` resolved for `prepared`'s resolution key, timed from its arrival. */
  private liveEvent(prepared: PreparedSubscription, message: Record<string, unknown>): LiveEvent {
    const { metrics, logger } = this.options;
    const field = prepared.spec.field;
    const arrived = process.hrtime.bigint();
    return new LiveEvent(
      async () => {
        const result = await this.resolveEvent(prepared, message);
        metrics.liveEventSeconds.observe({ field }, Number(process.hrtime.bigint() - arrived) / 1e9);
        return result;
      },
      // One event that cannot be resolved is reported as such; the subscription goes on.
      (error) => ({
        data: null,
        errors: [internalError(logger, error, `could not resolve a live event on ${prepared.channel}`)],
      }),
    );
  }

  /** Opens the live-bus subscription; counted once the bus listens, until the subscription ends. */
  private async open(prepared: PreparedSubscription): Promise<LiveSubscriber | ExecutionResult> {
    const { metrics } = this.options;
    const field = prepared.spec.field;
    let counted = false;
    const subscriber = new LiveSubscriber(
      prepared.socket,
      prepared.wire,
      prepared.id,
      () => {
        prepared.listener.stop();
        if (!counted) return;
        this.active -= 1;
        metrics.liveSubscriptions.dec();
      },
      () => metrics.liveEvents.inc({ field }),
    );
    const listening = prepared.listener.attach(this.listenerFor(prepared, subscriber));
    // Counted once the bus listens (Redis confirmed the SUBSCRIBE), until the subscription ends.
    try {
      await listening.ready;
    } catch (error) {
      // Redis did not take the SUBSCRIBE: the subscription ends with an error (the client may
      // subscribe again) rather than stay open and silent, and the connection's others go on.
      prepared.listener.stop();
      return {
        errors: [internalError(this.options.logger, error, `could not listen on ${prepared.channel}`)],
      };
    }
    if (!subscriber.isClosed) {
      counted = true;
      this.active += 1;
      this.started += 1;
      metrics.liveSubscriptions.inc();
    }
    return subscriber;
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

/**
 * A live-bus subscription that holds its messages until a listener is attached (then replays
 * them in order), so that listening can start before the subscription is allowed to deliver.
 */
class ChannelListener {
  private held: Array<Record<string, unknown>> | undefined = [];
  private target: ((message: Record<string, unknown>) => void) | undefined;
  private readonly unsubscribe: LiveUnsubscribe;

  constructor(live: LiveBus, channel: string) {
    this.unsubscribe = live.subscribe<Record<string, unknown>>(channel, (message) => {
      if (this.target) this.target(message);
      else if (this.held && this.held.length < MAX_HELD_MESSAGES) this.held.push(message);
    });
  }

  /** Delivers the held messages, then every new one, to `target`; returns the unsubscribe. */
  attach(target: (message: Record<string, unknown>) => void): LiveUnsubscribe {
    const held = this.held ?? [];
    this.held = undefined;
    this.target = target;
    for (const message of held) target(message);
    return this.unsubscribe;
  }

  stop(): void {
    this.held = undefined;
    this.unsubscribe();
  }
}

// A subscription's ownership check takes milliseconds; an order has a handful of status changes.
const MAX_HELD_MESSAGES = 100;

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
