/**
 * A handler's verdict that an event is permanently invalid (it fails a check no retry can change:
 * a payment for another amount than the order's, a payment id nobody announced). Thrown from a
 * handler (also from inside `idempotentConsumer`, whose transaction it aborts), it dead-letters
 * the event at once with `reason`, without the retries an ordinary failure gets, so the stream
 * keeps flowing and the event's effect never happens.
 */
export class EventRejectedError extends Error {
  readonly rejected = true;
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EventRejectedError';
  }
}

/** Throws `EventRejectedError(reason)`: `if (!matches) rejectEvent('amount 100 is not the order total 200')`. */
export function rejectEvent(reason: string): never {
  throw new EventRejectedError(reason);
}

/** True for an `EventRejectedError`, also one from another copy of this package. */
export function isEventRejected(err: unknown): err is EventRejectedError {
  return (
    err instanceof EventRejectedError ||
    (typeof err === 'object' && err !== null && (err as { rejected?: unknown }).rejected === true)
  );
}
