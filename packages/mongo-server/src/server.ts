// The embedded server: TCP listener (and optionally a unix socket), shared state, optional journal
// and the TTL monitor.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type ListenOptions, type Server, type Socket } from 'node:net';
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
  /**
   * A unix socket to listen on besides TCP, for clients on this machine (`socketUri`): each command
   * costs both sides less than over TCP loopback. The path must end in `.sock` (how the MongoDB
   * driver tells a socket from a host) and be this server's alone: a file left there by a killed
   * run is replaced. Not on Windows.
   */
  socketPath?: string;
}

export interface EmbeddedMongo {
  /** Connection string for the driver or mongoose, e.g. mongodb://127.0.0.1:27017/?replicaSet=novamart */
  uri: string;
  /** The connection string through `socketPath`, when one was given. */
  socketUri?: string;
  port: number;
  stop(): Promise<void>;
}

export const DEFAULT_REPLICA_SET = 'novamart';

/**
 * A fresh unix socket path for a server this process starts (`socketPath`), in the temp
 * directory and unique to the process, so that runs side by side never meet; undefined on
 * Windows, where the server then listens on TCP alone.
 */
export function privateSocketPath(): string | undefined {
  if (process.platform === 'win32') return undefined;
  return join(tmpdir(), `novamart-mongo-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
}

/**
 * One listener: a wire-protocol Connection per socket, counted in serverStatus. `me()` is the
 * address hello advertises to its clients (known once the listener is bound).
 */
function wireServer(state: ServerState, sockets: Set<Socket>, me: () => string): Server {
  return createServer((socket) => {
    sockets.add(socket);
    state.connections.current++;
    state.connections.totalCreated++;
    new Connection(socket, state, state.connections.totalCreated, me());
    socket.on('close', () => {
      sockets.delete(socket);
      state.connections.current--;
    });
  });
}

function listen(server: Server, address: ListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** host:port of the bound TCP listener, as hello advertises it to TCP clients. */
function advertisedAddress(server: Server, host: string, requestedPort: number | undefined): string {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (requestedPort ?? 0);
  // Clients must dial exactly the host:port the replica set advertises, or they discard the member.
  const advertisedHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${advertisedHost.includes(':') ? `[${advertisedHost}]` : advertisedHost}:${port}`;
}

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
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

  const sockets = new Set<Socket>();
  const server = wireServer(state, sockets, () => state.me);
  const { socketPath } = options;
  const socketServer = socketPath ? wireServer(state, sockets, () => socketPath) : undefined;
  try {
    await listen(server, { port: options.port ?? 0, host });
    state.me = advertisedAddress(server, host, options.port);
    if (socketServer) {
      try {
        rmSync(socketPath!, { force: true });
        await listen(socketServer, { path: socketPath });
      } catch (err) {
        // Named, so that a caller can tell the socket from the port and start on TCP alone.
        const code = (err as NodeJS.ErrnoException).code;
        throw Object.assign(
          new Error(`cannot listen on the unix socket ${socketPath}: ${(err as Error).message}`),
          { code, socketPath },
        );
      }
    }
  } catch (err) {
    // Release the port, the data directory (and timers) when an address cannot be had.
    if (server.listening) await close(server);
    state.sessions.close();
    state.cursors.close();
    await journal?.close();
    throw err;
  }
  const port = Number(state.me.split(':').pop());
  const ttlTimer = startTtlSweep(engine, journal, options.ttlIntervalMs ?? 60_000);

  let stopped: Promise<void> | undefined;
  const replicaSet = `?replicaSet=${encodeURIComponent(setName)}`;
  return {
    uri: `mongodb://${state.me}/${replicaSet}`,
    ...(socketPath ? { socketUri: `mongodb://${encodeURIComponent(socketPath)}/${replicaSet}` } : {}),
    port,
    stop() {
      stopped ??= (async () => {
        clearInterval(ttlTimer);
        const closed = Promise.all([server, socketServer].map((s) => (s ? close(s) : undefined)));
        for (const s of sockets) s.destroy();
        await closed;
        if (socketPath) rmSync(socketPath, { force: true });
        state.sessions.close();
        state.cursors.close();
        await journal?.close();
      })();
      return stopped;
    },
  };
}
