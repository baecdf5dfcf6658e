// The per-test entity map: clients (with their recorded events), databases, collections,
// sessions, cursors, threads and saved BSON values.
import {
  type AbstractCursor,
  type ClientSession,
  type Collection,
  type Db,
  MongoClient,
  type MongoClientOptions,
  ReadConcern,
  ReadPreference,
  WriteConcern,
} from 'mongodb';
import { type MatchEntities } from './match';

export interface RecordedEvent {
  /** The unified format's name for the event, e.g. commandStartedEvent or poolClearedEvent. */
  type: string;
  event: any;
}

export interface ClientEntity {
  kind: 'client';
  client: MongoClient;
  observed: Set<string>;
  ignoredCommands: Set<string>;
  observeSensitiveCommands: boolean;
  commandEvents: RecordedEvent[];
  cmapEvents: RecordedEvent[];
  connectionsCheckedOut: number;
}

export interface ThreadEntity {
  kind: 'thread';
  pending: Promise<void>;
  failure: unknown;
}

export type Entity =
  | ClientEntity
  | ThreadEntity
  | { kind: 'database'; db: Db; client: string }
  | { kind: 'collection'; collection: Collection; client: string }
  | { kind: 'session'; session: ClientSession; client: string; lsid: unknown }
  | { kind: 'cursor'; cursor: AbstractCursor }
  | { kind: 'value'; value: unknown };

const SENSITIVE_COMMANDS = new Set([
  'authenticate',
  'saslstart',
  'saslcontinue',
  'getnonce',
  'createuser',
  'updateuser',
  'copydbgetnonce',
  'copydbsaslstart',
  'copydb',
]);
const HELLO_COMMANDS = new Set(['hello', 'ismaster']);

const COMMAND_EVENTS: Record<string, string> = {
  commandStarted: 'commandStartedEvent',
  commandSucceeded: 'commandSucceededEvent',
  commandFailed: 'commandFailedEvent',
};

const CMAP_EVENTS: Record<string, string> = {
  connectionPoolCreated: 'poolCreatedEvent',
  connectionPoolReady: 'poolReadyEvent',
  connectionPoolCleared: 'poolClearedEvent',
  connectionPoolClosed: 'poolClosedEvent',
  connectionCreated: 'connectionCreatedEvent',
  connectionReady: 'connectionReadyEvent',
  connectionClosed: 'connectionClosedEvent',
  connectionCheckOutStarted: 'connectionCheckOutStartedEvent',
  connectionCheckOutFailed: 'connectionCheckOutFailedEvent',
  connectionCheckedOut: 'connectionCheckedOutEvent',
  connectionCheckedIn: 'connectionCheckedInEvent',
};

export class EntityMap implements MatchEntities {
  private readonly entities = new Map<string, Entity>();

  constructor(private readonly uri: string) {}

  set(name: string, entity: Entity): void {
    if (this.entities.has(name)) throw new Error(`entity ${name} is already defined`);
    this.entities.set(name, entity);
  }

  entity(name: string): Entity {
    const entity = this.entities.get(name);
    if (!entity) throw new Error(`entity ${name} is not defined`);
    return entity;
  }

  client(name: string): ClientEntity {
    return this.expect(name, 'client');
  }

  session(name: string): ClientSession {
    return this.expect(name, 'session').session;
  }

  thread(name: string): ThreadEntity {
    return this.expect(name, 'thread');
  }

  expect<K extends Entity['kind']>(name: string, kind: K): Extract<Entity, { kind: K }> {
    const entity = this.entity(name);
    if (entity.kind !== kind) throw new Error(`entity ${name} is a ${entity.kind}, not a ${kind}`);
    return entity as Extract<Entity, { kind: K }>;
  }

  /** For $$matchesEntity: saved values, or the driver object itself. */
  get(name: string): unknown {
    const entity = this.entity(name);
    return entity.kind === 'value' ? entity.value : entity;
  }

  sessionLsid(name: string): unknown {
    return this.expect(name, 'session').lsid;
  }

  all(): Entity[] {
    return [...this.entities.values()];
  }

