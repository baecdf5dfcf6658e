// Sorting as mongod does: BSON type order, arrays sort by their smallest (ascending) or largest
// (descending) element, missing fields sort as null.
import { collectPathValues } from '../bson/paths';
import { compareValues, isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';

export type SortSpec = Array<[string, 1 | -1]>;

export function parseSort(sort: unknown): SortSpec | undefined {
  if (sort === undefined || sort === null) return undefined;
  if (!isPlainObject(sort)) fail(ErrorCodes.TypeMismatch, 'Expected field sort to be of type object');
  const spec: SortSpec = [];
  for (const [path, dir] of Object.entries(sort)) {
    if (isPlainObject(dir)) continue; // {$meta: ...}: no text score here, leaves order unchanged
    if (dir !== 1 && dir !== -1)
      fail(ErrorCodes.BadValue, `$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    spec.push([path, dir]);
  }
  return spec.length > 0 ? spec : undefined;
}

function sortKey(doc: Doc, path: string, dir: 1 | -1): unknown {
  const values: unknown[] = [];
  for (const v of collectPathValues(doc, path)) {
    if (Array.isArray(v)) {
      if (v.length === 0) values.push(undefined);
      else values.push(...v);
    } else values.push(v);
  }
  if (values.length === 0) return null;
  let best = values[0];
  for (const v of values) {
    const c = compareValues(v, best);
    if ((dir === 1 && c < 0) || (dir === -1 && c > 0)) best = v;
  }
  return best;
}

export function sortDocuments(docs: Doc[], spec: SortSpec): Doc[] {
  const keyed = docs.map((doc, i) => ({ doc, i, keys: spec.map(([path, dir]) => sortKey(doc, path, dir)) }));
  keyed.sort((a, b) => {
    for (let k = 0; k < spec.length; k++) {
      const c = compareValues(a.keys[k], b.keys[k]);
      if (c !== 0) return c * (spec[k] as [string, 1 | -1])[1];
    }
    return a.i - b.i;
  });
  return keyed.map((k) => k.doc);
}
