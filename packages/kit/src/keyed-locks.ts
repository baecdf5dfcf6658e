/**
 * One writer per key at a time within this process, for transactions that write one hot document.
 * A MongoDB transaction that writes a document another transaction changed since its snapshot
 * fails with a WriteConflict and runs again from the start. Inventory holds a product's key
 * around every reservation, sale and release of its stock (without it a checkout storm on one
 * product made each reservation conflict and retry a few times: 112 WriteConflicts for 50 orders);
 * payments holds a payment's key around each status transition (the confirmation and the
 * provider's webhook for it would otherwise race on every order). Waiting here, before the
 * transaction begins, costs nothing; replicas in other processes can still conflict, and the
 * transaction's retry covers them.
 */
export class KeyedLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` holding the locks of `keys` (taken in sorted order, so never deadlocking). */
  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const key of [...new Set(keys)].sort()) releases.push(await this.acquire(key));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
