type Awaitable<T> = T | Promise<T>;

export interface EventuallyOptions {
  /** What is awaited, for the timeout's message. */
  what?: string;
  /** How long to wait in all; 10 s unless the caller knows the read needs longer. */
  timeoutMs?: number;
  /** The pause between two reads. */
  intervalMs?: number;
}

type Falsy = null | undefined | false;

/**
 * Repeats an asynchronous READ until it holds, bounded by a timeout: for what happens after a
 * mutation answered (a relayed event, a projection, a consumer's write). Never for a mutation: a
 * test does not retry writes. Without `accept`, the read holds once it returns a truthy value,
 * which is returned; with it, once `accept` says so. On timeout it throws, naming what it waited
 * for and the last value it read.
 */
export function eventually<T>(
  read: () => Awaitable<T | Falsy>,
  options?: EventuallyOptions | string,
): Promise<T>;
export function eventually<T>(
  read: () => Awaitable<T>,
  accept: (value: T) => boolean,
  options?: EventuallyOptions | string,
): Promise<T>;
export async function eventually<T>(
  read: () => Awaitable<T>,
  acceptOrOptions?: ((value: T) => boolean) | EventuallyOptions | string,
  maybeOptions?: EventuallyOptions | string,
): Promise<T> {
  const accept = typeof acceptOrOptions === 'function' ? acceptOrOptions : (value: T) => Boolean(value);
  const given = typeof acceptOrOptions === 'function' ? maybeOptions : acceptOrOptions;
  const options: EventuallyOptions = typeof given === 'string' ? { what: given } : (given ?? {});
  const { what = 'a condition', timeoutMs = 10_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      const last = JSON.stringify(value)?.slice(0, 400);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** How much of one kind of asynchronous work is unfinished (0: none), read without waiting for it. */
export type UnfinishedWork = () => Awaitable<number>;

export interface SettleOptions {
  /** What settles, for the timeout's message. */
  what?: string;
  /** How long to wait in all; 10 s unless the caller knows the work takes longer. */
  timeoutMs?: number;
}

/**
 * Waits until asynchronous work has stopped: every source reads 0 on two rounds in a row, since
 * work starts more work (a handled event commits an outbox entry, the relay publishes it, another
 * consumer handles that) and a hand-over can fall between two reads of one round. For tests that
 * check that something did NOT happen (a second event, a second change): the check comes once
 * whatever could still make it happen is done, not after a sleep a slow machine may outlast. On
 * timeout it throws, naming what was still busy.
 */
export async function settle(sources: Record<string, UnfinishedWork>, options: SettleOptions = {}) {
  const { what = 'asynchronous work', timeoutMs = 10_000 } = options;
  const deadline = Date.now() + timeoutMs;
  let quietRounds = 0;
  for (;;) {
    const busy: string[] = [];
    for (const [name, unfinished] of Object.entries(sources)) {
      const count = await unfinished();
      if (count > 0) busy.push(`${name}: ${count}`);
    }
    quietRounds = busy.length === 0 ? quietRounds + 1 : 0;
    if (quietRounds === 2) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} not settled after ${timeoutMs} ms; still busy: ${busy.join(', ') || 'none'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
