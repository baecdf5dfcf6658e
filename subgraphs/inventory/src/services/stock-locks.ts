/**
 * One writer per stock item at a time within this process. Every reservation, sale and release
 * of a product changes its one stock item, and a MongoDB transaction that writes a document
 * another transaction changed since its snapshot fails with a WriteConflict and runs again from
 * the start. The bus hands a group's events of different orders to their handlers at the same
 * time, so without this a checkout storm on one product made each reservation's transaction
 * conflict and retry a few times (112 WriteConflicts for 50 orders), work that competed with the
 * storm's own requests. Waiting here, before the transaction begins, costs nothing; replicas in
 * other processes can still conflict, and the transaction's retry covers them.
 */
export class StockLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` holding the locks of `productIds` (taken in sorted order, so never deadlocking). */
  async run<T>(productIds: readonly string[], fn: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const id of [...new Set(productIds)].sort()) releases.push(await this.acquire(id));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  private async acquire(productId: string): Promise<() => void> {
    const previous = this.tails.get(productId) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.tails.set(productId, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(productId) === tail) this.tails.delete(productId);
    };
  }
}
