/**
 * A benchmark child process: `@graphql-hive/gateway` (its runtime on Node's HTTP server, no
 * usage reporting, no telemetry) on the supergraph in BENCH_SUPERGRAPH_FILE, whose routing URLs
 * point at the running subgraphs: a peer federation gateway on the same subgraphs. Prints
 * `READY <json>` with its URL.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime, Logger } from '@graphql-hive/gateway';

async function main(): Promise<void> {
  const file = process.env.BENCH_SUPERGRAPH_FILE;
  if (!file) throw new Error('BENCH_SUPERGRAPH_FILE is required');
  const supergraph = readFileSync(file, 'utf8');
  const runtime = createGatewayRuntime({
    supergraph,
    logging: new Logger({ level: false }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false,
  });
  const server = createServer(runtime);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  console.log(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}/graphql` })}`);
  process.on('SIGTERM', () => {
    server.close();
    void Promise.resolve(runtime.dispose()).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
