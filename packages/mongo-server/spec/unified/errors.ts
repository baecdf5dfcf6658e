// expectError: assertions on an error raised by an operation.
import { MongoBulkWriteError, MongoClientBulkWriteError, MongoError, MongoServerError } from 'mongodb';
import { assertMatches, MatchFailure, type MatchEntities } from './match';
import { bulkWriteResultDocument, clientBulkWriteResultDocument } from './operations';
import { type ExpectedError } from './types';
import { render } from './values';

/** Server error code names the tests refer to, for write errors that carry only a code. */
const CODE_NAMES: Record<string, number> = {
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  ConflictingUpdateOperators: 40,
  NamespaceExists: 48,
  MaxTimeMSExpired: 50,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  EmptyFieldName: 56,
  DottedFieldName: 57,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  WriteConflict: 112,
  DocumentValidationFailure: 121,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  OperationNotSupportedInTransaction: 263,
  Location40414: 40414,
  DuplicateKey: 11000,
  Unauthorized: 13,
  NotWritablePrimary: 10107,
};

export function assertExpectedError(error: unknown, expected: ExpectedError, entities: MatchEntities): void {
  if (!(error instanceof Error)) throw new MatchFailure('error', `expected an Error, got ${render(error)}`);
  const causes = errorAndCauses(error);

  if (expected.isClientError !== undefined) {
    const isServerError = isFromServer(error);
    if (expected.isClientError && isServerError) {
      throw new MatchFailure('error', `expected a client-side error, got a server error: ${describe(error)}`);
    }
    if (!expected.isClientError && !isServerError) {
      throw new MatchFailure('error', `expected a server error, got a client-side error: ${describe(error)}`);
    }
  }

  if (expected.isTimeoutError !== undefined) {
    const isTimeout = error.name === 'MongoOperationTimeoutError';
    if (isTimeout !== expected.isTimeoutError) {
      throw new MatchFailure(
        'error',
        `expected isTimeoutError=${expected.isTimeoutError}: ${describe(error)}`,
      );
    }
  }

  if (expected.errorContains !== undefined) {
    const needle = expected.errorContains.toLowerCase();
    const messages = causes.map((cause) => cause.message ?? cause.errmsg ?? '');
    if (!messages.some((message: string) => message.toLowerCase().includes(needle))) {
      throw new MatchFailure(
        'error',
        `expected the message to contain "${expected.errorContains}": ${describe(error)}`,
      );
    }
  }

  if (expected.errorCode !== undefined) {
    if (!causes.some((cause) => cause.code === expected.errorCode)) {
      throw new MatchFailure('error', `expected error code ${expected.errorCode}: ${describe(error)}`);
    }
  }

  if (expected.errorCodeName !== undefined) {
    const wanted = expected.errorCodeName.toLowerCase();
    const code = CODE_NAMES[expected.errorCodeName];
    const found = causes.some(
      (cause) =>
        (typeof cause.codeName === 'string' && cause.codeName.toLowerCase() === wanted) ||
        (code !== undefined && cause.codeName === undefined && cause.code === code),
    );
    if (!found)
      throw new MatchFailure('error', `expected codeName ${expected.errorCodeName}: ${describe(error)}`);
  }

  const labelled =
    error instanceof MongoClientBulkWriteError && error.cause instanceof MongoError ? error.cause : error;
  for (const label of expected.errorLabelsContain ?? []) {
    if (!(labelled instanceof MongoError) || !labelled.hasErrorLabel(label)) {
      throw new MatchFailure('error', `expected error label ${label}: ${describe(error)}`);
    }
  }
  for (const label of expected.errorLabelsOmit ?? []) {
    if (labelled instanceof MongoError && labelled.hasErrorLabel(label)) {
      throw new MatchFailure('error', `expected no error label ${label}: ${describe(error)}`);
    }
  }

  if (expected.expectResult !== undefined) {
    assertMatches(expected.expectResult, partialResult(error), entities, { root: true }, 'error.result');
  }

  if (expected.errorResponse !== undefined) {
    const source = error instanceof MongoClientBulkWriteError ? error.cause : error;
    const response = (source as MongoServerError | undefined)?.errorResponse ?? source;
    assertMatches(expected.errorResponse, response, entities, { root: true }, 'error.errorResponse');
  }

  if (expected.writeErrors !== undefined) {
    if (!(error instanceof MongoClientBulkWriteError)) {
      throw new MatchFailure(
        'error',
        `expected a client bulk write error with writeErrors: ${describe(error)}`,
      );
    }
    const actual = error.writeErrors;
    const expectedIndexes = Object.keys(expected.writeErrors);
    for (const index of expectedIndexes) {
      const writeError = actual.get(Number(index));
      if (!writeError) throw new MatchFailure(`error.writeErrors.${index}`, 'missing write error');
      assertMatches(
        expected.writeErrors[index],
        writeError,
        entities,
        { root: true },
        `error.writeErrors.${index}`,
      );
    }
    const extra = [...actual.keys()].filter((index) => !expectedIndexes.includes(String(index)));
    if (extra.length > 0)
      throw new MatchFailure('error.writeErrors', `unexpected write errors at ${extra.join(', ')}`);
  }

  if (expected.writeConcernErrors !== undefined) {
    const actual = (error as { writeConcernErrors?: unknown[] }).writeConcernErrors ?? [];
    if (actual.length !== expected.writeConcernErrors.length) {
      throw new MatchFailure(
        'error.writeConcernErrors',
        `expected ${expected.writeConcernErrors.length}, got ${render(actual)}`,
      );
    }
    expected.writeConcernErrors.forEach((item, index) =>
      assertMatches(item, actual[index], entities, { root: true }, `error.writeConcernErrors[${index}]`),
    );
  }
}

/** Whether the error derives from a server reply rather than from the driver itself. */
function isFromServer(error: Error): boolean {
  if (error instanceof MongoClientBulkWriteError) {
    return (
      error.cause instanceof MongoServerError ||
      error.writeErrors.size > 0 ||
      error.writeConcernErrors.length > 0
    );
  }
  if (error instanceof MongoBulkWriteError) {
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    return (
      writeErrors.length > 0 || error.errorResponse instanceof MongoServerError || error.code !== undefined
    );
  }
  return error instanceof MongoServerError;
}

/** The error plus the errors it aggregates (bulk write errors, client bulk write causes). */
function errorAndCauses(error: Error): any[] {
  const out: any[] = [error];
  if (error instanceof MongoBulkWriteError) {
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    for (const writeError of writeErrors)
      out.push({ code: writeError.code, message: writeError.errmsg, codeName: undefined });
    const concern = (error.result as { getWriteConcernError?: () => any })?.getWriteConcernError?.();
    if (concern) out.push({ code: concern.code, message: concern.errmsg, codeName: concern.codeName });
  }
  if (error instanceof MongoClientBulkWriteError) {
    if (error.cause) out.push(error.cause);
  }
  return out;
}

function partialResult(error: Error): unknown {
  if (error instanceof MongoClientBulkWriteError) {
    return error.partialResult ? clientBulkWriteResultDocument(error.partialResult) : undefined;
  }
  if (error instanceof MongoBulkWriteError) return bulkWriteResultDocument(error.result);
  return undefined;
}

function describe(error: Error): string {
  const fields = error as { code?: unknown; codeName?: unknown; errorLabels?: unknown };
  return `${error.name}: ${error.message}${fields.code !== undefined ? ` (code ${String(fields.code)}${fields.codeName ? ` ${String(fields.codeName)}` : ''})` : ''}`;
}
