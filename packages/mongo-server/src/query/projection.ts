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
    const projected = newQuery(usesPositional ? filter : {}).find<Doc>(docs, projection as never).all();
    if (projected.length !== docs.length) return projected;
    return projected.map((doc, i) => inDocumentOrder(docs[i] as Doc, doc));
  } catch (err) {
    fail(ErrorCodes.BadValue, (err as Error).message);
  }
}

/**
 * mongod keeps the fields a projection returns in the order of the stored document (so _id stays
 * first), at every depth, and appends computed fields after them; mingo emits them in projection
 * order with _id last.
 */
function inDocumentOrder(source: Doc, projected: Doc): Doc {
  const out: Doc = {};
  for (const key of Object.keys(source)) {
    if (!(key in projected)) continue;
    const from = source[key];
    const to = projected[key];
    if (isPlainObject(from) && isPlainObject(to)) out[key] = inDocumentOrder(from, to);
    else if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
      out[key] = to.map((item, i) => (isPlainObject(from[i]) && isPlainObject(item) ? inDocumentOrder(from[i] as Doc, item) : item));
    } else out[key] = to;
  }
  for (const key of Object.keys(projected)) if (!(key in out)) out[key] = projected[key];
  return out;
}

/** The first non-_id field decides the projection's kind; mongod names the first field that contradicts it. */
function validateProjection(projection: Doc): void {
  let kind: 'inclusion' | 'exclusion' | undefined;
  for (const [k, v] of Object.entries(projection)) {
    if (isPlainObject(v)) continue;
    if (k === '_id') continue;
    const includes = typeof v === 'string' || v === true || (typeof v === 'number' && v !== 0);
    const fieldKind = includes ? 'inclusion' : 'exclusion';
    kind ??= fieldKind;
    if (fieldKind === kind) continue;
    if (kind === 'inclusion') {
      fail(ErrorCodes.Location31254, `Cannot do exclusion on field ${k} in inclusion projection`, { codeName: 'Location31254' });
    }
    fail(31253, `Cannot do inclusion on field ${k} in exclusion projection`, { codeName: 'Location31253' });
  }
}
