// Dotted-path access with MongoDB's implicit array traversal ("a.b" reaches into every element of array a).
import { isPlainObject, type Doc } from './values';

/** The raw value at a dotted path without array traversal except numeric segments; undefined when missing. */
export function getPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(part)) return undefined;
      cur = cur[Number(part)];
    } else if (isPlainObject(cur)) {
      cur = cur[part];
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/**
 * Every value a path reaches, descending into arrays the way index keys and sorts do.
 * Returns [] when the path is missing everywhere. Arrays at the leaf are returned as is (caller decides).
 */
export function collectPathValues(doc: unknown, path: string): unknown[] {
  // Most paths name a top-level field of a document: no splitting, no walking.
  if (!path.includes('.') && isPlainObject(doc)) {
    const v = doc[path];
    return v === undefined ? [] : [v];
  }
  const out: unknown[] = [];
  walkPath(doc, path.split('.'), 0, out);
  return out;
}

function walkPath(cur: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    out.push(cur);
    return;
  }
  const part = parts[i] as string;
  if (Array.isArray(cur)) {
    if (/^\d+$/.test(part)) {
      const el = cur[Number(part)];
      if (el !== undefined) walkPath(el, parts, i + 1, out);
    }
    // Field names reach into the documents of an array, not into nested arrays (as in mongod).
    for (const el of cur) if (isPlainObject(el)) walkPath(el, parts, i, out);
    return;
  }
  if (isPlainObject(cur)) {
    const next = cur[part];
    if (next !== undefined) walkPath(next, parts, i + 1, out);
  }
}

export function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Doc = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string;
    let next = cur[p];
    if (!isPlainObject(next)) {
      next = {};
      cur[p] = next;
    }
    cur = next as Doc;
  }
  cur[parts[parts.length - 1] as string] = value;
}
