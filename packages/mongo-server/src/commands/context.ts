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
  /** host:port as advertised in hello (must match what clients dial for replica-set discovery). */
  me: string;
  setName: string;
  startedAt: number;
  connections: { current: number; totalCreated: number };
  opcounters: Record<'insert' | 'query' | 'update' | 'delete' | 'getmore' | 'command', number>;
  dbPath: string | undefined;
  /** The logical clock gossiped as $clusterTime / operationTime. */
  clock: ClusterClock;
}

export interface CommandContext {
  state: ServerState;
  db: string;
  cmd: Doc;
  connectionId: number;
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
