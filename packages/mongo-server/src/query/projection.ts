// Find-style projections (inclusion, exclusion, positional $, $slice, $elemMatch) through mingo.
import { inDocumentOrder } from './field-order';
import { newQuery } from './mingo-context';
import { getPath } from '../bson/paths';
import { cloneValue, isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';

export function projectDocuments(docs: Doc[], projection: unknown, filter: Doc): Doc[] {
  if (projection === undefined || projection === null) return docs;
  if (!isPlainObject(projection))
    fail(ErrorCodes.TypeMismatch, 'Expected field projection to be of type object');
  if (Object.keys(projection).length === 0) return docs;
  validateProjection(projection);
  const simple = topLevelProjection(projection);
  if (simple) return docs.map(simple);
  const slices = sliceOnlyProjection(projection);
  if (slices) return docs.map((doc) => applySlices(doc, slices.excluded, slices.slices));
  try {
    // The filter only matters for the positional operator; other projections must not re-filter.
    const usesPositional = Object.keys(projection).some((k) => k.endsWith('.$'));
    const projected = newQuery(usesPositional ? filter : {})
      .find<Doc>(docs, projection as never)
      .all();
    if (projected.length !== docs.length) return projected;
    return projected.map((doc, i) => inDocumentOrder(docs[i] as Doc, doc, projection));
  } catch (err) {
    fail(ErrorCodes.BadValue, (err as Error).message);
  }
}

/**
 * Inclusions or exclusions of top-level fields only (`{nameTerms: 0}`, `{name: 1, price: 1}`): the
 * projection most queries send, applied by copying the kept fields in document order (what mongod
 * returns) without building a mingo query. Values are shared with the stored version, as the
 * unprojected path shares whole documents: replies only serialize them.
 */
function topLevelProjection(projection: Doc): ((doc: Doc) => Doc) | undefined {
  let includeId = true;
  let inclusion: boolean | undefined;
  const fields = new Set<string>();
  for (const [path, value] of Object.entries(projection)) {
    if (path.includes('.') || path.startsWith('$')) return undefined;
    let include: boolean;
    if (value === true || value === 1) include = true;
    else if (value === false || value === 0) include = false;
    else return undefined;
    if (path === '_id') {
      includeId = include;
      continue;
    }
    if (inclusion !== undefined && inclusion !== include) return undefined;
    inclusion = include;
    fields.add(path);
  }
  // {_id: 0} alone excludes _id; {_id: 1} alone keeps only _id.
  if (inclusion === undefined) inclusion = includeId;
  const keep = inclusion
    ? (key: string) => (key === '_id' ? includeId : fields.has(key))
    : (key: string) => (key === '_id' ? includeId : !fields.has(key));
  return (doc) => {
    const out: Doc = {};
    for (const key in doc) if (keep(key)) out[key] = doc[key];
    return out;
  };
}

type SliceSpec = number | [number, number];

/**
 * A projection of $slice fields and exclusions only returns every other field, as mongod does
 * ({comments: {$slice: 5}} keeps the whole document); mingo treats $slice as an inclusion.
 */
function sliceOnlyProjection(
  projection: Doc,
): { excluded: string[]; slices: Array<[string, SliceSpec]> } | undefined {
  const excluded: string[] = [];
  const slices: Array<[string, SliceSpec]> = [];
  for (const [path, value] of Object.entries(projection)) {
    if (isPlainObject(value)) {
      const keys = Object.keys(value);
      if (keys.length !== 1 || keys[0] !== '$slice') return undefined;
      const spec = value.$slice;
      const valid =
        typeof spec === 'number' ||
        (Array.isArray(spec) && spec.length === 2 && spec.every((n) => typeof n === 'number'));
      if (!valid) return undefined;
      slices.push([path, spec as SliceSpec]);
    } else if (value === false || value === 0) excluded.push(path);
    else if (path !== '_id') return undefined;
    else if (value !== true && value !== 1) return undefined;
  }
  return slices.length > 0 ? { excluded, slices } : undefined;
}

function applySlices(doc: Doc, excluded: string[], slices: Array<[string, SliceSpec]>): Doc {
  const out = cloneValue(doc);
  for (const path of excluded) removePath(out, path);
  for (const [path, spec] of slices) {
    const parentPath = path.split('.').slice(0, -1).join('.');
    const parent = parentPath ? getPath(out, parentPath) : out;
    const leaf = path.split('.').pop() as string;
    if (!isPlainObject(parent) || !Array.isArray(parent[leaf])) continue;
    parent[leaf] = sliceArray(parent[leaf] as unknown[], spec);
  }
  return out;
}

function sliceArray(values: unknown[], spec: SliceSpec): unknown[] {
  if (typeof spec === 'number')
    return spec >= 0 ? values.slice(0, spec) : values.slice(Math.max(values.length + spec, 0));
  const [skip, limit] = spec;
  const start = skip >= 0 ? Math.min(skip, values.length) : Math.max(values.length + skip, 0);
  return values.slice(start, start + Math.max(limit, 0));
}

function removePath(doc: Doc, path: string): void {
  const parts = path.split('.');
  const parent = parts.length > 1 ? getPath(doc, parts.slice(0, -1).join('.')) : doc;
  if (isPlainObject(parent)) delete parent[parts[parts.length - 1] as string];
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
      fail(ErrorCodes.Location31254, `Cannot do exclusion on field ${k} in inclusion projection`, {
        codeName: 'Location31254',
      });
    }
    fail(31253, `Cannot do inclusion on field ${k} in exclusion projection`, { codeName: 'Location31253' });
  }
}
