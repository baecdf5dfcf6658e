// A direct evaluator for the filters applications send most (field equality and comparisons with
// scalar operands), with mongod's semantics: implicit array matching and type bracketing. It spares
// these queries the cost of building a mingo query; anything else returns undefined and goes to mingo.
import { collectPathValues } from '../bson/paths';
import { compareValues, isPlainObject, typeRank, type Doc } from '../bson/values';

type Predicate = (doc: Doc) => boolean;

const OPS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);

/** Scalars whose matching needs no special rules (null, regexes, arrays, documents and Min/MaxKey do). */
function simpleOperand(v: unknown): boolean {
  if (v === null || v === undefined || Array.isArray(v) || isPlainObject(v) || v instanceof RegExp)
    return false;
  const rank = typeRank(v);
  return rank !== 1 && rank !== 100 && rank !== 12 && rank !== 5;
}

function candidates(doc: Doc, path: string): unknown[] {
  const out: unknown[] = [];
  for (const v of collectPathValues(doc, path)) {
    if (Array.isArray(v)) out.push(...v);
    else out.push(v);
  }
  return out;
}

function equalTo(values: unknown[], operand: unknown): boolean {
  const rank = typeRank(operand);
  return values.some((v) => typeRank(v) === rank && compareValues(v, operand) === 0);
}

function compareWith(values: unknown[], operand: unknown, ok: (c: number) => boolean): boolean {
  const rank = typeRank(operand);
  return values.some((v) => typeRank(v) === rank && ok(compareValues(v, operand)));
}

function fieldPredicate(path: string, cond: unknown): Predicate | undefined {
  if (!isPlainObject(cond)) {
    if (!simpleOperand(cond)) return undefined;
    return (doc) => equalTo(candidates(doc, path), cond);
  }
  const entries = Object.entries(cond);
  if (entries.length === 0 || !entries.every(([op]) => OPS.has(op))) return undefined;
  const parts: Predicate[] = [];
  for (const [op, arg] of entries) {
    if (op === '$exists') {
      if (typeof arg !== 'boolean') return undefined;
      parts.push((doc) => collectPathValues(doc, path).length > 0 === arg);
      continue;
    }
    if (op === '$in' || op === '$nin') {
      if (!Array.isArray(arg) || !arg.every(simpleOperand)) return undefined;
      const inList: Predicate = (doc) => {
        const values = candidates(doc, path);
        return arg.some((a) => equalTo(values, a));
      };
      parts.push(op === '$in' ? inList : (doc) => !inList(doc));
      continue;
    }
    if (!simpleOperand(arg)) return undefined;
    switch (op) {
      case '$eq':
        parts.push((doc) => equalTo(candidates(doc, path), arg));
        break;
      case '$ne':
        parts.push((doc) => !equalTo(candidates(doc, path), arg));
        break;
      case '$gt':
        parts.push((doc) => compareWith(candidates(doc, path), arg, (c) => c > 0));
        break;
      case '$gte':
        parts.push((doc) => compareWith(candidates(doc, path), arg, (c) => c >= 0));
        break;
      case '$lt':
        parts.push((doc) => compareWith(candidates(doc, path), arg, (c) => c < 0));
        break;
      case '$lte':
        parts.push((doc) => compareWith(candidates(doc, path), arg, (c) => c <= 0));
        break;
      default:
        return undefined;
    }
  }
  return parts.length === 1 ? parts[0] : (doc) => parts.every((p) => p(doc));
}

export function compileSimpleFilter(filter: Doc): Predicate | undefined {
  const parts: Predicate[] = [];
  for (const [path, cond] of Object.entries(filter)) {
    if (path.startsWith('$') || path === '' || path.split('.').includes('')) return undefined;
    const p = fieldPredicate(path, cond);
    if (!p) return undefined;
    parts.push(p);
  }
  if (parts.length === 1) return parts[0];
  return (doc) => parts.every((p) => p(doc));
}
