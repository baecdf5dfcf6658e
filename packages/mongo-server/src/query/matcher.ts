// Query predicates through mingo, with mongod's error codes for invalid filters.
import { Query } from 'mingo';
import { isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';

export interface Matcher {
  test(doc: Doc): boolean;
  readonly filter: Doc;
}

export function compileFilter(filter: unknown, variables?: Doc): Matcher {
  if (filter === undefined || filter === null) filter = {};
  if (!isPlainObject(filter)) fail(ErrorCodes.TypeMismatch, "BSON field 'filter' is the wrong type, expected type 'object'");
  if (Object.keys(filter).length === 0) return { filter, test: () => true };
  let query: Query;
  try {
    query = new Query(filter, variables ? { variables } : undefined);
  } catch (err) {
    fail(ErrorCodes.BadValue, (err as Error).message);
  }
  return {
    filter,
    test(doc: Doc): boolean {
      try {
        return query.test(doc);
      } catch (err) {
        fail(ErrorCodes.BadValue, (err as Error).message);
      }
    },
  };
}
