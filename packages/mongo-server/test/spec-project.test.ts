// The project's own unified-format transaction tests (spec/transactions), run through the spec
// runner in the regular test suite: sessions, commit/abort, withTransaction, snapshot reads and
// write conflicts, with the command events the driver sends.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index';
import { describeServer } from '../spec/unified/requirements';
import { runTestFile } from '../spec/unified/runner';

const dir = fileURLToPath(new URL('../spec/transactions/', import.meta.url));
const files = readdirSync(dir).filter((name) => name.endsWith('.json'));

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

describe('unified transaction tests', () => {
  it.each(files)('%s passes every test', async (file) => {
    const results = await runTestFile(`${dir}${file}`, {
      uri: server.uri,
      internalClient,
      server: await describeServer(internalClient),
    });
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((result) => result.status !== 'passed')).toEqual([]);
  });
});
