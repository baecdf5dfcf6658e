export {
  createTestTokens,
  createTestTokens as testTokens,
  tamper,
  type SignOptions,
  type TestTokens,
} from './tokens';
export { uniqueDbName } from './db-name';
export { requireRedis, testRedisUrl, uniqueKeyPrefix } from './redis';
export { startEmbeddedMongoForTests, type TestMongo } from './embedded-mongo';
export {
  startSubgraphForTests,
  type StartSubgraphForTestsOptions,
  type TestSubgraph,
  type TestGraphQLResult,
} from './subgraph';
export { startTracingForTests, type TestTracing } from './tracing';
