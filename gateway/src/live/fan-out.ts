import type { Duplex } from 'node:stream';
import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

/**
 * Telling many subscribers of one event. graphql-ws's own path costs, per subscriber and event, an
 * async-iterator step, an async `next`, a JSON.stringify of the whole frame and an awaited socket
 * write of its own: with 1,000 subscribers on one order that was most of the time between the
 * event and the last of them (issue 10). Here a resolution's payload is serialized once, a
 * subscriber's frame is its id spliced in front of it, and one event's frames leave in one write
 * per connection. graphql-ws still runs everything else: connections, subscribe and complete
 * messages, each subscription's lifetime, its `error` and `complete` frames.
 */

/** Events a subscriber may have waiting (to resolve, or written and not yet flushed) before it is ended. */
export const MAX_BEHIND = 1000;

/** ws options for a buffer sent as a text message, as graphql-ws's strings are. */
const TEXT_FRAME = { binary: false };

/**
 * A graphql-ws `next` frame after its id, `,"type":"next","payload":…}`: prefixed with
 * `{"id":"<id>"` it is byte for byte what graphql-ws sends (its `emit.next` builds the payload
 * this way, the errors serialized last, and stringifies `{ id, type, payload }`).
 */
export function nextFrameTail(result: ExecutionResult): string {
  const { errors, ...rest } = result;
  const payload = { ...rest, ...(errors ? { errors: errors.map((error) => error.toJSON()) } : {}) };
  return `,"type":"next","payload":${JSON.stringify(payload)}}`;
}

/**
 * One live-bus message resolved for one resolution key (a selection and a token): resolved when the
 * first of its subscribers gets to it, serialized once, written to every subscriber waiting for it.
 */
export class LiveEvent {
  /** The `next` frame after the id, once resolved (UTF-8: ws sends buffers as they are). */
  frameTail: Buffer | undefined;
  private waiting: LiveSubscriber[] | undefined;

  /**
   * @param resolve the event's payload
   * @param failed what the subscribers get instead when `resolve` or the serialization fails
   */
  constructor(
    private readonly resolve: () => Promise<ExecutionResult>,
    private readonly failed: (error: unknown) => ExecutionResult,
  ) {}

  /** Resolves the event on the first call; drains `subscriber` once it is resolved. */
  awaitedBy(subscriber: LiveSubscriber): void {
    if (this.frameTail !== undefined) {
      subscriber.drain();
      return;
    }
    if (this.waiting) {
      this.waiting.push(subscriber);
      return;
    }
    this.waiting = [subscriber];
    void this.resolve()
      .then(nextFrameTail)
      .catch((error: unknown) => nextFrameTail(this.failed(error)))
      .then((frameTail) => this.resolved(Buffer.from(frameTail)));
  }

  /**
   * Writes the event to its subscribers a connection at a time, corked: a connection's frames leave
   * in one write instead of a system call each, and the first connection's as soon as they are ready.
   */
  private resolved(frameTail: Buffer): void {
    this.frameTail = frameTail;
    const byWire = new Map<Duplex, LiveSubscriber[]>();
    for (const subscriber of this.waiting ?? []) {
      const onWire = byWire.get(subscriber.wire);
      if (onWire) onWire.push(subscriber);
      else byWire.set(subscriber.wire, [subscriber]);
    }
    this.waiting = [];
    for (const [wire, subscribers] of byWire) {
      wire.cork();
      try {
        for (const subscriber of subscribers) subscriber.drain();
      } finally {
        wire.uncork();
      }
    }
  }
}

interface Pending {
  resolve: (result: IteratorResult<never>) => void;
  reject: (error: Error) => void;
}

/**
 * A subscription as graphql-ws holds it: the iterator `subscribe` returned, which graphql-ws
 * iterates for the subscription's lifetime and which yields nothing. It ends when the client
 * completes or disconnects (graphql-ws calls `return`), and fails when the subscriber falls too far
 * behind (graphql-ws sends that as the subscription's `error`). Its events are written here, in the
 * order they were published, and only once graphql-ws iterates: nothing goes out for an id the
 * client completed while the subscription was being opened.
 */
export class LiveSubscriber implements AsyncIterableIterator<never> {
  /** `{"id":"<id>"`. */
  private readonly frameHead: Buffer;
  /** Events not yet written, in the order they were published. */
  private queue: LiveEvent[] = [];
  /** The queue's head, while this subscriber waits for it to resolve. */
  private awaiting: LiveEvent | undefined;
  private unflushed = 0;
  private iterated = false;
  private closed = false;
  private pending: Pending | undefined;
  private failure: Error | undefined;
  private readonly flushed = () => {
    this.unflushed -= 1;
  };

  /**
   * @param socket the connection's WebSocket; `wire` the socket under it, which ws writes to
   * @param onClose runs once, when the subscription ends
   * @param onWritten runs per event written
   */
  constructor(
    private readonly socket: WebSocket,
    readonly wire: Duplex,
    id: string,
    private readonly onClose: () => void,
    private readonly onWritten: () => void,
  ) {
    this.frameHead = Buffer.from(`{"id":${JSON.stringify(id)}`);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues `event` behind the ones before it: it is written once they are and it is resolved. */
  deliver(event: LiveEvent): void {
    if (this.closed) return;
    if (this.queue.length + this.unflushed >= MAX_BEHIND) {
      // A subscriber this far behind is not reading; end it rather than grow without bound.
      this.fail(new Error(`Subscriber fell more than ${MAX_BEHIND} events behind`));
      return;
    }
    this.queue.push(event);
    if (this.queue.length === 1) this.drain();
  }

  /** Writes the resolved events at the head of the queue, then waits for the next one to resolve. */
  drain(): void {
    for (let head = this.queue[0]; head && !this.closed; head = this.queue[0]) {
      if (head.frameTail === undefined) {
        if (this.awaiting !== head) {
          this.awaiting = head;
          head.awaitedBy(this);
        }
        return;
      }
      if (!this.iterated) return;
      this.queue.shift();
      this.write(head.frameTail);
    }
  }

  /** Ends the subscription with `error`, which graphql-ws sends as its `error` frame. */
  fail(error: Error): void {
    if (this.closed) return;
    if (this.pending) this.pending.reject(error);
    else this.failure = error;
    this.pending = undefined;
    this.end();
  }

  next(): Promise<IteratorResult<never>> {
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    const next = new Promise<IteratorResult<never>>(
      (resolve, reject) => (this.pending = { resolve, reject }),
    );
    if (!this.iterated) {
      this.iterated = true;
      this.drain();
    }
    return next;
  }

  async return(): Promise<IteratorResult<never>> {
    this.failure = undefined;
    this.end();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<never>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private write(frameTail: Buffer): void {
    // As graphql-ws: a socket that is closing gets nothing more (its close ends the subscription).
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.unflushed += 1;
    const frame = Buffer.concat([this.frameHead, frameTail], this.frameHead.length + frameTail.length);
    this.socket.send(frame, TEXT_FRAME, this.flushed);
    this.onWritten();
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.awaiting = undefined;
    this.pending?.resolve({ value: undefined, done: true });
    this.pending = undefined;
    this.onClose();
  }
}
