import { randomBytes } from 'node:crypto';
import { startEmbeddedMongo } from '@novamart/mongo-server';
import mongoose, { type ConnectOptions, type Connection } from 'mongoose';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface TestMongo {
  uri: string;
  /** A connection to a database no other test uses. */
  connect(label: string, options?: ConnectOptions): Promise<Connection>;
  stop(): Promise<void>;
}

/** The embedded server in memory on a free port, one per test file. */
export async function startTestMongo(): Promise<TestMongo> {
  const server = await startEmbeddedMongo({ port: 0, inMemory: true });
  const connections: Connection[] = [];
  return {
    uri: server.uri,
    async connect(label, options = {}) {
      const dbName = `${label.replace(/\W+/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`;
      const conn = await mongoose.createConnection(server.uri, { ...options, dbName }).asPromise();
      connections.push(conn);
      return conn;
    },
    async stop() {
      await Promise.all(connections.map((c) => c.close()));
      await server.stop();
    },
  };
}

/**
 * The file's embedded server (started before all tests, stopped after) and, for each test, a
 * connection to a database of its own: `const db = mongoPerTest();` then `db.conn` in a test.
 */
export function mongoPerTest(): { readonly conn: Connection } {
  let mongo: TestMongo | undefined;
  let conn: Connection | undefined;
  beforeAll(async () => {
    mongo = await startTestMongo();
  });
  afterAll(async () => {
    await mongo?.stop();
  });
  beforeEach(async (ctx) => {
    conn = await mongo!.connect(ctx.task.name);
  });
  return {
    get conn() {
      if (!conn) throw new Error('mongoPerTest: no test is running');
      return conn;
    },
  };
}
