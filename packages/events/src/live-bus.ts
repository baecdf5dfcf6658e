import { type Logger } from './logger';

export type LiveListener<T = unknown> = (message: T) => void;

/**
 * Call to stop listening; `ready` resolves once messages published from now on will arrive, and
 * rejects when the bus could not listen upstream (Redis refused or never answered the SUBSCRIBE).
 */
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
 * What every live bus does with the listeners of its own process: counted per channel, each
 * subscribe call its own registration, a message dispatched to every listener of its channel (one
 * that throws is logged and the others still hear it). A transport adds `publish` and `close`, and
 * overrides `sendUpstream` to (un)subscribe upstream exactly once per channel: with the channel's
 * first local listener and with its last one's departure.
 */
export abstract class LocalListenersLiveBus implements LiveBus {
  private readonly channels = new Map<string, Set<LiveListener<any>>>();

  constructor(protected readonly logger: Logger) {}

  abstract publish(channel: string, message: unknown): Promise<void>;

  abstract close(): Promise<void>;

  /** The channel gained its first local listener, or lost its last. Nothing upstream by default. */
  protected sendUpstream(_channel: string, _command: 'subscribe' | 'unsubscribe'): void {}

  /** Resolves once the channel's latest upstream command took effect (a subscription's `ready`). */
  protected upstreamSettled(_channel: string): Promise<void> {
    return Promise.resolve();
  }

  subscribe<T = unknown>(channel: string, listener: LiveListener<T>): LiveUnsubscribe {
    // A wrapper of its own, so that the same function subscribed twice is two registrations.
    const own: LiveListener<T> = (message) => listener(message);
    if (this.add(channel, own)) this.sendUpstream(channel, 'subscribe');
    let active = true;
    return Object.assign(
      () => {
        if (!active) return;
        active = false;
        if (this.remove(channel, own)) this.sendUpstream(channel, 'unsubscribe');
      },
      { ready: this.upstreamSettled(channel) },
    );
  }

  activeChannelCount(): number {
    return this.channels.size;
  }

  protected dispatch(channel: string, message: unknown): void {
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

  protected dropListeners(): void {
    this.channels.clear();
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
}
