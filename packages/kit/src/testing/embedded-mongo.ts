import { privateSocketPath, startEmbeddedMongo } from '@novamart/mongo-server';

export interface TestMongo {
  /**
   * mongodb:// URI of the server, through its unix socket where there is one (as `npm start`'s
   * subgraphs reach theirs); give each test its own database (`uniqueDbName`).
   */
  uri: string;
  stop(): Promise<void>;
}

let shared: Promise<TestMongo> | undefined;

/**
 * The embedded MongoDB-compatible server, in memory on a free port and a unix socket of its own,
 * started once per test file (vitest runs each file in its own module graph, so this memo is per
 * file). Stop it in `afterAll`; a later call then starts a fresh one.
 */
export function startEmbeddedMongoForTests(): Promise<TestMongo> {
  if (shared) return shared;
  const current: Promise<TestMongo> = startEmbeddedMongo({
    port: 0,
    inMemory: true,
    socketPath: privateSocketPath(),
  }).then((server) => ({
    uri: server.socketUri ?? server.uri,
    async stop() {
      if (shared === current) shared = undefined;
      await server.stop();
    },
  }));
  shared = current;
  // A failed start is not memoised: the next call tries again.
  current.catch(() => {
    if (shared === current) shared = undefined;
  });
  return current;
}

let leases = 0;

/**
 * The file's shared embedded MongoDB, held by a lease: `stop()` releases the lease, and the server
 * stops when the last lease is released. For harnesses a test file may start several of (one per
 * test, or two side by side): each stops what it started without taking the other's database away.
 */
export async function leaseEmbeddedMongoForTests(): Promise<TestMongo> {
  const mongo = await startEmbeddedMongoForTests();
  leases += 1;
  let released = false;
  return {
    uri: mongo.uri,
    async stop() {
      if (released) return;
      released = true;
      leases -= 1;
      if (leases === 0) await mongo.stop();
    },
  };
}
