import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestContextStore {
  requestId: string;
}

/**
 * The request being served. The subgraph server enters it for every HTTP request; the logger,
 * the MongoDB command counter and outgoing calls read it.
 */
export const requestContext = new AsyncLocalStorage<RequestContextStore>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return requestContext.run({ requestId }, fn);
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
  const requestId = currentRequestId();
  return requestId ? { [REQUEST_ID_HEADER]: requestId } : {};
}
