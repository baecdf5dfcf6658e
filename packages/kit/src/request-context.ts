import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
/**
 * When the caller stops waiting (epoch milliseconds): the gateway sets it from its subgraph
 * timeout, and a subgraph forwards it on its own calls. Work that is still going at the deadline
 * answers nobody, so a subgraph gives up before committing rather than after the caller gave up.
 */
export const DEADLINE_HEADER = 'x-novamart-deadline';

export interface RequestContextStore {
  requestId: string;
  deadline?: number;
}

/**
 * The request being served. The subgraph server enters it for every HTTP request; the logger,
 * the MongoDB command counter and outgoing calls read it.
 */
export const requestContext = new AsyncLocalStorage<RequestContextStore>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

export function runWithRequestId<T>(requestId: string, fn: () => T, deadline?: number): T {
  return requestContext.run(deadline === undefined ? { requestId } : { requestId, deadline }, fn);
}

// A deadline further out than this is not one a caller of ours would set: ignored.
const LONGEST_DEADLINE_MS = 10 * 60_000;

/** The incoming deadline header as epoch ms, when it is a plain number no further than 10 minutes out. */
export function deadlineFrom(headerValue: string | string[] | undefined): number | undefined {
  const value = Array.isArray(headerValue) ? headerValue[0] : headerValue;
  if (!value || !/^\d{1,15}$/.test(value)) return undefined;
  const deadline = Number(value);
  return deadline <= Date.now() + LONGEST_DEADLINE_MS ? deadline : undefined;
}

/** Milliseconds until the request's deadline (negative once passed); Infinity without one. */
export function timeLeftMs(): number {
  const deadline = requestContext.getStore()?.deadline;
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
}

/** The caller has stopped waiting: what was about to be committed must not be. */
export class DeadlinePassedError extends Error {
  constructor(what: string) {
    super(`The caller's deadline passed before ${what}; nothing was written`);
    this.name = 'DeadlinePassedError';
  }
}

/**
 * Throws `DeadlinePassedError` when the request's deadline has passed. Called as the last step
 * inside a transaction, it turns "the caller got a timeout and the write happened anyway" into
 * "the caller got a timeout and nothing was written".
 */
export function assertBeforeDeadline(what: string): void {
  if (timeLeftMs() <= 0) throw new DeadlinePassedError(what);
}

// Ids arrive from clients and end up in log lines and metrics lookups: keep them short and plain.
const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** The incoming `x-request-id` when it is well-formed, a fresh uuid otherwise. */
export function requestIdFrom(headerValue: string | string[] | undefined): string {
  const value = Array.isArray(headerValue) ? headerValue[0] : headerValue;
  return value && acceptableRequestId.test(value) ? value : randomUUID();
}

/** Headers to put on an outgoing call so the next service logs under the same request id. */
export function forwardedHeaders(): Record<string, string> {
  const store = requestContext.getStore();
  return {
    ...(store?.requestId ? { [REQUEST_ID_HEADER]: store.requestId } : {}),
    ...(store?.deadline !== undefined ? { [DEADLINE_HEADER]: String(store.deadline) } : {}),
  };
}
