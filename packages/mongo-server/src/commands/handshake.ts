// Handshake and server-information commands. The server presents itself as the primary of a
// single-member replica set so drivers enable sessions, transactions and retryable writes.
import { ObjectId } from 'bson';
import { isPlainObject, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';
import { LOGICAL_SESSION_TIMEOUT_MINUTES } from '../sessions';
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE_BYTES, MAX_WRITE_BATCH_SIZE } from '../wire/messages';
import type { CommandContext, CommandTable } from './context';

/** The MongoDB release whose behaviour this server follows; wire version 25 is MongoDB 8.0. */
export const SERVER_VERSION = '8.0.4';
export const MAX_WIRE_VERSION = 25;

const ELECTION_ID = new ObjectId('7fffffff0000000000000001');

function hello(ctx: CommandContext, legacy: boolean): Doc {
  const { me } = ctx;
  const { setName } = ctx.state;
  const reply: Doc = {
    helloOk: true,
    [legacy ? 'ismaster' : 'isWritablePrimary']: true,
    hosts: [me],
    setName,
    setVersion: 1,
    primary: me,
    me,
    secondary: false,
    electionId: ELECTION_ID,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: LOGICAL_SESSION_TIMEOUT_MINUTES,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
  };
  return reply;
}

function buildInfo(): Doc {
  const parts = SERVER_VERSION.split('.').map(Number);
  return {
    version: SERVER_VERSION,
    gitVersion: 'novamart-embedded',
    versionArray: [...parts, 0],
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['novamart'],
    javascriptEngine: 'none',
    modules: [],
    openssl: { running: 'disabled' },
  };
}

function scannedObjects(ctx: CommandContext): number {
  let n = 0;
  for (const colls of ctx.state.engine.databases.values())
    for (const coll of colls.values()) n += coll.docsExamined;
  return n;
}

const KNOWN_PARAMETERS: Record<string, unknown> = {
  featureCompatibilityVersion: { version: SERVER_VERSION.split('.').slice(0, 2).join('.') },
  transactionLifetimeLimitSeconds: 60,
  maxTransactionLockRequestTimeoutMillis: 5,
  requireApiVersion: false,
  authenticationMechanisms: [],
  logLevel: 0,
};

export const handshakeCommands: CommandTable = {
  hello: { run: (ctx) => hello(ctx, false), inTransaction: true },
  ismaster: { run: (ctx) => hello(ctx, true), inTransaction: true },
  ping: { run: () => ({}), inTransaction: true },
  buildinfo: { run: () => buildInfo(), inTransaction: true },
  getparameter: {
    run(ctx) {
      if (ctx.db !== 'admin')
        fail(ErrorCodes.Unauthorized, 'getParameter may only be run against the admin database.');
      const out: Doc = {};
      const all =
        ctx.cmd.getParameter === '*' ||
        (isPlainObject(ctx.cmd.getParameter) && ctx.cmd.getParameter.allParameters === true);
      for (const [name, value] of Object.entries(KNOWN_PARAMETERS))
        if (all || name in ctx.cmd) out[name] = value;
      // mongod refuses a request none of whose names is a parameter it has.
      if (Object.keys(out).length === 0) fail(ErrorCodes.InvalidOptions, 'no option found to get');
      return out;
    },
  },
  getcmdlineopts: {
    run: (ctx) => ({
      argv: ['novamart-mongo'],
      parsed: {
        net: { port: Number(ctx.state.me.split(':').pop()) },
        storage: { dbPath: ctx.state.dbPath ?? '' },
      },
    }),
  },
  connectionstatus: { run: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] } }) },
  whatsmyuri: { run: () => ({ you: '127.0.0.1:0' }) },
  hostinfo: {
    run: () => ({
      system: { currentTime: new Date(), hostname: 'localhost', numCores: 1 },
      os: { type: process.platform },
      extra: {},
    }),
  },
  serverstatus: {
    run(ctx) {
      const uptimeMillis = Date.now() - ctx.state.startedAt;
      const mem = process.memoryUsage();
      return {
        host: ctx.me,
        version: SERVER_VERSION,
        process: 'mongod',
        pid: process.pid,
        uptime: Math.floor(uptimeMillis / 1000),
        uptimeMillis,
        localTime: new Date(),
        connections: {
          current: ctx.state.connections.current,
          available: 100_000,
          totalCreated: ctx.state.connections.totalCreated,
        },
        mem: { bits: 64, resident: Math.round(mem.rss / 1048576), virtual: Math.round(mem.rss / 1048576) },
        opcounters: { ...ctx.state.opcounters },
        storageEngine: { name: 'novamart', persistent: ctx.state.dbPath !== undefined },
        // Documents examined by queries in the collections that exist now (mongod's scannedObjects).
        metrics: { queryExecutor: { scannedObjects: scannedObjects(ctx) } },
        repl: {
          setName: ctx.state.setName,
          isWritablePrimary: true,
          primary: ctx.me,
          hosts: [ctx.me],
        },
      };
    },
  },
  replsetgetstatus: {
    run: (ctx) => ({
      set: ctx.state.setName,
      date: new Date(),
      myState: 1,
      members: [{ _id: 0, name: ctx.me, health: 1, state: 1, stateStr: 'PRIMARY', self: true }],
    }),
  },
  getlog: { run: () => ({ totalLinesWritten: 0, log: [] }) },
  listcommands: { run: () => ({ commands: {} }) },
  getfreemonitoringstatus: { run: () => ({ state: 'disabled' }) },
};
