/**
 * Fixed-window counters for the login throttle, behind one interface: Redis when the runtime has it
 * (so that the limit holds across instances), process memory otherwise. A window opens with the
 * first hit on a key and lasts `windowMs`.
 */
export interface WindowCount {
  count: number;
  /** Milliseconds until the window closes and the count starts again from zero. */
  resetsInMs: number;
}

/** The outcome of an attempt under exponential backoff. */
export interface BackoffHit {
  /** Attempts counted under the key (this one included when it was admitted). */
  count: number;
  /** 0: admitted and counted. Otherwise the attempt came too early, was not counted, and may come back in this many ms. */
  waitMs: number;
}

/** How attempts on a key are spaced: `free` at once, then base, 2·base, 4·base... up to max. */
export interface BackoffPolicy {
  free: number;
  baseMs: number;
  maxMs: number;
  /** Counts are forgotten this long after the last attempt. */
  windowMs: number;
}

export interface AttemptCounters {
  /** Adds one to the key's count, opening a window if none is open. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  /**
   * Admits an attempt on the key if its delay has passed, and sets the delay before the next one
   * (atomic, so that concurrent attempts cannot slip in under one delay). `undo` takes one back and
   * lifts the delay; `clear` forgets the key.
   */
  backoff(key: string, policy: BackoffPolicy): Promise<BackoffHit>;
  /** Takes one back (an attempt that turned out not to be a failure); never below zero. */
  undo(key: string): Promise<void>;
  clear(key: string): Promise<void>;
}

/** The subset of ioredis used here. */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
}

const HIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }`;

const UNDO = `
if redis.call('TYPE', KEYS[1]).ok == 'hash' then
  local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
  if count > 1 then redis.call('HSET', KEYS[1], 'count', count - 1, 'until', 0) return count - 1 end
  redis.call('DEL', KEYS[1])
  return 0
end
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 1 then return redis.call('DECR', KEYS[1]) end
if count == 1 then redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS[1]; ARGV: now, free, baseMs, maxMs, windowMs. Returns { count, waitMs }.
const BACKOFF = `
local now = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'count', 'until')
local count = tonumber(state[1] or '0')
local notBefore = tonumber(state[2] or '0')
if notBefore > now then return { count, notBefore - now } end
count = count + 1
local delay = 0
if count >= tonumber(ARGV[2]) then
  delay = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ (count - tonumber(ARGV[2])))
end
redis.call('HSET', KEYS[1], 'count', count, 'until', now + delay)
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[5]), delay))
return { count, 0 }`;

/** The delay after the `count`-th attempt: none for the first `free - 1`, then doubling. */
export function backoffDelayMs(count: number, policy: BackoffPolicy): number {
  if (count < policy.free) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (count - policy.free));
}

export class RedisAttemptCounters implements AttemptCounters {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, ttl] = (await this.redis.eval(HIT, 1, this.prefix + key, windowMs)) as [number, number];
    return { count, resetsInMs: ttl };
  }

  async backoff(key: string, policy: BackoffPolicy): Promise<BackoffHit> {
    const [count, waitMs] = (await this.redis.eval(
      BACKOFF,
      1,
      this.prefix + key,
      Date.now(),
      policy.free,
      policy.baseMs,
      policy.maxMs,
      policy.windowMs,
    )) as [number, number];
    return { count, waitMs };
  }

  async undo(key: string): Promise<void> {
    await this.redis.eval(UNDO, 1, this.prefix + key);
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}

export class MemoryAttemptCounters implements AttemptCounters {
  private readonly windows = new Map<string, { count: number; endsAt: number; notBefore?: number }>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    this.sweep(now, windowMs);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetsInMs: window.endsAt - now };
  }

  async backoff(key: string, policy: BackoffPolicy): Promise<BackoffHit> {
    const now = this.now();
    this.sweep(now, policy.windowMs);
    let state = this.windows.get(key);
    if (state && state.endsAt <= now) state = undefined;
    if (state?.notBefore !== undefined && state.notBefore > now) {
      return { count: state.count, waitMs: state.notBefore - now };
    }
    const count = (state?.count ?? 0) + 1;
    const delay = backoffDelayMs(count, policy);
    this.windows.set(key, { count, notBefore: now + delay, endsAt: now + Math.max(policy.windowMs, delay) });
    return { count, waitMs: 0 };
  }

  async undo(key: string): Promise<void> {
    const window = this.windows.get(key);
    if (!window) return;
    window.count -= 1;
    if (window.notBefore !== undefined) window.notBefore = 0;
    if (window.count <= 0) this.windows.delete(key);
  }

  async clear(key: string): Promise<void> {
    this.windows.delete(key);
  }

  /** Drops closed windows now and then, so that a spray of distinct keys cannot grow the map forever. */
  private sweep(now: number, windowMs: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + windowMs;
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}
