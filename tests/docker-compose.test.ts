import { existsSync, readFileSync } from 'node:fs';
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
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  command?: string[];
}

const compose = parse(readFileSync(resolve(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const subgraphs = readSupergraphConfig();
const dockerfile = readFileSync(resolve(repoRoot, 'Dockerfile'), 'utf8');

describe('docker-compose.yml', () => {
  it('runs MongoDB as a replica set (transactions need one) and Redis, both health-checked', () => {
    const mongo = compose.services.mongo!;
    expect(mongo.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
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
      expect(env.MONGO_URL).toMatch(/^mongodb:\/\/mongo:27017\/\?replicaSet=rs0$/);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.JWKS_URL).toBe('http://users:4001/.well-known/jwks.json');
      expect(env.HOST).toBe('0.0.0.0');
      expect(service!.ports).toContain(`${port}:${port}`);
      expect(JSON.stringify(service!.healthcheck?.test)).toContain(`http://127.0.0.1:${port}/health/ready`);
      expect(service!.depends_on?.mongo?.condition).toBe('service_healthy');
      expect(service!.depends_on?.redis?.condition).toBe('service_healthy');
      expect(service!.build).toBe('.');
      // The entry the image runs for this service exists once the subgraph does.
      if (subgraph.typeDefs !== null)
        expect(existsSync(resolve(repoRoot, `subgraphs/${name}/src/main.ts`))).toBe(true);
    },
  );

  it('has a gateway that routes to every subgraph and waits for them', () => {
    const gateway = compose.services.gateway!;
    expect(gateway.environment?.PORT).toBe('4000');
    expect(gateway.environment?.REDIS_URL).toBe('redis://redis:6379');
    for (const subgraph of subgraphs) {
      const port = new URL(subgraph.routingUrl).port;
      expect(gateway.environment?.[`${subgraph.name.toUpperCase()}_URL`]).toBe(
        `http://${subgraph.name}:${port}/graphql`,
      );
      expect(gateway.depends_on?.[subgraph.name]?.condition).toBe('service_healthy');
    }
    expect(JSON.stringify(gateway.healthcheck?.test)).toContain('http://127.0.0.1:4000/health');
  });

  it('builds from a Dockerfile that installs from the lock file and copies every workspace manifest', () => {
    expect(dockerfile).toMatch(/npm ci/);
    const workspaces = [
      'packages/kit',
      'packages/events',
      'packages/mongo-server',
      'gateway',
      ...subgraphs.map((s) => `subgraphs/${s.name}`),
    ];
    for (const ws of workspaces) expect(dockerfile).toContain(`COPY ${ws}/package.json ${ws}/`);
  });
});
