import { LocalListenersLiveBus } from './live-bus';
import { type Logger, silentLogger } from './logger';

/** Live bus of the all-in-one mode. Messages are delivered asynchronously as JSON copies, like over Redis. */
export class InProcessLiveBus extends LocalListenersLiveBus {
  constructor(options: { logger?: Logger } = {}) {
    super(options.logger ?? silentLogger);
  }

  async publish(channel: string, message: unknown): Promise<void> {
    const json = JSON.stringify(message ?? null);
    queueMicrotask(() => this.dispatch(channel, JSON.parse(json)));
  }

  async close(): Promise<void> {
    this.dropListeners();
  }
}
