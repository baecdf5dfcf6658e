import { type DomainEvent, type InProcessBus } from '@novamart/events';
import { type RunningSubgraph, type Viewer } from '@novamart/kit';
import { eventually, startSubgraphForTests, type TestTokens } from '@novamart/kit/testing';
import { type Connection } from 'mongoose';
import { createNotificationsSubgraph, type Mailer } from '../src/index';
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
  /** At least `count` notifications matching `filter`, once none of them is PENDING any more. */
  waitFor(filter: Record<string, unknown>, count?: number): Promise<NotificationDoc[]>;
  /** Handler attempts at events of `type` that failed so far (the bus's handled-failure count). */
  failedAttempts(type: string): Promise<number>;
  /** Once every event is handled and nothing more is in flight (`TestSubgraph.settled`). */
  settled(): Promise<void>;
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
  options: { keepMongo?: boolean } = {},
): Promise<NotificationsHarness> {
  const sub = await startSubgraphForTests(createNotificationsSubgraph(mailer ? { mailer } : {}), {
    env: { NOTIFY_RETRY_BASE_MS: '20', NOTIFY_POLL_INTERVAL_MS: '20', ...env },
    ...options,
  });
  const model = notificationModel(sub.conn);

  return {
    running: sub.running,
    bus: sub.bus,
    conn: sub.conn,
    tokens: sub.tokens,
    publish: (type, aggregateId, payload) => sub.publish(type, aggregateId, payload),
    redeliver: (event) => sub.bus.publish(event),
    notifications: (filter = {}) => model.find(filter).sort({ _id: 1 }).lean().exec(),
    waitFor: (filter, count = 1) =>
      eventually(
        () => model.find(filter).sort({ _id: 1 }).lean().exec(),
        (rows) => rows.length >= count && rows.every((r) => r.status !== 'PENDING'),
        { what: `${count} settled notification(s) ${JSON.stringify(filter)}`, timeoutMs: 8_000 },
      ),
    async failedAttempts(type) {
      const handled = await sub.runtime.metrics.getSingleMetric('novamart_events_handled_total')?.get();
      return (handled?.values ?? [])
        .filter(({ labels }) => labels.type === type && labels.outcome === 'failure')
        .reduce((sum, { value }) => sum + value, 0);
    },
    settled: () => sub.settled(),
    graphql: (query, variables, viewer) => sub.graphql(query, variables, viewer),
    stop: () => sub.stop(),
  };
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
