// A multi-document transaction's private state: the snapshot it reads from and its buffered writes,
// which become visible to others only when the engine installs them at commit.
import type { Doc } from '../bson/values';
import type { Collection } from './collection';

export type TransactionState = 'active' | 'committed' | 'aborted';

export class Transaction {
  readonly writes = new Map<Collection, Map<string, Doc | null>>();
  /** Collections this transaction's writes created implicitly. */
  readonly createdCollections = new Set<Collection>();
  state: TransactionState = 'active';
  readonly startedAt = Date.now();
  /** Why the engine aborted it on its own (write conflict); reported on the next operation. */
  abortReason: string | undefined;
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(readonly snapshotTs: number) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  writesFor(coll: Collection): Map<string, Doc | null> {
    let m = this.writes.get(coll);
    if (!m) {
      m = new Map();
      this.writes.set(coll, m);
    }
    return m;
  }

  finish(state: 'committed' | 'aborted'): void {
    this.state = state;
    this.resolveDone();
  }
}