  async create(definitions: Record<string, any>[]): Promise<void> {
    for (const definition of definitions) {
      const [type, spec] = Object.entries(definition)[0] as [string, any];
      switch (type) {
        case 'client':
          this.set(spec.id, this.createClient(spec));
          break;
        case 'database': {
          const client = this.client(spec.client).client;
          this.set(spec.id, {
            kind: 'database',
            db: client.db(spec.databaseName, collectionOrDatabaseOptions(spec.databaseOptions)),
            client: spec.client,
          });
          break;
        }
        case 'collection': {
          const database = this.expect(spec.database, 'database');
          this.set(spec.id, {
            kind: 'collection',
            collection: database.db.collection(
              spec.collectionName,
              collectionOrDatabaseOptions(spec.collectionOptions),
            ),
            client: database.client,
          });
          break;
        }
        case 'session': {
          const client = this.client(spec.client).client;
          const session = client.startSession(sessionOptions(spec.sessionOptions));
          // The driver allocates the server session lazily; the lsid is fixed from then on.
          this.set(spec.id, { kind: 'session', session, client: spec.client, lsid: session.id });
          break;
        }
        case 'thread':
          this.set(spec.id, { kind: 'thread', pending: Promise.resolve(), failure: undefined });
          break;
        default:
          throw new Error(`unsupported entity type ${type}`);
      }
    }
  }

  /** Ends sessions, closes cursors and clients; errors while tearing down are not the test's. */
  async close(): Promise<void> {
    for (const entity of this.entities.values()) {
      if (entity.kind === 'cursor') await entity.cursor.close().catch(() => undefined);
    }
    for (const entity of this.entities.values()) {
      if (entity.kind === 'session') await entity.session.endSession().catch(() => undefined);
    }
    for (const entity of this.entities.values()) {
      if (entity.kind === 'thread') await entity.pending.catch(() => undefined);
    }
    for (const entity of this.entities.values()) {
      if (entity.kind === 'client') await entity.client.close().catch(() => undefined);
    }
    this.entities.clear();
  }

  private createClient(spec: any): ClientEntity {
    const uriOptions: Record<string, unknown> = { ...(spec.uriOptions ?? {}) };
    const options: MongoClientOptions = {
      serverSelectionTimeoutMS: 10_000,
      ...(uriOptions as MongoClientOptions),
      monitorCommands: true,
    };
    if (spec.serverApi) options.serverApi = spec.serverApi;
    const client = new MongoClient(this.uri, options);
    const entity: ClientEntity = {
      kind: 'client',
      client,
      observed: new Set(spec.observeEvents ?? []),
      ignoredCommands: new Set(['configureFailPoint', ...(spec.ignoreCommandMonitoringEvents ?? [])]),
      observeSensitiveCommands: spec.observeSensitiveCommands === true,
      commandEvents: [],
      cmapEvents: [],
      connectionsCheckedOut: 0,
    };
    for (const [driverEvent, name] of Object.entries(COMMAND_EVENTS)) {
      client.on(driverEvent as 'commandStarted', (event: any) => {
        if (!entity.observed.has(name)) return;
        if (entity.ignoredCommands.has(event.commandName)) return;
        if (!entity.observeSensitiveCommands && isSensitive(event)) return;
        entity.commandEvents.push({ type: name, event });
      });
    }
    for (const [driverEvent, name] of Object.entries(CMAP_EVENTS)) {
      client.on(driverEvent as 'connectionCreated', (event: any) => {
        if (name === 'connectionCheckedOutEvent') entity.connectionsCheckedOut++;
        if (name === 'connectionCheckedInEvent') entity.connectionsCheckedOut--;
        if (entity.observed.has(name)) entity.cmapEvents.push({ type: name, event });
      });
    }
    return entity;
  }
}

function isSensitive(event: {
  commandName: string;
  command?: Record<string, unknown>;
  reply?: unknown;
}): boolean {
  const name = event.commandName.toLowerCase();
  if (SENSITIVE_COMMANDS.has(name)) return true;
  if (HELLO_COMMANDS.has(name)) {
    // The driver redacts hello only when it carries speculativeAuthenticate.
    const command = event.command;
    return !command || Object.keys(command).length === 0 || 'speculativeAuthenticate' in command;
  }
  return false;
}

/** readConcern / readPreference / writeConcern as the unified format writes them, as driver options. */
export function commonOptions(raw: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...raw };
  if (raw.readConcern) out.readConcern = new ReadConcern(raw.readConcern.level);
  if (raw.writeConcern) out.writeConcern = WriteConcern.fromOptions({ writeConcern: raw.writeConcern });
  if (raw.readPreference) out.readPreference = readPreference(raw.readPreference);
  return out;
}

function readPreference(raw: any): ReadPreference {
  return new ReadPreference(raw.mode, raw.tagSets, {
    maxStalenessSeconds: raw.maxStalenessSeconds,
    hedge: raw.hedge,
  });
}

function collectionOrDatabaseOptions(raw: Record<string, any> | undefined): Record<string, any> | undefined {
  return raw ? commonOptions(raw) : undefined;
}

function sessionOptions(raw: Record<string, any> | undefined): Record<string, any> | undefined {
  if (!raw) return undefined;
  const out: Record<string, any> = { ...raw };
  if (raw.defaultTransactionOptions)
    out.defaultTransactionOptions = commonOptions(raw.defaultTransactionOptions);
  return out;
}
