/** Exponential backoff between handler attempts, or a function of the attempt that just failed (1-based). */
export type BackoffPolicy =
  | { initialMs?: number; factor?: number; maxMs?: number; jitter?: boolean }
  | ((failedAttempt: number) => number);

export const DEFAULT_BACKOFF = { initialMs: 100, factor: 2, maxMs: 10_000, jitter: true } as const;

export function backoffDelay(policy: BackoffPolicy | undefined, failedAttempt: number): number {
  if (typeof policy === 'function') return Math.max(0, policy(failedAttempt));
  const initialMs = policy?.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const factor = policy?.factor ?? DEFAULT_BACKOFF.factor;
  const maxMs = policy?.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const jitter = policy?.jitter ?? DEFAULT_BACKOFF.jitter;
  const base = Math.min(maxMs, initialMs * factor ** (failedAttempt - 1));
  // Equal jitter: keeps at least half the delay while spreading retries of many consumers apart.
  return jitter ? base / 2 + Math.random() * (base / 2) : base;
}
