import { Redis } from 'ioredis';
import { LocalListenersLiveBus } from './live-bus';
import { type Logger, silentLogger } from './logger';

export interface RedisLiveBusOptions {
  logger?: Logger;
  /** Redis channels are `<keyPrefix>:live:<channel>`. Default `novamart`. */
  keyPrefix?: string;
}

/**
 * Live messages over Redis pub/sub. One subscriber connection carries every channel of the
 * process; a channel is SUBSCRIBEd with its first local listener and UNSUBSCRIBEd with its last,
 * so that finished GraphQL subscriptions leave nothing behind in Redis.
 */
export class RedisLiveBus extends LocalListenersLiveBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly prefix: string;
  /** The latest (un)subscribe command per channel; commands on one connection run in order. */
  private readonly upstream = new Map<string, Promise<void>>();

  constructor(redis: string | (() => Redis), options: RedisLiveBusOptions = {}) {
    super(options.logger ?? silentLogger);
    const connect = typeof redis === 'string' ? () => new Redis(redis) : redis;
    this.prefix = `${options.keyPrefix ?? 'novamart'}:live:`;
    this.publisher = connect();
    this.subscriber = connect();
    for (const [name, conn] of [
      ['publisher', this.publisher],
      ['subscriber', this.subscriber],
    ] as const) {
      conn.on('error', (err: Error) =>
        this.logger.warn({ err, connection: `live ${name}` }, 'redis connection error'),
      );
    }
    this.subscriber.on('message', (key: string, raw: string) => {
      if (!key.startsWith(this.prefix)) return;
      let message: unknown;
      try {
        message = JSON.parse(raw);
      } catch (err) {
        this.logger.error({ err, channel: key }, 'unreadable live message');
        return;
      }
      this.dispatch(key.slice(this.prefix.length), message);
    });
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.publisher.publish(this.prefix + channel, JSON.stringify(message ?? null));
  }

  async close(): Promise<void> {
    this.dropListeners();
    await Promise.allSettled(this.upstream.values());
    await Promise.all([
      this.subscriber.quit().catch(() => this.subscriber.disconnect()),
      this.publisher.quit().catch(() => this.publisher.disconnect()),
    ]);
  }

  protected override upstreamSettled(channel: string): Promise<void> {
    return this.upstream.get(channel) ?? Promise.resolve();
  }

  protected override sendUpstream(channel: string, command: 'subscribe' | 'unsubscribe'): void {
    const key = this.prefix + channel;
    // A SUBSCRIBE that Redis never confirmed fails the `ready` of the channel's listeners: their
    // subscriptions end with an error instead of waiting for messages that cannot come, and the
    // channel, left by them, is subscribed afresh by its next listener. A failed UNSUBSCRIBE only
    // leaves messages that nobody here listens to.
    const sent = (
      command === 'subscribe' ? this.subscriber.subscribe(key) : this.subscriber.unsubscribe(key)
    ).then(
      () => undefined,
      (err: unknown) => {
        this.logger.error({ err, channel, command }, 'live bus could not reach Redis');
        if (command === 'subscribe') throw err;
      },
    );
    this.upstream.set(channel, sent);
    const forget = () => {
      if (this.upstream.get(channel) === sent) this.upstream.delete(channel);
    };
    // Also what marks the failure handled when no listener awaits `ready`.
    void sent.then(forget, forget);
  }
}
