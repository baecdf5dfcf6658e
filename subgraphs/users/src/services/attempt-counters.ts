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

export interface AttemptCounters {
  /** Adds one to the key's count, opening a window if none is open. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
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
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 1 then return redis.call('DECR', KEYS[1]) end
if count == 1 then redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisAttemptCounters implements AttemptCounters {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, ttl] = (await this.redis.eval(HIT, 1, this.prefix + key, windowMs)) as [number, number];
    return { count, resetsInMs: ttl };
  }

  async undo(key: string): Promise<void> {
    await this.redis.eval(UNDO, 1, this.prefix + key);
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}

export class MemoryAttemptCounters implements AttemptCounters {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();
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

  async undo(key: string): Promise<void> {
    const window = this.windows.get(key);
    if (!window) return;
    window.count -= 1;
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
