// Field order of projected documents as mongod produces it. mongod walks the input document, so
// included fields keep their stored order at every depth (_id stays first), and computed fields
// follow in the order the projection names them; mingo emits projection order with _id last.
import { isPlainObject, type Doc } from '../bson/values';

/** Whether a projection value computes a field (an expression or a literal) rather than including or excluding one. */
function isComputed(value: unknown): boolean {
  if (value === 0 || value === 1 || value === true || value === false) return false;
  if (isPlainObject(value)) return Object.keys(value).some((key) => key.startsWith('$'));
  return true;
}

/**
 * Reorders `projected` (computed from `source` with `spec`) the way mongod orders it. $slice and
 * $elemMatch specs stay in place like inclusions; without a spec every field follows the source.
 */
export function inDocumentOrder(source: Doc, projected: Doc, spec?: Doc): Doc {
  const computed = new Set<string>();
  if (spec) {
    for (const [key, value] of Object.entries(spec)) {
      const isSliceOrElemMatch = isPlainObject(value) && ('$slice' in value || '$elemMatch' in value);
      if (!key.includes('.') && !isSliceOrElemMatch && isComputed(value)) computed.add(key);
    }
  }
  const out: Doc = {};
  for (const key of Object.keys(source)) {
    if (!(key in projected) || computed.has(key)) continue;
    const from = source[key];
    const to = projected[key];
    const nestedSpec =
      spec && isPlainObject(spec[key]) && !isComputed(spec[key]) ? (spec[key] as Doc) : undefined;
    if (isPlainObject(from) && isPlainObject(to)) out[key] = inDocumentOrder(from, to, nestedSpec);
    else if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
      out[key] = to.map((item, i) =>
        isPlainObject(from[i]) && isPlainObject(item)
          ? inDocumentOrder(from[i] as Doc, item, nestedSpec)
          : item,
      );
    } else out[key] = to;
  }
  for (const key of [...computed, ...Object.keys(projected)])
    if (key in projected && !(key in out)) out[key] = projected[key];
  return out;
}
