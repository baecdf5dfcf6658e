import { type Redis } from 'ioredis';
import { InProcessBus, MemoryStreamBroker, type StreamBus, type StreamBusOptions } from '../../src';
import { RedisStreamsBus } from '../../src/redis';
import { REDIS_URL, deleteKeys, requireRedis, uniquePrefix } from './redis';

/**
 * One transport under test. Every bus made from an environment shares its storage, like processes
 * sharing one Redis, so a test can kill one consumer and watch another take over.
 */
export interface BusEnv {
  kind: 'redis' | 'in-process';
  bus(options?: StreamBusOptions): StreamBus;
  /** Unacknowledged entries of a group on a domain's stream, read from the storage itself. */
  pending(group: string, domain: string): Promise<number>;
  streamLength(domain: string): Promise<number>;
  dispose(): Promise<void>;
}

// Short timings so that recovery paths run within a test.
const fast: StreamBusOptions = { claimIdleMs: 400, blockMs: 200, maxAttempts: 3 };

export const busKinds: { kind: BusEnv['kind']; create(label: string): Promise<BusEnv> }[] = [
  {
    kind: 'redis',
    async create(label) {
      const redis: Redis = await requireRedis();
      const keyPrefix = uniquePrefix(label);
      const buses: StreamBus[] = [];
      return {
        kind: 'redis',
        bus(options) {
          const bus = new RedisStreamsBus(REDIS_URL, { ...fast, keyPrefix, ...options });
          buses.push(bus);
          return bus;
        },
        async pending(group, domain) {
          const reply = (await redis.xpending(`${keyPrefix}:events:${domain}`, group)) as [number];
          return Number(reply[0]);
        },
        streamLength: (domain) => redis.xlen(`${keyPrefix}:events:${domain}`),
        async dispose() {
          await Promise.all(buses.map((b) => b.close()));
          await deleteKeys(redis, keyPrefix);
          await redis.quit();
        },
      };
    },
  },
  {
    kind: 'in-process',
    async create() {
      const broker = new MemoryStreamBroker();
      const buses: StreamBus[] = [];
      const keyPrefix = 'novamart';
      return {
        kind: 'in-process',
        bus(options) {
          const bus = new InProcessBus({ ...fast, broker, keyPrefix, ...options });
          buses.push(bus);
          return bus;
        },
        pending: (group, domain) => broker.pendingCount(`${keyPrefix}:events:${domain}`, group),
        streamLength: async (domain) => broker.length(`${keyPrefix}:events:${domain}`),
        async dispose() {
          await Promise.all(buses.map((b) => b.close()));
        },
      };
    },
  },
];
