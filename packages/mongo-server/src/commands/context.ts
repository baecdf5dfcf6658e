// What every command handler gets: the parsed command, its database, the server's shared state and the
// session/transaction the command runs in.
import type { Doc } from '../bson/values';
import type { ClusterClock } from '../cluster-time';
import type { CursorManager } from '../cursors';
import type { Session, SessionManager } from '../sessions';
import type { StorageEngine } from '../storage/engine';
import type { Transaction } from '../storage/transaction';

export interface ServerState {
  engine: StorageEngine;
  cursors: CursorManager;
  sessions: SessionManager;
  /** host:port of the TCP listener (the URI's address); hello answers each client with `Client.me`. */
  me: string;
  setName: string;
  startedAt: number;
  connections: { current: number; totalCreated: number };
  opcounters: Record<'insert' | 'query' | 'update' | 'delete' | 'getmore' | 'command', number>;
  dbPath: string | undefined;
  /** The logical clock gossiped as $clusterTime / operationTime. */
  clock: ClusterClock;
}

/** The client connection a command came on. */
export interface Client {
  id: number;
  /**
   * The address this client dialed, as hello advertises it: host:port for TCP, the socket path for
   * a unix socket. A replica-set client only uses members at the addresses hello names, so each
   * listener must name itself.
   */
  me: string;
}

export interface CommandContext {
  state: ServerState;
  db: string;
  cmd: Doc;
  connectionId: number;
  /** The address the client dialed (`Client.me`). */
  me: string;
  session: Session | undefined;
  txn: Transaction | undefined;
}

export interface CommandSpec {
  run(ctx: CommandContext): Doc | Promise<Doc>;
  /** Changes data: the reply waits until the journal has it on disk. */
  writes?: boolean;
  /** May run inside a multi-document transaction. */
  inTransaction?: boolean;
  /** Retryable write commands honour txnNumber outside transactions. */
  retryable?: boolean;
}

export type CommandTable = Record<string, CommandSpec>;
