import { type Logger } from '@novamart/kit';
import { type Redis } from 'ioredis';

/**
 * Where computed recommendation lists are kept. Invalidation is by generation: every list's key
 * includes the generation numbers of the scopes it depends on (a user, a product, the catalog), and
 * a change bumps the scope's generation, so later readers miss and recompute while stale entries
 * simply expire. A reader racing a bump can only store under the old generation, never serve stale
 * data under the new one.
 */
export interface RecoCache {
  readonly kind: 'redis' | 'memory';
  /** Current generations of the scopes, 0 for a scope never bumped; one round trip. */
  generations(scopes: readonly string[]): Promise<number[]>;
  bump(scopes: readonly string[]): Promise<void>;
  getMany<T>(keys: readonly string[]): Promise<(T | null)[]>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
}

/** Generations outlive every list (TTL at most a day), so one that expires can't revive an old entry. */
const GENERATION_TTL_SECONDS = 7 * 86_400;

export class RedisRecoCache implements RecoCache {
  readonly kind = 'redis';
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: { keyPrefix?: string; logger?: Logger } = {},
  ) {
    this.prefix = `${options.keyPrefix ?? 'novamart'}:reco`;
    this.logger = options.logger;
  }

  private readonly logger: Logger | undefined;

  async generations(scopes: readonly string[]): Promise<number[]> {
    if (scopes.length === 0) return [];
    try {
      const values = await this.redis.mget(scopes.map((s) => `${this.prefix}:gen:${s}`));
      return values.map((v) => (v === null ? 0 : Number(v)));
    } catch (error) {
      // Without generations nothing may be read from the cache: -1 marks them unknown.
      this.logger?.warn({ err: error }, 'recommendation cache unavailable; computing without it');
      return scopes.map(() => -1);
    }
  }

  async bump(scopes: readonly string[]): Promise<void> {
    if (scopes.length === 0) return;
    const multi = this.redis.multi();
    for (const scope of scopes) {
      const key = `${this.prefix}:gen:${scope}`;
      multi.incr(key).expire(key, GENERATION_TTL_SECONDS);
    }
    try {
      await multi.exec();
    } catch (error) {
      this.logger?.error(
        { err: error, scopes },
        'could not invalidate cached recommendations; they expire with their TTL',
      );
    }
  }

  async getMany<T>(keys: readonly string[]): Promise<(T | null)[]> {
    if (keys.length === 0) return [];
    try {
      const values = await this.redis.mget(keys.map((k) => `${this.prefix}:list:${k}`));
      return values.map((v) => (v === null ? null : (JSON.parse(v) as T)));
    } catch (error) {
      this.logger?.warn({ err: error }, 'recommendation cache read failed; computing without it');
      return keys.map(() => null);
    }
  }

  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    try {
      await this.redis.set(`${this.prefix}:list:${key}`, JSON.stringify(value), 'EX', ttlSeconds);
    } catch (error) {
      this.logger?.warn({ err: error }, 'recommendation cache write failed');
    }
  }
}

/** The same cache in this process's memory, for runs without Redis. Bounded: oldest entries go first. */
export class MemoryRecoCache implements RecoCache {
  readonly kind = 'memory';
  private readonly lists = new Map<string, { json: string; expiresAt: number }>();
  private readonly gens = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async generations(scopes: readonly string[]): Promise<number[]> {
    return scopes.map((s) => this.gens.get(s) ?? 0);
  }

  async bump(scopes: readonly string[]): Promise<void> {
    for (const s of scopes) this.gens.set(s, (this.gens.get(s) ?? 0) + 1);
  }

  async getMany<T>(keys: readonly string[]): Promise<(T | null)[]> {
    const now = this.now();
    return keys.map((key) => {
      const entry = this.lists.get(key);
      if (!entry) return null;
      if (entry.expiresAt <= now) {
        this.lists.delete(key);
        return null;
      }
      return JSON.parse(entry.json) as T;
    });
  }

  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.lists.delete(key);
    this.lists.set(key, { json: JSON.stringify(value), expiresAt: this.now() + ttlSeconds * 1000 });
    while (this.lists.size > this.maxEntries) {
      const oldest = this.lists.keys().next().value;
      if (oldest === undefined) break;
      this.lists.delete(oldest);
    }
  }
}
