// The unix socket beside TCP (`socketPath`, what `npm start` gives its own subgraphs): a
// replica-set client on either address sees the one member at the address it dialed, both see the
// same data and transactions, and the socket file is the server's alone from start to stop.
import { existsSync, writeFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  privateSocketPath,
  startEmbeddedMongo,
  startEmbeddedMongoThread,
  type EmbeddedMongo,
} from '../src/index';

const running: EmbeddedMongo[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
});

async function withClient<T>(uri: string, use: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** The addresses hello names to a client of `uri`: itself, and the set's hosts. */
async function advertised(uri: string): Promise<{ me: unknown; hosts: unknown; primary: unknown }> {
  return withClient(uri, async (client) => {
    const hello = await client.db('admin').command({ hello: 1 });
    return { me: hello.me, hosts: hello.hosts, primary: hello.primary };
  });
}

describe('socketPath', () => {
  it('serves replica-set clients on the socket and on TCP alike, each told the address it dialed', async () => {
    const socketPath = privateSocketPath()!;
    const server = await startEmbeddedMongo({ port: 0, inMemory: true, socketPath });
    running.push(server);
    expect(server.socketUri).toBe(`mongodb://${encodeURIComponent(socketPath)}/?replicaSet=novamart`);
    expect(existsSync(socketPath)).toBe(true);

    const tcpAddress = server.uri.slice('mongodb://'.length).split('/')[0];
    expect(await advertised(server.socketUri!)).toEqual({
      me: socketPath,
      hosts: [socketPath],
      primary: socketPath,
    });
    expect(await advertised(server.uri)).toEqual({
      me: tcpAddress,
      hosts: [tcpAddress],
      primary: tcpAddress,
    });

    // A transaction through the socket is seen through TCP once committed, not before.
    await withClient(server.socketUri!, async (overSocket) => {
      await withClient(server.uri, async (overTcp) => {
        const items = overSocket.db('shop').collection<{ _id: string; n: number }>('items');
        const seen = overTcp.db('shop').collection<{ _id: string; n: number }>('items');
        await items.insertOne({ _id: 'a', n: 1 });
        const session = overSocket.startSession();
        try {
          session.startTransaction();
          await items.updateOne({ _id: 'a' }, { $inc: { n: 10 } }, { session });
          expect(await seen.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
          await session.commitTransaction();
        } finally {
          await session.endSession();
        }
        expect(await seen.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 11 });
      });
    });

    await server.stop();
    running.length = 0;
    expect(existsSync(socketPath)).toBe(false);
  });

  it('replaces a file a killed run left at its path, and runs so from its thread too', async () => {
    const socketPath = privateSocketPath()!;
    writeFileSync(socketPath, 'left behind');
    const server = await startEmbeddedMongoThread({ port: 0, inMemory: true, socketPath });
    running.push(server);
    expect(server.socketUri).toBe(`mongodb://${encodeURIComponent(socketPath)}/?replicaSet=novamart`);
    await withClient(server.socketUri!, async (client) => {
      await client
        .db('shop')
        .collection('items')
        .insertOne({ _id: 'x' } as never);
      expect(await client.db('shop').collection('items').countDocuments()).toBe(1);
    });
  });

  it('names the socket when it cannot listen there, with the system error code', async () => {
    const socketPath = `/nonexistent-dir-${process.pid}/mongo.sock`;
    const error = (await startEmbeddedMongo({ port: 0, inMemory: true, socketPath }).catch(
      (err: unknown) => err,
    )) as Error & { code?: string };
    expect(error.message).toContain(`cannot listen on the unix socket ${socketPath}`);
    expect(error.code).toMatch(/^E[A-Z]+$/);
    // The same through the thread, whose errors arrive as name, message and code.
    const fromThread = (await startEmbeddedMongoThread({ port: 0, inMemory: true, socketPath }).catch(
      (err: unknown) => err,
    )) as Error & { code?: string };
    expect(fromThread.message).toContain(socketPath);
  });

  it('is a path of its own for every server, in the temp directory', () => {
    const [a, b] = [privateSocketPath(), privateSocketPath()];
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`novamart-mongo-${process.pid}-[0-9a-f]{8}\\.sock$`));
  });
});
