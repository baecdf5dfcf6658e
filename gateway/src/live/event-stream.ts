interface Waiter<T> {
  resolve: (result: IteratorResult<T>) => void;
  reject: (error: Error) => void;
}

/**
 * An async iterator fed by pushes, for graphql-ws. Unlike an async generator, `return()` takes
 * effect at once even while the consumer is waiting for the next value, so a client that
 * completes or disconnects tears its live-bus subscription down immediately rather than after
 * the next event.
 */
export class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private readonly waiting: Waiter<T>[] = [];
  private closed = false;
  private failure: Error | undefined;

  /** `onClose` runs once, when the consumer returns or the producer fails the stream. */
  constructor(
    private readonly onClose: () => void | Promise<void>,
    private readonly maxBuffered = 1000,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  push(value: T): void {
    if (this.closed) return;
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve({ value, done: false });
      return;
    }
    if (this.buffered.length >= this.maxBuffered) {
      // A consumer this far behind is not reading; end it rather than grow without bound.
      void this.fail(new Error(`Subscriber fell more than ${this.maxBuffered} events behind`));
      return;
    }
    this.buffered.push(value);
  }

  /** Ends the stream: the consumer gets the values already buffered, then this error. */
  async fail(error: Error): Promise<void> {
    if (this.closed) return;
    this.failure = error;
    const waiter = this.waiting.shift();
    if (waiter) {
      this.failure = undefined;
      waiter.reject(error);
    }
    await this.end();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered.length > 0) return Promise.resolve({ value: this.buffered.shift() as T, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async return(): Promise<IteratorResult<T>> {
    this.buffered.length = 0;
    this.failure = undefined;
    await this.end();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async end(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
    await this.onClose();
  }
}
