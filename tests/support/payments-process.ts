// The payments subgraph as a process of its own, for the crash tests (tests/payment-crash.e2e.test.ts):
// the real module, configured from the environment as `runSubgraph` configures it, on the harness's
// MongoDB and Redis. The harness's Redis key prefix and the payments database name come in
// PAYMENTS_TEST_KEY_PREFIX and PAYMENTS_TEST_DB (a standalone subgraph always uses `novamart`
// and `novamart_payments`). Prints `READY <url>` once it serves; SIGTERM drains as in production.
import {
  createLogger,
  createRedis,
  createSubgraphRuntime,
  createTokenVerifier,
  loadConfig,
  startSubgraph,
} from '@novamart/kit';
import { RedisLiveBus, RedisStreamsBus } from '@novamart/events/redis';
import { paymentsSubgraph } from '@novamart/payments';

const keyPrefix = process.env.PAYMENTS_TEST_KEY_PREFIX!;
const config = loadConfig(paymentsSubgraph.configShape);
const logger = createLogger('payments', { level: config.LOG_LEVEL });
const redisUrl = config.REDIS_URL!;
const bus = new RedisStreamsBus(
  () => createRedis(redisUrl, 'payments-events', { logger, redis: { maxRetriesPerRequest: null } }),
  // A killed predecessor's unacknowledged entries are claimed after a second, not 30.
  { logger, keyPrefix, claimIdleMs: 1_000, blockMs: 200 },
);
const live = new RedisLiveBus(redisUrl, { logger, keyPrefix });
const owned = await createSubgraphRuntime(paymentsSubgraph, {
  config: config as never,
  logger,
  dbName: process.env.PAYMENTS_TEST_DB!,
  bus,
  live,
});
const running = await startSubgraph(paymentsSubgraph, owned.runtime, {
  port: 0,
  host: '127.0.0.1',
  verifier: createTokenVerifier({ jwksUrl: config.JWKS_URL }),
});
await bus.start();
process.stdout.write(`READY ${running.url}\n`);

process.on('SIGTERM', () => {
  void (async () => {
    await running.stop();
    await owned.close();
    await bus.close();
    await live.close();
    process.exit(0);
  })();
});
