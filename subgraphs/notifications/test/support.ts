import { createEvent, type DomainEvent, InProcessBus, InProcessLiveBus } from '@novamart/events';
import {
  connectMongo,
  createLogger,
  createSubgraphRuntime,
  loadConfig,
  type RunningSubgraph,
  startSubgraph,
  type Viewer,
} from '@novamart/kit';
import {
  createTestTokens,
  startEmbeddedMongoForTests,
  uniqueDbName,
  type TestTokens,
} from '@novamart/kit/testing';
import { type Connection } from 'mongoose';
import { createNotificationsSubgraph, type Mailer } from '../src/index';
import { notificationsConfigShape } from '../src/config';
import { notificationModel, type NotificationDoc } from '../src/models/notification';

export interface NotificationsHarness {
  running: RunningSubgraph;
  bus: InProcessBus;
  conn: Connection;
  tokens: TestTokens;
  publish(type: string, aggregateId: string, payload: Record<string, unknown>): Promise<DomainEvent>;
  /** Publishes the very same event (same id) again, as an at-least-once transport may. */
  redeliver(event: DomainEvent): Promise<void>;
  notifications(filter?: Record<string, unknown>): Promise<NotificationDoc[]>;
  waitFor(filter: Record<string, unknown>, count?: number): Promise<NotificationDoc[]>;
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    viewer?: Viewer | null,
  ): Promise<{ data?: any; errors?: any[] }>;
  stop(): Promise<void>;
}

export async function startNotifications(
  env: Record<string, string> = {},
  mailer?: Mailer,
): Promise<NotificationsHarness> {
  const mongo = await startEmbeddedMongoForTests();
  const conn = await connectMongo({ url: mongo.uri, dbName: uniqueDbName('notifications') });
  const logger = createLogger('notifications', {
    level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent',
  });
  const bus = new InProcessBus({ logger });
  const live = new InProcessLiveBus({ logger });
  const tokens = await createTestTokens();
  const module = createNotificationsSubgraph(mailer ? { mailer } : {});
  const config = loadConfig(notificationsConfigShape, {
    MONGO_URL: mongo.uri,
    NODE_ENV: 'test',
    NOTIFY_RETRY_BASE_MS: '20',
    NOTIFY_POLL_INTERVAL_MS: '20',
    ...env,
  });
  const { runtime } = await createSubgraphRuntime(module, {
    config: config as never,
    mongo: conn,
    bus,
    live,
    redis: null,
    logger,
  });
  const running = await startSubgraph(module, runtime, {
    port: 0,
    host: '127.0.0.1',
    verifier: tokens.verifier,
  });
  await bus.start();
  const model = notificationModel(conn);

  const harness: NotificationsHarness = {
    running,
    bus,
    conn,
    tokens,
    async publish(type, aggregateId, payload) {
      const event = createEvent(type, aggregateId, payload);
      await bus.publish(event);
      return event;
    },
    redeliver: (event) => bus.publish(event),
    notifications: (filter = {}) => model.find(filter).sort({ _id: 1 }).lean().exec(),
    async waitFor(filter, count = 1) {
      const deadline = Date.now() + 8_000;
      for (;;) {
        const rows = await model.find(filter).sort({ _id: 1 }).lean().exec();
        if (rows.length >= count && rows.every((r) => r.status !== 'PENDING')) return rows;
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${count} settled notification(s) ${JSON.stringify(filter)}: ${JSON.stringify(rows.map((r) => [r.type, r.status, r.attempts]))}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async graphql(query, variables, viewer) {
      const res = await fetch(running.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(viewer && { authorization: await tokens.bearer(viewer) }),
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as { data?: any; errors?: any[] };
    },
    async stop() {
      await running.stop();
      await bus.close();
      await live.close();
      await conn.close();
    },
  };
  return harness;
}

/** A mailer whose sends fail as scripted, recording what went out. */
export class ScriptedMailer implements Mailer {
  readonly kind = 'dev-outbox' as const;
  readonly sent: Array<{ to: string; subject: string }> = [];
  private readonly failures = new Map<string, number>();

  /** Sends to `recipient` fail `times` times (Infinity: always). */
  failFor(recipient: string, times: number): void {
    this.failures.set(recipient, times);
  }

  async send(mail: { to: string; subject: string }): Promise<void> {
    const left = this.failures.get(mail.to) ?? 0;
    if (left > 0) {
      this.failures.set(mail.to, left - 1);
      throw new Error(`421 mailbox for ${mail.to} temporarily unavailable`);
    }
    this.sent.push({ to: mail.to, subject: mail.subject });
  }
}
