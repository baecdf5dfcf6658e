// Logical sessions (lsid): the transaction number state machine of mongod, and the results of retryable
// writes so that a retried write with the same txnNumber is not applied twice.
import { valueKey, type Doc } from './bson/values';
import type { StorageEngine } from './storage/engine';
import type { Transaction } from './storage/transaction';

export const LOGICAL_SESSION_TIMEOUT_MINUTES = 30;
/** mongod's transactionLifetimeLimitSeconds default: older transactions are aborted. */
export const TRANSACTION_LIFETIME_LIMIT_MS = 60_000;

export interface Session {
  key: string;
  lsid: Doc;
  lastUse: number;
  txnNumber: number;
  txn: Transaction | undefined;
  /** The outcome of the transaction numbered `txnNumber` once it is over. */
  txnOutcome: 'committed' | 'aborted' | undefined;
  retryReplies: Map<number, Doc>;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly timer: NodeJS.Timeout;
  private readonly txnTimer: NodeJS.Timeout;

  constructor(
    private readonly engine: StorageEngine,
    private readonly transactionLifetimeMs = TRANSACTION_LIFETIME_LIMIT_MS,
  ) {
    this.timer = setInterval(() => this.expire(), 60_000);
    this.timer.unref();
    this.txnTimer = setInterval(
      () => this.abortExpiredTransactions(),
      Math.min(1_000, transactionLifetimeMs),
    );
    this.txnTimer.unref();
  }

  /** Long-running transactions pin old versions and hold locks; mongod aborts them, and so do we. */
  abortExpiredTransactions(now = Date.now()): void {
    for (const txn of [...this.engine.activeTxns]) {
      if (now - txn.startedAt > this.transactionLifetimeMs)
        this.engine.abort(txn, 'transaction exceeded transactionLifetimeLimitSeconds');
    }
  }

  static keyOf(lsid: unknown): string {
    const id = (lsid as Doc | undefined)?.id;
    return valueKey(id ?? lsid);
  }

  get(lsid: unknown): Session {
    const key = SessionManager.keyOf(lsid);
    let s = this.sessions.get(key);
    if (!s) {
      s = {
        key,
        lsid: lsid as Doc,
        lastUse: Date.now(),
        txnNumber: -1,
        txn: undefined,
        txnOutcome: undefined,
        retryReplies: new Map(),
      };
      this.sessions.set(key, s);
    }
    s.lastUse = Date.now();
    return s;
  }

  /** Sessions known to this server, as $listLocalSessions reports them. */
  list(): Doc[] {
    return [...this.sessions.values()].map((s) => ({ _id: s.lsid, lastUse: new Date(s.lastUse) }));
  }

  end(lsid: unknown): void {
    const key = SessionManager.keyOf(lsid);
    const s = this.sessions.get(key);
    if (!s) return;
    if (s.txn) this.engine.abort(s.txn, 'session ended');
    this.sessions.delete(key);
  }

  endAll(): void {
    for (const s of this.sessions.values()) if (s.txn) this.engine.abort(s.txn, 'session killed');
    this.sessions.clear();
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.txnTimer);
    this.endAll();
  }

  private expire(): void {
    const cutoff = Date.now() - LOGICAL_SESSION_TIMEOUT_MINUTES * 60_000;
    for (const s of [...this.sessions.values()]) {
      if (s.lastUse < cutoff) {
        if (s.txn) this.engine.abort(s.txn, 'session expired');
        this.sessions.delete(s.key);
      }
    }
  }
}
