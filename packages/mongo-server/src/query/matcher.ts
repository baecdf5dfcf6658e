// Query predicates through mingo, with mongod's error codes for invalid filters.
import { compileSimpleFilter } from './fast-match';
import { newQuery } from './mingo-context';
import { isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';

export interface Matcher {
  test(doc: Doc): boolean;
  readonly filter: Doc;
}

/** Maps mingo's messages to the codes mongod uses for the same mistakes. */
export function queryError(err: unknown): never {
  const message = (err as Error).message;
  if (message.startsWith('Use of undefined variable')) fail(17276, message, { codeName: 'Location17276' });
  fail(ErrorCodes.BadValue, message);
}

export function compileFilter(filter: unknown, variables?: Doc): Matcher {
  if (filter === undefined || filter === null) filter = {};
  if (!isPlainObject(filter))
    fail(ErrorCodes.TypeMismatch, "BSON field 'filter' is the wrong type, expected type 'object'");
  if (Object.keys(filter).length === 0) return { filter, test: () => true };
  const simple = compileSimpleFilter(filter);
  if (simple) return { filter, test: simple };
  let query: ReturnType<typeof newQuery>;
  try {
    query = newQuery(filter, variables ? { variables } : {});
  } catch (err) {
    queryError(err);
  }
  return {
    filter,
    test(doc: Doc): boolean {
      try {
        return query.test(doc);
      } catch (err) {
        queryError(err);
      }
    },
  };
}
