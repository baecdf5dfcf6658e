// Direct application of the update operators applications use most ($set, $unset, $inc, $mul, $min,
// $max, $currentDate, $setOnInsert, and the array operators $push, $addToSet, $pop, $pull of a value,
// $pullAll) on plain paths, without mingo's per-call setup. Paths with positional operators or that
// pass through arrays, $push with $sort and $pull with a condition return undefined: mingo does those.
import { bsonTypeName, cloneValue, compareValues, isPlainObject, valueKey, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';

/** The operators applied here (on plain paths); update.ts accepts these and the ones only mingo applies. */
export const SIMPLE_OPS: ReadonlySet<string> = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$currentDate',
  '$setOnInsert',
  '$push',
  '$addToSet',
  '$pop',
  '$pull',
  '$pullAll',
]);

const PUSH_MODIFIERS = new Set(['$each', '$position', '$slice']);

function isModifierDoc(v: unknown): v is Doc {
  return isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$'));
}

/** A value $pull can compare by equality (documents and arrays would be conditions or exact matches). */
function plainPullValue(v: unknown): boolean {
  return v !== null && v !== undefined && !isPlainObject(v) && !Array.isArray(v) && !(v instanceof RegExp);
}

function push(current: unknown[], value: unknown): unknown[] | undefined {
  if (!isModifierDoc(value)) return [...current, cloneValue(value)];
  if (!Object.keys(value).every((k) => PUSH_MODIFIERS.has(k)) || !Array.isArray(value.$each))
    return undefined;
  const items = value.$each.map(cloneValue);
  let out: unknown[];
  if (value.$position === undefined) out = [...current, ...items];
  else {
    if (typeof value.$position !== 'number' || !Number.isInteger(value.$position)) return undefined;
    const at =
      value.$position < 0
        ? Math.max(0, current.length + value.$position)
        : Math.min(value.$position, current.length);
    out = [...current.slice(0, at), ...items, ...current.slice(at)];
  }
  if (value.$slice !== undefined) {
    if (typeof value.$slice !== 'number' || !Number.isInteger(value.$slice)) return undefined;
    out = value.$slice >= 0 ? out.slice(0, value.$slice) : out.slice(Math.max(0, out.length + value.$slice));
  }
  return out;
}

function addToSet(current: unknown[], value: unknown): unknown[] | undefined {
  let items: unknown[];
  if (isModifierDoc(value)) {
    if (Object.keys(value).length !== 1 || !Array.isArray(value.$each)) return undefined;
    items = value.$each;
  } else items = [value];
  const out = [...current];
  const present = new Set(out.map(valueKey));
  for (const item of items) {
    const k = valueKey(item);
    if (present.has(k)) continue;
    present.add(k);
    out.push(cloneValue(item));
  }
  return out;
}

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
      if (next === null)
        fail(ErrorCodes.PathNotViable, `Cannot create field '${parts[i + 1]}' in element {${part}: null}`);
      const made: Doc = {};
      cur[part] = made;
      cur = made;
    } else if (isPlainObject(next)) {
      cur = next;
    } else if (Array.isArray(next)) {
      return undefined;
    } else {
      if (!create) return null;
      fail(
        ErrorCodes.PathNotViable,
        `Cannot create field '${parts[i + 1]}' in element {${part}: ${JSON.stringify(next)}}`,
      );
    }
  }
  return { parent: cur, field: parts[parts.length - 1] as string };
}

function addNumbers(a: unknown, b: unknown, op: '$inc' | '$mul'): number | undefined {
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  return op === '$inc' ? a + b : a * b;
}

/** Numbers and $inc/$mul on one field; false when mingo must decide (a non-numeric operand). */
function applyArithmetic(op: '$inc' | '$mul', parent: Doc, field: string, value: unknown): boolean {
  const current = parent[field];
  if (current === undefined) {
    parent[field] = op === '$inc' ? value : typeof value === 'number' ? 0 : undefined;
    return parent[field] !== undefined;
  }
  const result = addNumbers(current, value, op);
  if (result === undefined) return false;
  parent[field] = result;
  return true;
}

/** The array operators on one field; false when mingo must decide. */
function applyArrayOperator(op: string, parent: Doc, field: string, value: unknown): boolean {
  const current = parent[field];
  switch (op) {
    case '$push':
    case '$addToSet': {
      if (current !== undefined && !Array.isArray(current)) return false;
      const updated = (op === '$push' ? push : addToSet)(current ?? [], value);
      if (!updated) return false;
      parent[field] = updated;
      return true;
    }
    case '$pop': {
      if (current === undefined) return true;
      if (!Array.isArray(current) || (value !== 1 && value !== -1)) return false;
      parent[field] = value === 1 ? current.slice(0, -1) : current.slice(1);
      return true;
    }
    default: {
      // $pull and $pullAll
      if (current === undefined) return true;
      if (!Array.isArray(current)) return false;
      const targets = op === '$pullAll' ? (value as unknown[]) : [value];
      if (op === '$pull' && !plainPullValue(value)) return false;
      const drop = new Set(targets.map(valueKey));
      parent[field] = current.filter((el) => !drop.has(valueKey(el)));
      return true;
    }
  }
}

/** One operator on one field of the copy; false when the update needs mingo. */
function applyOperator(op: string, parent: Doc, field: string, value: unknown): boolean {
  const current = parent[field];
  switch (op) {
    case '$set':
    case '$setOnInsert':
      parent[field] = cloneValue(value);
      return true;
    case '$unset':
      delete parent[field];
      return true;
    case '$inc':
    case '$mul':
      return applyArithmetic(op, parent, field, value);
    case '$min':
    case '$max': {
      if (current === undefined) parent[field] = cloneValue(value);
      else {
        const c = compareValues(value, current);
        if ((op === '$min' && c < 0) || (op === '$max' && c > 0)) parent[field] = cloneValue(value);
      }
      return true;
    }
    case '$push':
    case '$addToSet':
    case '$pop':
    case '$pull':
    case '$pullAll':
      return applyArrayOperator(op, parent, field, value);
    case '$currentDate': {
      const type = isPlainObject(value) ? value.$type : undefined;
      if (type === 'timestamp') return false;
      if (value !== true && type !== 'date')
        fail(
          ErrorCodes.BadValue,
          `${bsonTypeName(value)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`,
        );
      parent[field] = new Date();
      return true;
    }
    default:
      return false;
  }
}

/**
 * Applies the update to a copy of `doc`, or returns undefined when the update needs mingo.
 * Validation of operator arguments has already happened (see update.ts).
 */
export function applySimpleUpdate(doc: Doc, update: Doc, inserting: boolean): Doc | undefined {
  for (const [op, arg] of Object.entries(update)) {
    if (!SIMPLE_OPS.has(op)) return undefined;
    for (const path of Object.keys(arg as Doc))
      if (path.includes('$') || /(^|\.)\d+(\.|$)/.test(path)) return undefined;
  }
  const next = cloneValue(doc);
  for (const [op, arg] of Object.entries(update)) {
    if (op === '$setOnInsert' && !inserting) continue;
    // mongod applies each operator's fields in lexicographic order (visible in the order new fields get).
    const paths = Object.keys(arg as Doc).sort();
    for (const path of paths) {
      const s = slot(next, path, !['$unset', '$pop', '$pull', '$pullAll'].includes(op));
      if (s === undefined) return undefined;
      if (s === null) continue; // $unset of a path that does not exist
      if (Array.isArray(s.parent)) return undefined;
      if (!applyOperator(op, s.parent, s.field, (arg as Doc)[path])) return undefined;
    }
  }
  return next;
}
