// Executes unified-format test files: per-test setup (initialData, entities), operations with
// their expectations, event and outcome assertions, then teardown.
import { basename } from 'node:path';
import { type MongoClient, MongoServerError } from 'mongodb';
import { driverDeviation } from './driver-deviations';
import { EntityMap } from './entities';
import { assertExpectedError } from './errors';
import { assertExpectedEvents } from './events';
import { assertExactlyEqual, assertMatches, assertMatchesRootDocuments, MatchFailure } from './match';
import { executeEntityOperation, UnsupportedOperationError } from './operations';
import { requirementsReason, type ServerInfo } from './requirements';
import { outOfScopeReason } from './scope';
import { type CollectionData, type Operation, type TestCase, type TestFile } from './types';
import { loadExtendedJsonFile, render } from './values';

/** The newest unified format schema this runner implements (major 1). */
const SUPPORTED_SCHEMA = { major: 1, minor: 28 };
const TEST_TIMEOUT_MS = 30_000;

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestResult {
  file: string;
  description: string;
  status: TestStatus;
  /** Skip reason, or the failure's explanation. */
  detail?: string;
}

export interface RunnerContext {
  uri: string;
  internalClient: MongoClient;
  server: ServerInfo;
  /** Only tests whose description contains this text run. */
  grep?: string;
  /** Out-of-scope argument categories (collation) to run anyway. */
  include?: ReadonlySet<string>;
}

const NAMESPACE_NOT_FOUND = 26;
const TRANSACTION_STATES: Record<string, string> = {
  NO_TRANSACTION: 'none',
  STARTING_TRANSACTION: 'starting',
  TRANSACTION_IN_PROGRESS: 'in_progress',
  TRANSACTION_COMMITTED: 'committed',
  TRANSACTION_COMMITTED_EMPTY: 'committed',
  TRANSACTION_ABORTED: 'aborted',
};

export async function runTestFile(path: string, context: RunnerContext): Promise<TestResult[]> {
  const file = basename(path);
  let spec: TestFile;
  try {
    spec = loadExtendedJsonFile(path) as TestFile;
  } catch (error) {
    return [
      { file, description: '(file)', status: 'failed', detail: `cannot parse: ${(error as Error).message}` },
    ];
  }
  const tests = spec.tests.filter((test) => !context.grep || test.description.includes(context.grep));
  const schemaProblem = unsupportedSchema(spec.schemaVersion);
  if (schemaProblem)
    return tests.map((test) => ({
      file,
      description: test.description,
      status: 'failed',
      detail: schemaProblem,
    }));

  const fileReason = await requirementsReason(spec.runOnRequirements, context.server);
  if (fileReason)
    return tests.map((test) => ({
      file,
      description: test.description,
      status: 'skipped',
      detail: fileReason,
    }));

  const results: TestResult[] = [];
  for (const test of tests) results.push(await runTest(file, spec, test, context));
  return results;
}

async function runTest(
  file: string,
  spec: TestFile,
  test: TestCase,
  context: RunnerContext,
): Promise<TestResult> {
  const result = (status: TestStatus, detail?: string): TestResult => ({
    file,
    description: test.description,
    status,
    detail,
  });
  if (test.skipReason) return result('skipped', `skipReason: ${test.skipReason}`);
  const requirementReason = await requirementsReason(test.runOnRequirements, context.server);
  if (requirementReason) return result('skipped', requirementReason);
  const scopeReason = outOfScopeReason(spec, test, context.include) ?? driverDeviation(test.description);
  if (scopeReason) return result('skipped', scopeReason);

  const entities = new EntityMap(context.uri);
  let outcome: TestResult;
  try {
    await withTimeout(executeTest(spec, test, entities, context), TEST_TIMEOUT_MS);
    outcome = result('passed');
  } catch (error) {
    outcome = result('failed', explain(error));
  } finally {
    await entities.close();
  }
  if (outcome.status === 'failed' || usesTransactions(test.operations))
    await killAllSessions(context.internalClient);
  return outcome;
}

async function executeTest(
  spec: TestFile,
  test: TestCase,
  entities: EntityMap,
  context: RunnerContext,
): Promise<void> {
  for (const data of spec.initialData ?? []) await prepareCollection(context.internalClient, data);
  await entities.create(spec.createEntities ?? []);

  for (const [index, operation] of test.operations.entries()) {
    try {
      await runOperation(operation, entities, context, false);
    } catch (error) {
      throw new OperationFailure(index, operation, error);
    }
  }

  // Asserted synchronously right after the operations: later events (endSessions at
  // teardown, the outcome queries of the internal client) cannot interleave.
  for (const expectation of test.expectEvents ?? []) {
    assertExpectedEvents(expectation, entities);
  }
  for (const data of test.outcome ?? []) {
    const documents = await context.internalClient
      .db(data.databaseName)
      .collection(data.collectionName)
      .find({}, { sort: { _id: 1 }, readPreference: 'primary', readConcern: { level: 'local' } })
      .toArray();
    assertExactlyEqual(data.documents, documents, `outcome(${data.databaseName}.${data.collectionName})`);
  }
}

