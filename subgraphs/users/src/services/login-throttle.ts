import { createHash } from 'node:crypto';
import { rateLimited } from '@novamart/kit';
import type { AttemptCounters, BackoffHit, BackoffPolicy } from './attempt-counters';

export interface ThrottleLimits {
  /** Failed logins one client address may make on one account before the delays start. */
  perAccount: number;
  /** Failed logins one client address may make over all accounts before the delays start. */
  perAddress: number;
  /** Failures are forgotten this long after the last one. */
  windowMs: number;
  /** First delay once the free attempts are used; it doubles with every further failure. Default 1 s. */
  baseDelayMs?: number;
  /** Longest delay. Default the window. */
  maxDelayMs?: number;
}

export interface LoginAttempt {
  /** The credentials were right: the attempt was not a failure. */
  succeeded(): Promise<void>;
}

export function accountKey(email: string): string {
  return createHash('sha256').update(email).digest('hex').slice(0, 32);
}

/**
 * Spaces failed logins out with an exponential delay, per (account, client address) and per client
 * address; never per account alone, so that a stranger's guesses cannot lock the owner out: the
 * owner, from their own address, is not slowed by them. An attempt is counted (and the next delay
 * set) before the password is checked and taken back when it succeeds, so concurrent guesses
 * cannot all slip in under one delay.
 *
 * The client address is what the gateway determined with its TRUST_PROXY setting; without one
 * (a caller we cannot place) all such callers share one address bucket.
 */
export class LoginThrottle {
  constructor(
    private readonly counters: AttemptCounters,
    private readonly limits: ThrottleLimits,
  ) {}

  /** Registers an attempt, or throws RATE_LIMITED with the seconds until the next one may come. */
  async begin(email: string, clientAddress: string | null): Promise<LoginAttempt> {
    const address = clientAddress ?? 'unknown';
    const pairKey = `pair:${accountKey(email)}:${address}`;
    const addressKey = `address:${address}`;
    const policy = (free: number): BackoffPolicy => ({
      free,
      baseMs: this.limits.baseDelayMs ?? 1000,
      maxMs: this.limits.maxDelayMs ?? this.limits.windowMs,
      windowMs: this.limits.windowMs,
    });

    const pair = await this.counters.backoff(pairKey, policy(this.limits.perAccount));
    if (pair.waitMs > 0) throw refusal(pair);
    const byAddress = await this.counters.backoff(addressKey, policy(this.limits.perAddress));
    if (byAddress.waitMs > 0) {
      // Refused before the password check: not a failure of the pair either.
      await this.counters.undo(pairKey);
      throw refusal(byAddress);
    }

    return {
      succeeded: async () => {
        await this.counters.clear(pairKey);
        await this.counters.undo(addressKey);
      },
    };
  }
}

function refusal(hit: BackoffHit) {
  return rateLimited(Math.max(1, Math.ceil(hit.waitMs / 1000)));
}
