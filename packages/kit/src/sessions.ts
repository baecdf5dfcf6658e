import type { Redis } from 'ioredis';

/**
 * Ended sessions. An access token carries its session id (`sid`, the refresh-token family); the
 * users subgraph records the id here when the session ends (logout, password change or reset, role
 * change, refresh-token reuse) and every subgraph refuses a token of an ended session. Entries live
 * as long as an access token can (ACCESS_TOKEN_TTL_SECONDS), after which the token expires anyway.
 *
 * Redis when the runtime has it (shared by every process), the process's own memory otherwise
 * (the all-in-one start, where every subgraph runs in one process). Never a database read.
 */
export interface SessionRevocations {
  revoke(sessionIds: readonly string[], ttlSeconds: number): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
}

/** The Redis key prefix of ended sessions under a shop's REDIS_KEY_PREFIX. */
export function sessionRevocationKeyPrefix(redisKeyPrefix = 'novamart'): string {
  return `${redisKeyPrefix}:sessions:revoked:`;
}

export const SESSION_REVOCATION_KEY_PREFIX = sessionRevocationKeyPrefix();

/**
 * How long a subgraph may trust a "not revoked" answer for one session. Revocation must reach
 * every subgraph within one second; 250 ms keeps a busy session at a handful of Redis reads.
 */
const NEGATIVE_CACHE_MS = 250;
const CACHE_LIMIT = 10_000;

export class RedisSessionRevocations implements SessionRevocations {
  private readonly notRevoked = new Map<string, number>();

  constructor(
    private readonly redis: Pick<Redis, 'exists' | 'multi'>,
    private readonly prefix = SESSION_REVOCATION_KEY_PREFIX,
    private readonly now: () => number = Date.now,
  ) {}

  async revoke(sessionIds: readonly string[], ttlSeconds: number): Promise<void> {
    if (sessionIds.length === 0) return;
    const multi = this.redis.multi();
    for (const id of sessionIds) multi.set(this.prefix + id, '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    const results = (await multi.exec()) ?? [];
    const failure = results.find(([err]) => err);
    if (failure) throw failure[0];
    for (const id of sessionIds) this.notRevoked.delete(id);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const now = this.now();
    const until = this.notRevoked.get(sessionId);
    if (until !== undefined && until > now) return false;
    const revoked = (await this.redis.exists(this.prefix + sessionId)) > 0;
    if (revoked) {
      this.notRevoked.delete(sessionId);
    } else {
      if (this.notRevoked.size >= CACHE_LIMIT) this.notRevoked.clear();
      this.notRevoked.set(sessionId, now + NEGATIVE_CACHE_MS);
    }
    return revoked;
  }
}

export class MemorySessionRevocations implements SessionRevocations {
  private readonly revoked = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async revoke(sessionIds: readonly string[], ttlSeconds: number): Promise<void> {
    const now = this.now();
    for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
    for (const id of sessionIds) this.revoked.set(id, now + ttlSeconds * 1000);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const until = this.revoked.get(sessionId);
    return until !== undefined && until > this.now();
  }
}

/** The list every subgraph of this process shares when there is no Redis. */
export const processSessionRevocations: SessionRevocations = new MemorySessionRevocations();

/**
 * Where a runtime's sessions are ended and checked: Redis when it has it (under its
 * REDIS_KEY_PREFIX, so that shops sharing a Redis keep their sessions apart), this process
 * otherwise.
 */
export function sessionRevocationsFor(redis: Redis | null, redisKeyPrefix?: string): SessionRevocations {
  return redis
    ? new RedisSessionRevocations(redis, sessionRevocationKeyPrefix(redisKeyPrefix))
    : processSessionRevocations;
}