/**
 * Runs one operation with its assertions. Inside a withTransaction callback an error is
 * re-raised after its assertions so that withTransaction sees it, as the format requires.
 */
async function runOperation(
  operation: Operation,
  entities: EntityMap,
  context: RunnerContext,
  propagateErrors: boolean,
): Promise<void> {
  if (operation.object === 'testRunner') {
    await runSpecialOperation(operation, entities, context);
    return;
  }
  let value: unknown;
  let rootDocuments = false;
  let savedEntity;
  let error: unknown;
  let failed = false;
  try {
    const outcome = await executeEntityOperation(operation, entities, (nested) =>
      runOperation(nested, entities, context, true),
    );
    value = outcome.value;
    rootDocuments = outcome.rootDocuments ?? false;
    savedEntity = outcome.entity;
  } catch (caught) {
    if (caught instanceof UnsupportedOperationError)
      throw new Error(`runner does not implement ${caught.message}`, { cause: caught });
    error = caught;
    failed = true;
  }

  if (operation.ignoreResultAndError) {
    if (failed && propagateErrors) throw error;
    return;
  }
  if (operation.expectError) {
    if (!failed) throw new MatchFailure('result', `expected an error, got ${render(value)}`);
    assertExpectedError(error, operation.expectError, entities);
    if (propagateErrors) throw error;
    return;
  }
  if (failed) throw error;
  if ('expectResult' in operation) {
    const expected = operation.expectResult;
    if (rootDocuments && Array.isArray(expected))
      assertMatchesRootDocuments(expected, value, entities, 'result');
    else assertMatches(expected, value, entities, { root: true }, 'result');
  }
  if (operation.saveResultAsEntity) {
    entities.set(operation.saveResultAsEntity, savedEntity ?? { kind: 'value', value });
  }
}

