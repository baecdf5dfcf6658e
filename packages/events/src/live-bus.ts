import { type Logger } from './logger';

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
 * What a transport does upstream: a channel's first local listener sends `subscribe`, the last
 * one's departure `unsubscribe`. `settled` resolves once the channel's latest command took effect.
 */
export interface LiveUpstream {
  send(channel: string, command: 'subscribe' | 'unsubscribe'): void;
  settled(channel: string): Promise<void>;
}

/**
 * Listeners per channel with reference counting, and the subscribe/unsubscribe bookkeeping of every
 * live bus: the first listener of a channel and the last one's departure go to the transport's
 * `upstream` (none in-process) so that it (un)subscribes there exactly once.
 */
export class ListenerRegistry {
  private readonly channels = new Map<string, Set<LiveListener<any>>>();

  constructor(
    private readonly logger: Logger,
    private readonly upstream?: LiveUpstream,
  ) {}

  subscribe<T>(channel: string, listener: LiveListener<T>): LiveUnsubscribe {
    // A wrapper of its own, so that each subscribe call is its own registration even when the same
    // function subscribes twice.
    const own: LiveListener<T> = (message) => listener(message);
    if (this.add(channel, own)) this.upstream?.send(channel, 'subscribe');
    let active = true;
    return Object.assign(
      () => {
        if (!active) return;
        active = false;
        if (this.remove(channel, own)) this.upstream?.send(channel, 'unsubscribe');
      },
      { ready: this.upstream?.settled(channel) ?? Promise.resolve() },
    );
  }

  /** Returns true when this is the channel's first listener. */
  private add(channel: string, listener: LiveListener<any>): boolean {
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
  private remove(channel: string, listener: LiveListener<any>): boolean {
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
        this.logger.error({ err, channel }, 'live listener failed');
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
