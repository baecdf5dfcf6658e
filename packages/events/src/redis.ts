/**
 * `@novamart/events/redis`: the Redis implementations of the event bus and the live bus. Kept
 * apart from the package root so that code on the in-process buses (tests, the all-in-one
 * process without REDIS_URL) never loads ioredis.
 */
export { RedisStreamsBus, type RedisStreamsBusOptions } from './redis-streams-bus';
export { RedisLiveBus, type RedisLiveBusOptions } from './redis-live-bus';