async function runSpecialOperation(
  operation: Operation,
  entities: EntityMap,
  context: RunnerContext,
): Promise<void> {
  const args = operation.arguments ?? {};
  const internal = context.internalClient;
  switch (operation.name) {
    case 'createEntities':
      await entities.create(args.entities);
      return;
    case 'assertCollectionExists':
    case 'assertCollectionNotExists': {
      const found = await internal
        .db(args.databaseName)
        .listCollections({ name: args.collectionName })
        .toArray();
      const wanted = operation.name === 'assertCollectionExists';
      if (found.length > 0 !== wanted) {
        throw new MatchFailure(
          operation.name,
          `${args.databaseName}.${args.collectionName} ${wanted ? 'does not exist' : 'exists'}`,
        );
      }
      return;
    }
    case 'assertIndexExists':
    case 'assertIndexNotExists': {
      let names: string[] = [];
      try {
        const indexes = await internal
          .db(args.databaseName)
          .collection(args.collectionName)
          .listIndexes()
          .toArray();
        names = indexes.map((index) => String(index.name));
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND)) throw error;
      }
      const wanted = operation.name === 'assertIndexExists';
      if (names.includes(args.indexName) !== wanted) {
        throw new MatchFailure(
          operation.name,
          `index ${args.indexName} ${wanted ? 'missing' : 'present'} (indexes: ${names.join(', ')})`,
        );
      }
      return;
    }
    case 'assertSessionTransactionState': {
      const session = entities.session(args.session);
      const state =
        TRANSACTION_STATES[(session as any).transaction.state] ?? (session as any).transaction.state;
      if (state !== args.state)
        throw new MatchFailure(operation.name, `expected ${args.state}, session is ${state}`);
      return;
    }
    case 'assertSessionPinned':
    case 'assertSessionUnpinned': {
      const pinned = Boolean(entities.session(args.session).isPinned);
      if (pinned !== (operation.name === 'assertSessionPinned')) {
        throw new MatchFailure(operation.name, `session is ${pinned ? '' : 'not '}pinned`);
      }
      return;
    }
    case 'assertSessionDirty':
    case 'assertSessionNotDirty': {
      const dirty = Boolean((entities.session(args.session) as any).serverSession?.isDirty);
      if (dirty !== (operation.name === 'assertSessionDirty')) {
        throw new MatchFailure(operation.name, `session is ${dirty ? '' : 'not '}dirty`);
      }
      return;
    }
    case 'assertSameLsidOnLastTwoCommands':
    case 'assertDifferentLsidOnLastTwoCommands': {
      const started = entities
        .client(args.client)
        .commandEvents.filter((e) => e.type === 'commandStartedEvent');
      if (started.length < 2) throw new MatchFailure(operation.name, 'fewer than two commands observed');
      const [a, b] = started.slice(-2).map((e) => render(e.event.command.lsid));
      if ((a === b) !== (operation.name === 'assertSameLsidOnLastTwoCommands')) {
        throw new MatchFailure(operation.name, `lsids ${a} and ${b}`);
      }
      return;
    }
    case 'assertNumberConnectionsCheckedOut': {
      const count = entities.client(args.client).connectionsCheckedOut;
      if (count !== args.connections)
        throw new MatchFailure(operation.name, `expected ${args.connections}, got ${count}`);
      return;
    }
    case 'wait':
      await new Promise((resolve) => setTimeout(resolve, args.ms));
      return;
    case 'runOnThread': {
      const thread = entities.thread(args.thread);
      thread.pending = thread.pending
        .then(() => runOperation(args.operation, entities, context, false))
        .catch((error) => {
          thread.failure ??= error;
        });
      return;
    }
    case 'waitForThread': {
      const thread = entities.thread(args.thread);
      await thread.pending;
      if (thread.failure) throw thread.failure;
      return;
    }
    case 'waitForEvent': {
      const deadline = Date.now() + 10_000;
      while (countEvents(entities, args.client, args.event) < args.count) {
        if (Date.now() > deadline)
          throw new MatchFailure(operation.name, `timed out waiting for ${render(args.event)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return;
    }
    case 'assertEventCount': {
      const count = countEvents(entities, args.client, args.event);
      if (count !== args.count)
        throw new MatchFailure(operation.name, `expected ${args.count} ${render(args.event)}, got ${count}`);
      return;
    }
    default:
      throw new Error(`runner does not implement special operation ${operation.name}`);
  }
}

function countEvents(
  entities: EntityMap,
  clientName: string,
  expected: Record<string, Record<string, unknown>>,
): number {
  const client = entities.client(clientName);
  const [type, fields] = Object.entries(expected)[0] as [string, Record<string, unknown>];
  return [...client.commandEvents, ...client.cmapEvents].filter((recorded) => {
    if (recorded.type !== type) return false;
    try {
      assertMatches(fields ?? {}, recorded.event, entities, { root: true });
      return true;
    } catch {
      return false;
    }
  }).length;
}

async function prepareCollection(client: MongoClient, data: CollectionData): Promise<void> {
  const majority = { writeConcern: { w: 'majority' as const } };
  const db = client.db(data.databaseName);
  for (const name of [
    data.collectionName,
    `enxcol_.${data.collectionName}.esc`,
    `enxcol_.${data.collectionName}.ecoc`,
  ]) {
    try {
      await db.collection(name).drop(majority);
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND)) throw error;
    }
  }
  if (data.createOptions)
    await db.createCollection(data.collectionName, { ...data.createOptions, ...majority });
  if (data.documents.length > 0)
    await db.collection(data.collectionName).insertMany(data.documents, majority);
  else if (!data.createOptions) await db.createCollection(data.collectionName, majority);
}

/** Ends any transaction a test left open, so the next test is not blocked by it. */
export async function killAllSessions(client: MongoClient): Promise<void> {
  try {
    await client.db('admin').command({ killAllSessions: [] });
  } catch {
    // Interrupted/Unauthorized are tolerated by the format; a server without the command has
    // nothing more for us to do here.
  }
}

function usesTransactions(operations: Operation[]): boolean {
  return operations.some(
    (operation) =>
      operation.name === 'startTransaction' ||
      operation.name === 'withTransaction' ||
      (operation.name === 'runOnThread' && usesTransactions([operation.arguments?.operation])),
  );
}

function unsupportedSchema(version: string): string | undefined {
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  if (major === SUPPORTED_SCHEMA.major && (minor ?? 0) <= SUPPORTED_SCHEMA.minor) return undefined;
  return `unsupported schemaVersion ${version} (runner implements ${SUPPORTED_SCHEMA.major}.${SUPPORTED_SCHEMA.minor})`;
}

class OperationFailure extends Error {
  constructor(
    readonly index: number,
    readonly operation: Operation,
    readonly error: unknown,
  ) {
    super(`operation ${index} (${operation.name} on ${operation.object}): ${explain(error)}`);
  }
}

function explain(error: unknown): string {
  if (error instanceof OperationFailure || error instanceof MatchFailure) return error.message;
  if (error instanceof Error) {
    const fields = error as { code?: unknown; codeName?: unknown; cause?: unknown; writeErrors?: unknown };
    if (fields.cause instanceof Error)
      return `unexpected ${error.name}: ${error.message}, caused by ${explain(fields.cause)}`;
    if (fields.writeErrors instanceof Map && fields.writeErrors.size > 0) {
      return `unexpected ${error.name}: ${error.message}, write errors ${render(fields.writeErrors)}`;
    }
    const code =
      fields.code !== undefined
        ? ` [code ${String(fields.code)}${fields.codeName ? ` ${String(fields.codeName)}` : ''}]`
        : '';
    return `unexpected ${error.name}: ${error.message}${code}`;
  }
  return `unexpected throw: ${render(error)}`;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`test timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
