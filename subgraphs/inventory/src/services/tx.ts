import { inTransaction, type DomainEvent } from '@novamart/events';
import type { ClientSession, Connection } from 'mongoose';

/**
 * The unit every stock change runs in: one MongoDB transaction and the outbox that commits with
 * it. Services take a Tx so that an event handler can run them inside the transaction of its
 * idempotent consumer, and a mutation inside a transaction of its own.
 */
export interface Tx {
  session: ClientSession;
  outbox: { add(event: DomainEvent<any>): void };
}

export type RunInTx = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

export function transactionRunner(conn: Connection): RunInTx {
  return (work) => inTransaction(conn, (session, outbox) => work({ session, outbox }));
}
