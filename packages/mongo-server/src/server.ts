// The embedded server: TCP listener, shared state, optional journal and the TTL monitor.
import { createServer, type Server, type Socket } from 'node:net';
import { ClusterClock } from './cluster-time';
import type { ServerState } from './commands/context';
import { CursorManager } from './cursors';
import { SessionManager } from './sessions';
import { StorageEngine } from './storage/engine';
import { Journal } from './storage/journal';
import { sweepExpired } from './storage/ttl';
import { Connection } from './wire/connection';

export interface EmbeddedMongoOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; defaults to 127.0.0.1. */
  host?: string;
  /** Directory for the journal and snapshots. Without it (or with inMemory) nothing is persisted. */
  dbPath?: string;
  /** Keep everything in memory even if dbPath is given. */
  inMemory?: boolean;
  /** How often the TTL monitor removes expired documents; mongod's default is 60 s. */
  ttlIntervalMs?: number;
  /** Replica set name advertised in hello and in the URI. */
  replSetName?: string;
  /** Journal size that triggers compaction into a snapshot. */
  compactJournalBytes?: number;
  /** Transactions older than this are aborted (mongod's transactionLifetimeLimitSeconds, default 60 s). */
  transactionLifetimeMs?: number;
  /** Cursors unused for this long are closed (mongod's cursorTimeoutMillis, default 10 min). */
  cursorTimeoutMs?: number;
}

export interface EmbeddedMongo {
  /** Connection string for the driver or mongoose, e.g. mongodb://127.0.0.1:27017/?replicaSet=novamart */
  uri: string;
  port: number;
  stop(): Promise<void>;
}

export const DEFAULT_REPLICA_SET = 'novamart';

/** The TCP server: one wire-protocol Connection per socket, counted in serverStatus. */
function wireServer(state: ServerState): { server: Server; sockets: Set<Socket> } {
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  let nextConnectionId = 1;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    state.connections.current++;
    state.connections.totalCreated++;
    const conn = new Connection(socket, state, nextConnectionId++);
    connections.add(conn);
    socket.on('close', () => {
      sockets.delete(socket);
      connections.delete(conn);
      state.connections.current--;
    });
  });
  return { server, sockets };
}

/** Deletes expired documents of TTL indexes every `intervalMs`, then writes the journal. */
function startTtlSweep(
  engine: StorageEngine,
  journal: Journal | undefined,
  intervalMs: number,
): NodeJS.Timeout {
  const timer = setInterval(() => {
    try {
      sweepExpired(engine);
      journal
        ?.flush()
        .catch((err: unknown) => console.error('[mongo-server] journal write failed after TTL sweep', err));
    } catch (err) {
      console.error('[mongo-server] TTL sweep failed', err);
    }
  }, intervalMs);
  timer.unref();
  return timer;
}

export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const host = options.host ?? '127.0.0.1';
  const setName = options.replSetName ?? DEFAULT_REPLICA_SET;
  const engine = new StorageEngine();
  const persistent = options.dbPath !== undefined && options.inMemory !== true;
  const journal = persistent
    ? await Journal.open(options.dbPath as string, engine, { compactMinBytes: options.compactJournalBytes })
    : undefined;

  const state: ServerState = {
    engine,
    cursors: new CursorManager(options.cursorTimeoutMs),
    sessions: new SessionManager(engine, options.transactionLifetimeMs),
    me: '',
    setName,
    startedAt: Date.now(),
    connections: { current: 0, totalCreated: 0 },
    opcounters: { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 },
    dbPath: persistent ? options.dbPath : undefined,
    clock: new ClusterClock(),
  };

  const { server, sockets } = wireServer(state);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // Release the data directory (and timers) when the port cannot be had.
    state.sessions.close();
    state.cursors.close();
    await journal?.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  // Clients must dial exactly the host:port the replica set advertises, or they discard the member.
  const advertisedHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  state.me = `${advertisedHost.includes(':') ? `[${advertisedHost}]` : advertisedHost}:${port}`;
  const ttlTimer = startTtlSweep(engine, journal, options.ttlIntervalMs ?? 60_000);

  let stopped: Promise<void> | undefined;
  return {
    uri: `mongodb://${state.me}/?replicaSet=${encodeURIComponent(setName)}`,
    port,
    stop() {
      stopped ??= (async () => {
        clearInterval(ttlTimer);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        });
        state.sessions.close();
        state.cursors.close();
        await journal?.close();
      })();
      return stopped;
    },
  };
}
