/**
 * Work that many subscribers share. A popular order page opens hundreds of identical
 * subscriptions; without these, each parses, validates, plans, checks ownership and resolves
 * every event on its own (issue 10: 1,000 subscribers took 6 s to start and 8 s to be told of a
 * payment).
 */

/** A map that forgets its least recently used entries beyond `capacity`. */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Re-inserted: Map keeps insertion order, so the first entry is the least recently used.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  /** The cached value, or `make()`'s, cached. */
  getOrSet(key: K, make: () => V): V {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const value = make();
    this.set(key, value);
    return value;
  }
}

/**
 * Calls with the same key while one is in flight share its promise; a success is also kept for
 * `keepMs` (a burst of subscribers arriving one after another asks once). Failures are never kept.
 */
export class SharedCalls<T> {
  private readonly calls = new BoundedCache<string, { promise: Promise<T>; until: number }>(10_000);
  constructor(private readonly keepMs: number) {}

  run(key: string, call: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const now = Date.now();
    const shared = this.calls.get(key);
    if (shared && shared.until >= now) return shared.promise;
    const entry = { promise: call(), until: Number.POSITIVE_INFINITY };
    this.calls.set(key, entry);
    entry.promise.then(
      (value) => {
        entry.until = keep(value) ? Date.now() + this.keepMs : 0;
      },
      () => {
        entry.until = 0;
      },
    );
    return entry.promise;
  }
}

/**
 * One value per live message and distinct key (the subscriber's selection and credentials): every
 * listener of a channel receives the same parsed message object, so the values hang off it and go
 * with it. Holds the message's LiveEvent per key (fan-out.ts): one resolution for all of them.
 */
export class PerMessage<T> {
  private readonly values = new WeakMap<object, Map<string, T>>();

  get(message: object, key: string, make: () => T): T {
    let byKey = this.values.get(message);
    if (!byKey) {
      byKey = new Map();
      this.values.set(message, byKey);
    }
    let value = byKey.get(key);
    if (value === undefined) {
      value = make();
      byKey.set(key, value);
    }
    return value;
  }
}
