// The features this runner deliberately does not exercise. A test that needs one of them is
// reported as skipped with the reason; everything else runs and must pass.
import { type TestFile, type TestCase, type Operation } from './types';

// Hints run: the server checks them against its indexes as mongod does (it plans on its own).
const OUT_OF_SCOPE_ARGUMENTS: Record<string, string> = {
  collation: 'collation is out of scope',
};

const OUT_OF_SCOPE_OPERATIONS: Record<string, string> = {
  failPoint: 'fail points (configureFailPoint/failCommand) are out of scope',
  targetedFailPoint: 'fail points (configureFailPoint/failCommand) are out of scope',
};

/** Argument-based categories that `--include` can bring back in, to measure the server on them. */
export const OPTIONAL_CATEGORIES = Object.keys(OUT_OF_SCOPE_ARGUMENTS);

export function outOfScopeReason(
  file: TestFile,
  test: TestCase,
  included: ReadonlySet<string> = new Set(),
): string | undefined {
  const entities = [...(file.createEntities ?? []), ...nestedEntities(test.operations)];
  for (const entity of entities) {
    if ('clientEncryption' in entity) return 'client-side encryption is out of scope';
    if ((entity as { client?: { autoEncryptOpts?: unknown } }).client?.autoEncryptOpts) {
      return 'client-side encryption is out of scope';
    }
  }
  for (const operation of allOperations(test.operations)) {
    const byName = OUT_OF_SCOPE_OPERATIONS[operation.name];
    if (byName && operation.object === 'testRunner') return byName;
    const argumentNames = [
      ...Object.keys(operation.arguments ?? {}),
      ...writeModels(operation).flatMap((model) => Object.keys(model)),
    ];
    for (const argument of argumentNames) {
      const byArgument = OUT_OF_SCOPE_ARGUMENTS[argument];
      if (byArgument && !included.has(argument)) return byArgument;
    }
  }
  for (const expectation of test.expectEvents ?? []) {
    if ((expectation.eventType ?? 'command') === 'sdam')
      return 'SDAM event assertions are not recorded by this runner';
  }
  if (test.expectLogMessages) return 'log message assertions are not recorded by this runner';
  if (test.expectTracingMessages) return 'tracing span assertions are not recorded by this runner';
  return undefined;
}

function allOperations(operations: Operation[]): Operation[] {
  const out: Operation[] = [];
  for (const operation of operations) {
    out.push(operation);
    const callback = (operation.arguments as { callback?: Operation[] } | undefined)?.callback;
    if (Array.isArray(callback)) out.push(...allOperations(callback));
    const threadOperation = (operation.arguments as { operation?: Operation } | undefined)?.operation;
    if (threadOperation) out.push(...allOperations([threadOperation]));
  }
  return out;
}

function nestedEntities(operations: Operation[]): Record<string, unknown>[] {
  return allOperations(operations)
    .filter((operation) => operation.name === 'createEntities')
    .flatMap((operation) => (operation.arguments as { entities: Record<string, unknown>[] }).entities);
}

function writeModels(operation: Operation): Record<string, unknown>[] {
  const args = operation.arguments as { requests?: unknown[]; models?: unknown[] } | undefined;
  const models = args?.requests ?? args?.models ?? [];
  return models.flatMap((model) => Object.values(model as Record<string, Record<string, unknown>>));
}
