import { type LiveBus, type LiveListener, type LiveUnsubscribe, ListenerRegistry } from './live-bus';
import { type Logger, silentLogger } from './logger';

/** Live bus of the all-in-one mode. Messages are delivered asynchronously as JSON copies, like over Redis. */
export class InProcessLiveBus implements LiveBus {
  private readonly listeners: ListenerRegistry;

  constructor(options: { logger?: Logger } = {}) {
    this.listeners = new ListenerRegistry(options.logger ?? silentLogger);
  }

  async publish(channel: string, message: unknown): Promise<void> {
    const json = JSON.stringify(message ?? null);
    queueMicrotask(() => this.listeners.dispatch(channel, JSON.parse(json)));
  }

  subscribe<T = unknown>(channel: string, listener: LiveListener<T>): LiveUnsubscribe {
    return this.listeners.subscribe(channel, listener);
  }

  activeChannelCount(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
