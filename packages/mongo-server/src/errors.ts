// Server errors carry mongod's numeric code, codeName and error labels so drivers react to them
// exactly as they would to a real server (retries, TransientTransactionError handling, E11000 parsing).

export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  NoSuchKey: 4,
  FailedToParse: 9,
  TypeMismatch: 14,
  InvalidLength: 16,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  IndexAlreadyExists: 68,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  WriteConflict: 112,
  UnknownReplWriteConcern: 79,
  UnsatisfiableWriteConcern: 100,
  ClusterTimeFailsRateLimiter: 209,
  ConflictingOperationInProgress: 117,
  ProtocolError: 17,
  OperationFailed: 96,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  TransactionTooOld: 225,
  InvalidIndexSpecificationOption: 197,
  OperationNotSupportedInTransaction: 263,
  Location40352: 40352,
  DuplicateKey: 11000,
  CursorKilled: 237,
  Unauthorized: 13,
  InvalidBSON: 22,
  BSONObjectTooLarge: 10334,
  NotImplemented: 238,
  QueryFeatureNotAllowed: 224,
  Location31254: 31254,
  Location40414: 40414,
  Location15974: 15974,
  Location16410: 16410,
  Location28724: 28724,
} as const;

const codeNames: Record<number, string> = {};
for (const [name, code] of Object.entries(ErrorCodes)) codeNames[code] = name;

export class MongoCommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly labels: string[];
  readonly extra: Record<string, unknown>;

  constructor(
    code: number,
    message: string,
    options: { labels?: string[]; extra?: Record<string, unknown>; codeName?: string } = {},
  ) {
    super(message);
    this.code = code;
    this.codeName =
      options.codeName ?? codeNames[code] ?? (code >= 1000 ? `Location${code}` : 'UnknownError');
    this.labels = options.labels ?? [];
    this.extra = options.extra ?? {};
  }

  toReply(): Record<string, unknown> {
    const reply: Record<string, unknown> = {
      ok: 0,
      errmsg: this.message,
      code: this.code,
      codeName: this.codeName,
      ...this.extra,
    };
    if (this.labels.length > 0) reply.errorLabels = this.labels;
    return reply;
  }
}

export function fail(
  code: number,
  message: string,
  options?: { labels?: string[]; extra?: Record<string, unknown>; codeName?: string },
): never {
  throw new MongoCommandError(code, message, options);
}

/** Converts anything thrown (including mingo's own errors) into a mongod-shaped error. */
export function toCommandError(err: unknown): MongoCommandError {
  if (err instanceof MongoCommandError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // mingo reports unknown operators and bad arguments as plain errors; mongod answers those as BadValue.
  return new MongoCommandError(ErrorCodes.BadValue, message);
}
