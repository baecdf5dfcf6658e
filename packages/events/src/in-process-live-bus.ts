import {
  type LiveBus,
  type LiveListener,
  type LiveUnsubscribe,
  ListenerRegistry,
  registration,
} from './live-bus';
import { type Logger, silentLogger } from './logger';

/** Live bus of the all-in-one mode. Messages are delivered asynchronously as JSON copies, like over Redis. */
export class InProcessLiveBus implements LiveBus {
  private readonly listeners: ListenerRegistry;

  constructor(options: { logger?: Logger } = {}) {
    const logger = options.logger ?? silentLogger;
    this.listeners = new ListenerRegistry((err, channel) =>
      logger.error({ err, channel }, 'live listener failed'),
    );
  }

  async publish(channel: string, message: unknown): Promise<void> {
    const json = JSON.stringify(message ?? null);
    queueMicrotask(() => this.listeners.dispatch(channel, JSON.parse(json)));
  }

  subscribe<T = unknown>(channel: string, listener: LiveListener<T>): LiveUnsubscribe {
    const own = registration(listener);
    this.listeners.add(channel, own);
    let active = true;
    return Object.assign(
      () => {
        if (!active) return;
        active = false;
        this.listeners.remove(channel, own);
      },
      { ready: Promise.resolve() },
    );
  }

  activeChannelCount(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
