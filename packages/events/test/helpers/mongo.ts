import { randomBytes } from 'node:crypto';
import { startEmbeddedMongo } from '@novamart/mongo-server';
import mongoose, { type Connection } from 'mongoose';

export interface TestMongo {
  uri: string;
  /** A connection to a database no other test uses. */
  connect(label: string): Promise<Connection>;
  stop(): Promise<void>;
}

/** The embedded server in memory on a free port, one per test file. */
export async function startTestMongo(): Promise<TestMongo> {
  const server = await startEmbeddedMongo({ port: 0, inMemory: true });
  const connections: Connection[] = [];
  return {
    uri: server.uri,
    async connect(label) {
      const dbName = `${label.replace(/\W+/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`;
      const conn = await mongoose.createConnection(server.uri, { dbName }).asPromise();
      connections.push(conn);
      return conn;
    },
    async stop() {
      await Promise.all(connections.map((c) => c.close()));
      await server.stop();
    },
  };
}
