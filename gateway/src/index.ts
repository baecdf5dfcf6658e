export {
  createGateway,
  startGateway,
  GRAPHQL_PATH,
  type Gateway,
  type GatewayOptions,
  type RunningGateway,
} from './gateway';
export {
  loadGatewayConfig,
  gatewayConfigShape,
  subgraphUrlsFromEnv,
  corsOrigins,
  type GatewayConfig,
} from './config';
export type { GatewayContext } from './context';
export {
  measureOperation,
  enforceOperationLimits,
  type OperationLimits,
  type OperationMeasure,
} from './limits';
export { subgraphsOf, type SubgraphEndpoint } from './supergraph-subgraphs';
export { liveFields, type LiveFieldSpec } from './live/live-fields';
export type { ExecuteThroughGateway, GatewayResponse } from './live/subscription-server';
