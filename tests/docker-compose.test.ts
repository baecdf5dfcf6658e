import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readSupergraphConfig, repoRoot } from '../scripts/lib/supergraph-config';

/**
 * No Docker engine runs here, so docker-compose.yml is checked structurally: every subgraph of
 * supergraph.yaml has a service on the port the supergraph routes to, with the environment it
 * needs and a health check that asks its readiness endpoint; the gateway routes to each of them.
 */
interface Service {
  build?: string;
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  command?: string[];
  entrypoint?: string[];
  volumes?: string[];
}

const compose = parse(readFileSync(resolve(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const subgraphs = readSupergraphConfig();
const dockerfile = readFileSync(resolve(repoRoot, 'Dockerfile'), 'utf8');
const envExample = readFileSync(resolve(repoRoot, '.env.example'), 'utf8');
const mongoInit = readFileSync(resolve(repoRoot, 'deploy/mongo-init/create-app-users.js'), 'utf8');
const readmeText = readFileSync(resolve(repoRoot, 'README.md'), 'utf8');
/** `${NAME:?message}`: compose refuses to start without the secret. */
const requiredSecret = (name: string) => new RegExp(`\\$\\{${name}:\\?[^}]+\\}`);

describe('docker-compose.yml', () => {
  it('runs MongoDB as a replica set (transactions need one) and Redis, both health-checked', () => {
    const mongo = compose.services.mongo!;
    expect(mongo.command).toEqual(expect.arrayContaining(['--replSet', 'rs0', '--keyFile']));
    expect(JSON.stringify(mongo.healthcheck?.test)).toContain('rs.initiate');
    expect(JSON.stringify(compose.services.redis?.healthcheck?.test)).toContain('ping');
  });

  it.each(subgraphs.map((s) => [s.name, s] as const))(
    'has a correct service for subgraph %s',
    (name, subgraph) => {
      const service = compose.services[name];
      expect(service, `service ${name}`).toBeDefined();
      const port = new URL(subgraph.routingUrl).port;
      const env = service!.environment ?? {};
      expect(env.PORT).toBe(port);
      expect(env.SERVICE).toBe(name);
      // Its own MongoDB user, on its own database, with a password that must be set.
      expect(env.MONGO_URL).toMatch(
        new RegExp(
          `^mongodb://novamart_${name}:\\$\\{MONGO_${name.toUpperCase()}_PASSWORD:\\?[^}]+\\}@mongo:27017/novamart_${name}\\?replicaSet=rs0&authSource=novamart_${name}$`,
        ),
      );
      expect(env.REDIS_URL).toMatch(/^redis:\/\/novamart:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/);
      expect(env.EVENTS_SIGNING_KEY).toMatch(requiredSecret('EVENTS_SIGNING_KEY'));
      expect(mongoInit).toContain(`'${name}'`);
      expect(envExample).toMatch(new RegExp(`^MONGO_${name.toUpperCase()}_PASSWORD=`, 'm'));
      expect(env.JWKS_URL).toBe('http://users:4001/.well-known/jwks.json');
      expect(env.HOST).toBe('0.0.0.0');
      // Not published: only the gateway is reachable from outside the compose network.
      expect(service!.ports, `${name} publishes no port`).toBeUndefined();
      expect(JSON.stringify(service!.healthcheck?.test)).toContain(`http://127.0.0.1:${port}/health/ready`);
      expect(service!.depends_on?.mongo?.condition).toBe('service_healthy');
      expect(service!.depends_on?.redis?.condition).toBe('service_healthy');
      expect(service!.build).toBe('.');
      // The entry the image runs for this service exists once the subgraph does.
      if (subgraph.typeDefs !== null)
        expect(existsSync(resolve(repoRoot, `subgraphs/${name}/src/main.ts`))).toBe(true);
    },
  );

  it('runs MongoDB with authentication and a replica set key, unpublished, with one user per subgraph database', () => {
    const mongo = compose.services.mongo!;
    expect(mongo.ports).toBeUndefined();
    const env = mongo.environment ?? {};
    expect(env.MONGO_INITDB_ROOT_PASSWORD).toMatch(requiredSecret('MONGO_ROOT_PASSWORD'));
    expect(env.MONGO_REPLICA_SET_KEY).toMatch(requiredSecret('MONGO_REPLICA_SET_KEY'));
    expect(JSON.stringify(mongo.entrypoint)).toContain('MONGO_REPLICA_SET_KEY');
    expect(mongo.volumes).toContain('./deploy/mongo-init:/docker-entrypoint-initdb.d:ro');
    expect(mongoInit).toMatch(/createUser\(/);
    expect(mongoInit).toMatch(/role: 'readWrite', db: database/);
    expect(JSON.stringify(mongo.healthcheck?.test)).toContain('--authenticationDatabase');
  });

  it('runs Redis with a password on an ACL user, the default user off, unpublished', () => {
    const redis = compose.services.redis!;
    expect(redis.ports).toBeUndefined();
    const command = (redis.command ?? []).join(' ');
    expect(command).toContain('default off');
    expect(command).toMatch(/novamart on >\$\{REDIS_PASSWORD:\?[^}]+\} ~novamart:\*/);
    expect(JSON.stringify(redis.healthcheck?.test)).toContain('--user novamart');
  });

  it('publishes the gateway only, and says how to set every secret', () => {
    // Reachable from the network: a port published on every interface (no host address, or 0.0.0.0).
    const onLoopback = (port: unknown) => /^(127\.0\.0\.1|\[::1\]):/.test(String(port));
    const published = Object.entries(compose.services)
      .filter(([, service]) => service.ports?.some((port) => !onLoopback(port)))
      .map(([name]) => name);
    expect(published).toEqual(['gateway']);
    // A tool's page for the operator (Jaeger's UI) may be on the host's loopback, and only in an
    // opt-in profile; nothing else publishes anything.
    const loopbackOnly = Object.entries(compose.services).filter(
      ([name, service]) => name !== 'gateway' && service.ports?.length,
    );
    expect(loopbackOnly.map(([name]) => name)).toEqual(['jaeger']);
    for (const [, service] of loopbackOnly) {
      expect(service.ports!.every(onLoopback)).toBe(true);
      expect(service.profiles).toEqual(['tracing']);
    }
    for (const secret of [
      'MONGO_ROOT_PASSWORD',
      'MONGO_REPLICA_SET_KEY',
      'REDIS_PASSWORD',
      'EVENTS_SIGNING_KEY',
    ])
      expect(envExample).toMatch(new RegExp(`^${secret}=`, 'm'));
    expect(readmeText).toContain('.env.example');
  });

  it('has a gateway that routes to every subgraph and waits for them', () => {
    const gateway = compose.services.gateway!;
    expect(gateway.environment?.PORT).toBe('4000');
    expect(gateway.environment?.REDIS_URL).toMatch(
      /^redis:\/\/novamart:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/,
    );
    expect(gateway.environment?.TRUST_PROXY).toBeDefined();
    for (const subgraph of subgraphs) {
      const port = new URL(subgraph.routingUrl).port;
      expect(gateway.environment?.[`${subgraph.name.toUpperCase()}_URL`]).toBe(
        `http://${subgraph.name}:${port}/graphql`,
      );
      expect(gateway.depends_on?.[subgraph.name]?.condition).toBe('service_healthy');
    }
    expect(JSON.stringify(gateway.healthcheck?.test)).toContain('http://127.0.0.1:4000/health');
  });

  it("gives orders and cart one default shipping rule (checkout charges what the cart's totals show)", () => {
    for (const variable of ['SHIPPING_FLAT_RATE', 'FREE_SHIPPING_THRESHOLD']) {
      const orders = compose.services.orders?.environment?.[variable];
      expect(orders, variable).toMatch(new RegExp(`^\\$\\{${variable}:-\\d+\\}$`));
      expect(compose.services.cart?.environment?.[variable], variable).toBe(orders);
      expect(envExample).toMatch(new RegExp(`^${variable}=`, 'm'));
    }
  });

  it('builds from a Dockerfile that installs from the lock file and copies every workspace manifest', () => {
    expect(dockerfile).toMatch(/npm ci/);
    // Every workspace the root package.json names (globs expanded): npm ci needs each manifest.
    const root = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const workspaces = root.workspaces.flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(resolve(repoRoot, pattern.slice(0, -2)))
            .map((name) => `${pattern.slice(0, -2)}/${name}`)
            .filter((dir) => existsSync(resolve(repoRoot, dir, 'package.json')))
        : [pattern],
    );
    expect(workspaces).toEqual(expect.arrayContaining(['gateway', 'storefront', 'subgraphs/orders']));
    for (const ws of workspaces) expect(dockerfile).toContain(`COPY ${ws}/package.json ${ws}/`);
  });

  it('serves the storefront from the gateway container: built in the image, STOREFRONT_DIR set', () => {
    expect(dockerfile).toMatch(/RUN npm run build -w @novamart\/storefront/);
    expect(compose.services.gateway?.environment?.STOREFRONT_DIR).toBe('/app/storefront/dist');
    expect(readFileSync(resolve(repoRoot, '.dockerignore'), 'utf8')).toMatch(/^storefront\/dist$/m);
  });
});
