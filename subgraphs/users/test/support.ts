import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@novamart/kit';
import { eventually, startServiceHarness } from '@novamart/kit/testing';
import { type DomainEvent } from '@novamart/events';
import type { Connection } from 'mongoose';
import { PASSWORD_RESETS_COLLECTION } from '../src/models/password-reset';
import { USERS_COLLECTION } from '../src/models/user';
import { createUsersServices, type UsersServiceOptions, type UsersServices } from '../src/services';
import { loadSigningKey, type SigningKey } from '../src/services/signing-keys';

/** Every JSON line a logger wrote, to check what never may appear in logs. */
export function capturingLogger(name = 'users-test'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger(name, { level: 'trace', destination }), lines };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The events relayed from a connection's outbox and its documents, as a consumer sees them. */
export class EventLog {
  /** `settle`: the harness's `settled()`, once nothing more can arrive. */
  constructor(
    readonly events: DomainEvent<any>[],
    private readonly settle: () => Promise<void>,
  ) {}

  ofType(type: string): DomainEvent<any>[] {
    return this.events.filter((e) => e.type === type);
  }

  /** Waits until `count` events of the type have arrived (the relay runs in the background). */
  waitFor(type: string, count = 1, timeoutMs = 10_000): Promise<DomainEvent<any>[]> {
    return eventually(
      () => this.ofType(type),
      (events) => events.length >= count,
      { what: `${count} ${type} event(s)`, timeoutMs },
    );
  }

  /** Waits for the first event of the type that matches. */
  waitForOne(
    type: string,
    matches: (event: DomainEvent<any>) => boolean,
    timeoutMs = 10_000,
  ): Promise<DomainEvent<any>> {
    return eventually(() => this.ofType(type).find(matches), { what: `a matching ${type} event`, timeoutMs });
  }

  /** Once the relay published whatever is pending and it arrived here, all events of the type. */
  async settled(type: string): Promise<DomainEvent<any>[]> {
    await this.settle();
    return this.ofType(type);
  }
}

/** Cheap hashing for service tests; the HTTP tests run the module with the production cost. */
export const FAST_HASHING = {
  passwordHashing: { logN: 10, r: 8, p: 1 },
  codeHashing: { logN: 8, r: 8, p: 1 },
};

export interface ServiceBed {
  conn: Connection;
  services: UsersServices;
  signingKey: SigningKey;
  events: EventLog;
  logs: string[];
  close(): Promise<void>;
}

/** The users services on a fresh database of the embedded MongoDB, their events relayed (outbox, documents). */
export async function serviceBed(overrides: Partial<UsersServiceOptions> = {}): Promise<ServiceBed> {
  const { logger, lines } = capturingLogger();
  const keys = await tempDir('users-keys-');
  const signingKey = await loadSigningKey({ dataDir: keys.path });
  const base = await startServiceHarness<UsersServices>({
    name: 'users',
    logger,
    services: ({ conn }) =>
      createUsersServices({
        conn,
        logger,
        signingKey,
        accessTokenTtlSeconds: 900,
        refreshTokenTtlMs: 30 * 24 * 3_600_000,
        throttle: { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 },
        requireEmailVerification: false,
        ...FAST_HASHING,
        ...overrides,
      }),
    observe: ['user.*'],
    documentEvents: [USERS_COLLECTION, PASSWORD_RESETS_COLLECTION],
  });
  return {
    conn: base.conn,
    services: base.services,
    signingKey,
    events: new EventLog(base.published, () => base.settled()),
    logs: lines,
    async close() {
      await base.close();
      await keys.remove();
    },
  };
}

export { failure, outcome } from '@novamart/kit/testing';
