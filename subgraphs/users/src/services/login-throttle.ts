import { createHash } from 'node:crypto';
import { rateLimited } from '@novamart/kit';
import type { AttemptCounters, WindowCount } from './attempt-counters';

export interface ThrottleLimits {
  /** Failed logins allowed for one account within the window. */
  perAccount: number;
  /** Failed logins allowed from one client address within the window. */
  perAddress: number;
  windowMs: number;
}

export interface LoginAttempt {
  /** The credentials were right: the attempt was not a failure. */
  succeeded(): Promise<void>;
}

/**
 * Counts failed logins per account and per client address. An attempt is counted before the
 * password is checked and taken back when it succeeds, so concurrent guesses cannot all slip in
 * under the limit while each other's password checks are running.
 */
export class LoginThrottle {
  constructor(
    private readonly counters: AttemptCounters,
    private readonly limits: ThrottleLimits,
  ) {}

  /** Registers an attempt, or throws RATE_LIMITED with the seconds until the window closes. */
  async begin(email: string, clientAddress: string | null): Promise<LoginAttempt> {
    const accountKey = `account:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`;
    const addressKey = clientAddress ? `address:${clientAddress}` : null;
    const account = await this.counters.hit(accountKey, this.limits.windowMs);
    const address = addressKey ? await this.counters.hit(addressKey, this.limits.windowMs) : null;

    const blocking: WindowCount[] = [];
    if (account.count > this.limits.perAccount) blocking.push(account);
    if (address && address.count > this.limits.perAddress) blocking.push(address);
    if (blocking.length > 0) {
      // A refused attempt never reached the password check: it is not a failure to count.
      await this.counters.undo(accountKey);
      if (addressKey) await this.counters.undo(addressKey);
      const resetsInMs = Math.max(...blocking.map((w) => w.resetsInMs));
      throw rateLimited(Math.max(1, Math.ceil(resetsInMs / 1000)));
    }

    return {
      succeeded: async () => {
        await this.counters.clear(accountKey);
        if (addressKey) await this.counters.undo(addressKey);
      },
    };
  }
}
