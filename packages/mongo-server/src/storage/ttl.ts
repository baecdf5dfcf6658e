// Background expiry of documents through TTL indexes (expireAfterSeconds), like mongod's TTL monitor.
import type { StorageEngine } from './engine';

export function sweepExpired(engine: StorageEngine, now = Date.now()): number {
  let removed = 0;
  for (const colls of engine.databases.values()) {
    for (const coll of colls.values()) {
      for (const index of coll.indexes.values()) {
        const seconds = index.spec.expireAfterSeconds;
        if (typeof seconds !== 'number' || index.fields.length !== 1) continue;
        const cutoff = new Date(now - seconds * 1000);
        // Dates sort after every number/string/object in BSON order, so a range ending at the cutoff
        // returns all expired dates plus non-date keys, which the check below skips.
        for (const key of index.lookupRange(
          { value: new Date(-8.64e15), inclusive: true },
          { value: cutoff, inclusive: false },
        )) {
          if (coll.locks.has(key)) continue;
          const doc = coll.latest(key);
          if (!doc) continue;
          const [path] = index.fields[0] as [string, unknown];
          const v = path
            .split('.')
            .reduce<unknown>(
              (o, p) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[p] : undefined),
              doc,
            );
          const dates = (Array.isArray(v) ? v : [v]).filter((d): d is Date => d instanceof Date);
          if (dates.length === 0) continue;
          if (Math.min(...dates.map((d) => d.getTime())) < cutoff.getTime()) {
            engine.write(coll, key, null);
            removed++;
          }
        }
      }
    }
  }
  return removed;
}
