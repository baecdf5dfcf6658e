import { type Logger } from '@novamart/kit';
import { type Mailer } from '../mail/mailer';
import { type SmsSender } from '../sms/sms-sender';
import { type NotificationDoc, type NotificationModel } from '../models/notification';

export interface DispatcherOptions {
  from: string;
  /** Sender number of text messages. */
  smsFrom?: string;
  maxAttempts: number;
  /** First retry delay; each further retry doubles it. */
  retryBaseMs: number;
  pollIntervalMs: number;
  /** How long a claim on a message lasts; a dispatcher that dies mid-send frees it after this. */
  claimMs?: number;
}

/**
 * Sends PENDING notifications as they come due. A message is claimed before it is sent (a
 * conditional update), so several dispatchers never send the same one; a failed send is retried
 * with exponential backoff until the attempts run out, then the message is FAILED with its error.
 * Messages are independent: one that keeps failing does not hold up the others.
 */
export class NotificationDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private closing = false;

  constructor(
    private readonly notifications: NotificationModel,
    private readonly mailer: Mailer,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
    private readonly sms: SmsSender | null = null,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.mailer.close?.();
  }

  /** Something new is due: run now instead of at the next poll. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Sends everything due now; returns how many messages were attempted. Tests call it directly. */
  async runOnce(): Promise<number> {
    let attempted = 0;
    for (let message = await this.claim(); message; message = await this.claim()) {
      attempted++;
      await this.deliver(message);
    }
    return attempted;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.error({ err: error }, 'notification dispatch round failed'))
        .finally(() => {
          this.running = null;
          if (this.stopped) return;
          const next = this.again ? 0 : this.options.pollIntervalMs;
          this.again = false;
          this.schedule(next);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async claim(): Promise<NotificationDoc | null> {
    // Once closing, the message in hand is finished but no new one is claimed.
    if (this.closing) return null;
    const now = new Date();
    return this.notifications
      .findOneAndUpdate(
        {
          status: 'PENDING',
          nextAttemptAt: { $lte: now },
          $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }],
        },
        { $set: { lockedUntil: new Date(now.getTime() + (this.options.claimMs ?? 30_000)) } },
        { sort: { nextAttemptAt: 1, _id: 1 }, returnDocument: 'after' },
      )
      .lean<NotificationDoc>()
      .exec();
  }

  /** Sends by the message's channel; returns the provider's message id (SMS) or null. */
  private async send(message: NotificationDoc): Promise<string | null> {
    if (message.channel === 'sms') {
      if (!this.sms) throw new Error('No SMS sender is configured');
      const sent = await this.sms.send({
        from: this.options.smsFrom ?? 'NovaMart',
        to: message.recipient,
        body: message.body,
        messageId: String(message._id),
      });
      return sent.providerMessageId;
    }
    await this.mailer.send({
      from: this.options.from,
      to: message.recipient,
      subject: message.subject,
      text: message.body,
      html: message.html,
      messageId: `<${message._id}@novamart>`,
    });
    return null;
  }

  private async deliver(message: NotificationDoc): Promise<void> {
    const attempts = message.attempts + 1;
    try {
      const providerMessageId = await this.send(message);
      await this.notifications.updateOne(
        { _id: message._id },
        {
          $set: {
            providerMessageId,
            status: 'SENT',
            attempts,
            sentAt: new Date(),
            nextAttemptAt: null,
            lockedUntil: null,
            lastError: null,
          },
        },
      );
    } catch (error) {
      const lastError = error instanceof Error ? error.message : String(error);
      const failed = attempts >= this.options.maxAttempts;
      const retryIn = this.options.retryBaseMs * 2 ** (attempts - 1);
      this.logger.warn(
        { notificationId: String(message._id), type: message.type, attempts, failed, err: lastError },
        'notification send failed',
      );
      await this.notifications.updateOne(
        { _id: message._id },
        {
          $set: {
            attempts,
            lastError,
            lockedUntil: null,
            status: failed ? 'FAILED' : 'PENDING',
            nextAttemptAt: failed ? null : new Date(Date.now() + retryIn),
          },
        },
      );
    }
  }
}
