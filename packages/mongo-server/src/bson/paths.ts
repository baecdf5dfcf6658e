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
  const parts = path.split('.');
  const out: unknown[] = [];
  const walk = (cur: unknown, i: number): void => {
    if (i === parts.length) {
      out.push(cur);
      return;
    }
    const part = parts[i] as string;
    if (Array.isArray(cur)) {
      if (/^\d+$/.test(part)) {
        const el = cur[Number(part)];
        if (el !== undefined) walk(el, i + 1);
      }
      for (const el of cur) if (isPlainObject(el) || Array.isArray(el)) walk(el, i);
      return;
    }
    if (isPlainObject(cur)) {
      const next = cur[part];
      if (next !== undefined) walk(next, i + 1);
    }
  };
  walk(doc, 0);
  return out;
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
