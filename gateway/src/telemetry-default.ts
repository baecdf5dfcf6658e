/**
 * NovaMart never phones home by default. `@apollo/gateway` starts an OpenTelemetry metrics
 * exporter to Apollo's usage-reporting endpoint, whose resource detectors probe cloud-metadata
 * addresses, whenever APOLLO_TELEMETRY_DISABLED is not `true` or `1` when an ApolloGateway is
 * constructed. npm start, the tests, the Dockerfile and docker-compose set the variable too; this
 * is the place that holds for every other way of running the gateway. A user who wants Apollo's
 * telemetry sets APOLLO_TELEMETRY_DISABLED=false.
 */
export function disableApolloTelemetryUnlessChosen(env: NodeJS.ProcessEnv = process.env): void {
  if (!env.APOLLO_TELEMETRY_DISABLED) env.APOLLO_TELEMETRY_DISABLED = 'true';
}
