// Direct application of the update operators applications use most ($set, $unset, $inc, $mul, $min,
// $max, $currentDate, $setOnInsert) on plain paths, without mingo's per-call setup. Paths with
// positional operators or that pass through arrays return undefined and are left to mingo.
import { bsonTypeName, cloneValue, compareValues, isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';

const SIMPLE_OPS = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$currentDate', '$setOnInsert']);

interface Slot {
  parent: Doc;
  field: string;
}

/** Finds (creating intermediate documents if `create`) the object holding the path's last field. */
function slot(doc: Doc, path: string, create: boolean): Slot | undefined | null {
  const parts = path.split('.');
  let cur: Doc = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const next = cur[part];
    if (next === undefined || next === null) {
      if (!create) return null;
      if (next === null) fail(ErrorCodes.PathNotViable, `Cannot create field '${parts[i + 1]}' in element {${part}: null}`);
      const made: Doc = {};
      cur[part] = made;
      cur = made;
    } else if (isPlainObject(next)) {
      cur = next;
    } else if (Array.isArray(next)) {
      return undefined;
    } else {
      if (!create) return null;
      fail(ErrorCodes.PathNotViable, `Cannot create field '${parts[i + 1]}' in element {${part}: ${JSON.stringify(next)}}`);
    }
  }
  return { parent: cur, field: parts[parts.length - 1] as string };
}

function addNumbers(a: unknown, b: unknown, op: '$inc' | '$mul'): number | undefined {
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  return op === '$inc' ? a + b : a * b;
}

/**
 * Applies the update to a copy of `doc`, or returns undefined when the update needs mingo.
 * Validation of operator arguments has already happened (see update.ts).
 */
export function applySimpleUpdate(doc: Doc, update: Doc, inserting: boolean): Doc | undefined {
  for (const [op, arg] of Object.entries(update)) {
    if (!SIMPLE_OPS.has(op)) return undefined;
    for (const path of Object.keys(arg as Doc)) if (path.includes('$') || /(^|\.)\d+(\.|$)/.test(path)) return undefined;
  }
  const next = cloneValue(doc);
  for (const [op, arg] of Object.entries(update)) {
    if (op === '$setOnInsert' && !inserting) continue;
    // mongod applies each operator's fields in lexicographic order (visible in the order new fields get).
    const paths = Object.keys(arg as Doc).sort();
    for (const path of paths) {
      const value = (arg as Doc)[path];
      const s = slot(next, path, op !== '$unset');
      if (s === undefined) return undefined;
      if (s === null) continue; // $unset of a path that does not exist
      const { parent, field } = s;
      if (Array.isArray(parent)) return undefined;
      const current = parent[field];
      switch (op) {
        case '$set':
        case '$setOnInsert':
          parent[field] = cloneValue(value);
          break;
        case '$unset':
          delete parent[field];
          break;
        case '$inc':
        case '$mul': {
          if (current === undefined) {
            parent[field] = op === '$inc' ? value : typeof value === 'number' ? 0 : undefined;
            if (parent[field] === undefined) return undefined;
            break;
          }
          const result = addNumbers(current, value, op);
          if (result === undefined) return undefined;
          parent[field] = result;
          break;
        }
        case '$min':
        case '$max': {
          if (current === undefined) parent[field] = cloneValue(value);
          else {
            const c = compareValues(value, current);
            if ((op === '$min' && c < 0) || (op === '$max' && c > 0)) parent[field] = cloneValue(value);
          }
          break;
        }
        case '$currentDate': {
          const type = isPlainObject(value) ? value.$type : undefined;
          if (type === 'timestamp') return undefined;
          if (value !== true && type !== 'date') fail(ErrorCodes.BadValue, `${bsonTypeName(value)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`);
          parent[field] = new Date();
          break;
        }
        default:
          return undefined;
      }
    }
  }
  return next;
}
