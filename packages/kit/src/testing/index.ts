export {
  createTestTokens,
  createTestTokens as testTokens,
  tamper,
  type SignOptions,
  type TestTokens,
} from './tokens';
export { uniqueDbName } from './db-name';
export { requireRedis, testRedisUrl, uniqueKeyPrefix } from './redis';
export { leaseEmbeddedMongoForTests, startEmbeddedMongoForTests, type TestMongo } from './embedded-mongo';
export { eventually, settle, type EventuallyOptions, type SettleOptions, type UnfinishedWork } from './wait';
export { failure, outcome, thrown, type Failure } from './failure';
export { startServiceHarness, type ServiceHarness, type ServiceHarnessOptions } from './service-harness';
export {
  startSubgraphForTests,
  type StartSubgraphForTestsOptions,
  type TestSubgraph,
  type TestGraphQLResult,
} from './subgraph';
export { startTracingForTests, type TestTracing } from './tracing';
