// Find-style projections (inclusion, exclusion, positional $, $slice, $elemMatch) through mingo.
import { newQuery } from './mingo-context';
import { isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';

export function projectDocuments(docs: Doc[], projection: unknown, filter: Doc): Doc[] {
  if (projection === undefined || projection === null) return docs;
  if (!isPlainObject(projection)) fail(ErrorCodes.TypeMismatch, "Expected field projection to be of type object");
  if (Object.keys(projection).length === 0) return docs;
  validateProjection(projection);
  try {
    // The filter only matters for the positional operator; other projections must not re-filter.
    const usesPositional = Object.keys(projection).some((k) => k.endsWith('.$'));
    return newQuery(usesPositional ? filter : {}).find<Doc>(docs, projection as never).all();
  } catch (err) {
    fail(ErrorCodes.BadValue, (err as Error).message);
  }
}

function validateProjection(projection: Doc): void {
  let inclusion = false;
  let exclusion = false;
  for (const [k, v] of Object.entries(projection)) {
    if (isPlainObject(v)) continue;
    const truthy = v === true || (typeof v === 'number' && v !== 0);
    if (k === '_id') continue;
    if (typeof v === 'string') { inclusion = true; continue; }
    if (truthy) inclusion = true;
    else exclusion = true;
  }
  if (inclusion && exclusion) {
    fail(ErrorCodes.Location31254, 'Cannot do exclusion on field in inclusion projection', { codeName: 'Location31254' });
  }
}
