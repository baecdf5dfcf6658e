// Shared setup for the driver-level tests: an in-memory server on a free port and a MongoClient on it.
import { MongoClient, type Db } from 'mongodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo, type EmbeddedMongoOptions } from '../../src/index';

export interface TestContext {
  server: EmbeddedMongo;
  client: MongoClient;
  db(name?: string): Db;
}

let dbCounter = 0;

/** Registers beforeAll/afterAll hooks that start a server and a client for the file. */
export function useServer(options: EmbeddedMongoOptions = {}): TestContext {
  const ctx = {} as TestContext;
  beforeAll(async () => {
    ctx.server = await startEmbeddedMongo({ port: 0, inMemory: true, ...options });
    ctx.client = new MongoClient(ctx.server.uri, { serverSelectionTimeoutMS: 5_000 });
    await ctx.client.connect();
    ctx.db = (name?: string) => ctx.client.db(name ?? `test_${process.pid}_${++dbCounter}`);
  });
  afterAll(async () => {
    await ctx.client?.close();
    await ctx.server?.stop();
  });
  return ctx;
}

const timestamp = (): unknown => expect.objectContaining({ _bsontype: 'Timestamp' });

/** What every reply of a replica-set member carries besides its own fields (mongod gossips its clock). */
export function clusterTimeFields(): Record<string, unknown> {
  return {
    $clusterTime: {
      clusterTime: timestamp(),
      signature: { hash: expect.anything(), keyId: expect.anything() },
    },
    operationTime: timestamp(),
  };
}

/** A maker of data directories for the file, all removed after its tests. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'novamart-mongo-test-'));
    dirs.push(dir);
    return dir;
  };
}
