import mongoose, { type Connection, type ConnectOptions, type Model, type Schema } from 'mongoose';
import { commandStats } from './command-stats';
import { currentRequestId } from './request-context';
import { mongoCommandEnded, mongoCommandStarted } from './telemetry';
import { withTimeout } from './timeout';

export interface ConnectMongoOptions {
  url: string;
  dbName: string;
  /** Extra driver/mongoose options (pool size, timeouts). */
  options?: ConnectOptions;
  /**
   * Command monitoring for `commandStats` and the command spans (default true). It is not free:
   * the driver builds an event per command and deserializes every reply a second time for it, so
   * it is off where nothing reads it (production without tracing: see createSubgraphRuntime).
   */
  monitorCommands?: boolean;
}

// Driver housekeeping, not work a resolver asked for.
const unattributedCommands = new Set(['endSessions']);

/**
 * A mongoose connection of its own (never the global singleton: the all-in-one process holds
 * one per subgraph), with command monitoring feeding `commandStats`.
 *
 * Attribution reads the request id from `requestContext` when the driver emits
 * `commandStarted`. The driver emits it synchronously inside the async chain of the operation
 * that issued it, which continues in the issuing request's context even when it waited for a
 * pooled connection, so concurrent requests are counted apart (test/command-stats.test.ts).
 */
export async function connectMongo({
  url,
  dbName,
  options,
  monitorCommands = true,
}: ConnectMongoOptions): Promise<Connection> {
  const conn = mongoose.createConnection(url, {
    serverSelectionTimeoutMS: 10_000,
    ...options,
    dbName,
    monitorCommands,
    // Fail fast instead of queueing operations until a connection appears: a queued
    // operation would also run outside the request that issued it.
    bufferCommands: false,
  });
  const client = conn.getClient();
  // Spans only when tracing is on (telemetry.ts); the same monitoring events, in the same context.
  client.on('commandStarted', mongoCommandStarted);
  client.on('commandSucceeded', mongoCommandEnded);
  client.on('commandFailed', mongoCommandEnded);
  client.on('commandStarted', (event) => {
    const requestId = currentRequestId();
    if (requestId === undefined || unattributedCommands.has(event.commandName)) return;
    commandStats.record(requestId, event.databaseName, event.commandName);
  });
  try {
    await conn.asPromise();
  } catch (error) {
    await conn.close(true).catch(() => undefined);
    throw new Error(
      `Cannot connect to MongoDB at ${redactUrl(url)} (database ${dbName}): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return conn;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** True when the server answers a ping within `timeoutMs`. */
export async function pingMongo(conn: Connection, timeoutMs = 2_000): Promise<boolean> {
  if (conn.readyState !== mongoose.ConnectionStates.connected || !conn.db) return false;
  return withTimeout(
    conn.db
      .admin()
      .ping({ maxTimeMS: timeoutMs })
      .then(() => true),
    timeoutMs,
  );
}

/**
 * The connection's model of that name, compiled from `schema` the first time it is asked for (a
 * model can be compiled once per connection; services and tests ask for it again and again).
 */
export function modelOn<T>(conn: Connection, name: string, schema: Schema<T>): Model<T> {
  return (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema);
}
