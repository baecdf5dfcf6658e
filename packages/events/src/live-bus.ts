export type LiveListener<T = unknown> = (message: T) => void;

/** Call to stop listening; `ready` resolves once messages published from now on will arrive. */
export type LiveUnsubscribe = (() => void) & { ready: Promise<void> };

/**
 * Fire-and-forget fan-out for subscriptions (order and payment status). Not durable: a listener
 * that is not subscribed when a message is published never sees it; the durable path is the
 * event bus, from which the owning subgraph drives these messages.
 */
export interface LiveBus {
  publish(channel: string, message: unknown): Promise<void>;
  subscribe<T = unknown>(channel: string, listener: LiveListener<T>): LiveUnsubscribe;
  /** Channels with at least one local listener. */
  activeChannelCount(): number;
  close(): Promise<void>;
}

/**
 * Listeners per channel with reference counting; the first listener of a channel and the last
 * one's departure are reported so that a transport can (un)subscribe upstream exactly once.
 */
export class ListenerRegistry {
  private readonly channels = new Map<string, Set<LiveListener<any>>>();

  constructor(private readonly onError: (err: unknown, channel: string) => void) {}

  /** Returns true when this is the channel's first listener. */
  add(channel: string, listener: LiveListener<any>): boolean {
    let set = this.channels.get(channel);
    const first = !set;
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(listener);
    return first;
  }

  /** Returns true when the channel lost its last listener. */
  remove(channel: string, listener: LiveListener<any>): boolean {
    const set = this.channels.get(channel);
    if (!set || !set.delete(listener)) return false;
    if (set.size > 0) return false;
    this.channels.delete(channel);
    return true;
  }

  dispatch(channel: string, message: unknown): void {
    const set = this.channels.get(channel);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(message);
      } catch (err) {
        this.onError(err, channel);
      }
    }
  }

  clear(): void {
    this.channels.clear();
  }

  get size(): number {
    return this.channels.size;
  }

  channelNames(): string[] {
    return [...this.channels.keys()];
  }
}

/** Wraps a listener so that each subscribe call is its own registration. */
export function registration<T>(listener: LiveListener<T>): LiveListener<T> {
  return (message) => listener(message);
}
