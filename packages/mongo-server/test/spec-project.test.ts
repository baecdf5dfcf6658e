// The project's own unified-format tests, run through the spec runner in the regular test suite:
// spec/transactions (sessions, commit/abort, withTransaction, snapshot reads, write conflicts, with
// the command events the driver sends) and spec/indexes (unique indexes on every write path).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index';
import { describeServer } from '../spec/unified/requirements';
import { runTestFile } from '../spec/unified/runner';

const files = ['transactions', 'indexes'].flatMap((folder) => {
  const dir = fileURLToPath(new URL(`../spec/${folder}/`, import.meta.url));
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => [`${folder}/${name}`, `${dir}${name}`] as const);
});

let server: EmbeddedMongo;
let internalClient: MongoClient;

beforeAll(async () => {
  server = await startEmbeddedMongo({ port: 0, inMemory: true });
  internalClient = await new MongoClient(server.uri).connect();
});

afterAll(async () => {
  await internalClient?.close();
  await server?.stop();
});

describe('project unified-format tests', () => {
  it.each(files)('%s passes every test', async (_name, file) => {
    const results = await runTestFile(file, {
      uri: server.uri,
      internalClient,
      server: await describeServer(internalClient),
    });
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((result) => result.status !== 'passed')).toEqual([]);
  });
});
