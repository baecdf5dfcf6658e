import { composeServices } from '@apollo/composition';
import mongoose from 'mongoose';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import {
  createLogger,
  createSubgraphRuntime,
  loadConfig,
  startSubgraph,
  type RunningSubgraph,
  type SubgraphModule,
} from '@novamart/kit';
import { createTestTokens, type TestTokens } from '@novamart/kit/testing';
import { InProcessBus, InProcessLiveBus, type LiveBus } from '@novamart/events';
import { loadGatewayConfig, startGateway, type RunningGateway } from '../../src';
import { ProbeWorld, probeOrdersSubgraph, probePaymentsSubgraph } from './probes';

const silent = () => createLogger('probe', { level: 'silent' });

export interface ProbeSupergraph {
  world: ProbeWorld;
  tokens: TestTokens;
  live: LiveBus;
  supergraphSdl: string;
  subgraphs: RunningSubgraph[];
  gateway: RunningGateway;
  /** Another gateway on the same supergraph, e.g. on another live bus. */
  startGateway(options: {
    live: LiveBus;
    env?: Record<string, string>;
    staticDir?: string;
  }): Promise<RunningGateway>;
  post(
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: any }>;
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<any>;
  stop(): Promise<void>;
}

/**
 * The probe subgraphs on port 0 behind a gateway on port 0, composed in memory. Subgraphs verify
 * tokens with the test key set, like the gateway does for subscribers.
 */
export async function startProbeSupergraph(
  options: { env?: Record<string, string>; live?: LiveBus } = {},
): Promise<ProbeSupergraph> {
  const world = new ProbeWorld();
  const tokens = await createTestTokens();
  const live = options.live ?? new InProcessLiveBus();
  const config = loadConfig({}, { NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const modules: SubgraphModule[] = [probeOrdersSubgraph(world), probePaymentsSubgraph(world)];
  const subgraphs: RunningSubgraph[] = [];
  const gateways: RunningGateway[] = [];
  const closers: (() => Promise<void>)[] = [];

  for (const module of modules) {
    // The probes keep their state in memory: their connection is never opened.
    const owned = await createSubgraphRuntime(module, {
      config,
      logger: silent(),
      mongo: mongoose.createConnection(),
      bus: new InProcessBus(),
      live,
      redis: null,
    });
    const running = await startSubgraph(module, owned.runtime, {
      port: 0,
      host: '127.0.0.1',
      verifier: tokens.verifier,
    });
    subgraphs.push(running);
    closers.push(async () => {
      await running.stop();
      await owned.close();
    });
  }
  const composed = composeServices(
    subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: s.instance.typeDefs })),
  );
  if (composed.errors)
    throw new Error(`probe composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
  const supergraphSdl = composed.supergraphSdl;

  const launch = async (launchOptions: {
    live: LiveBus;
    env?: Record<string, string>;
    staticDir?: string;
  }) => {
    const gateway = await startGateway({
      ...(launchOptions.staticDir ? { staticDir: launchOptions.staticDir } : {}),
      supergraphSdl,
      live: launchOptions.live,
      config: loadGatewayConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...launchOptions.env }),
      logger: silent(),
      verifier: tokens.verifier,
      port: 0,
      host: '127.0.0.1',
    });
    gateways.push(gateway);
    return gateway;
  };
  const gateway = await launch({ live, ...(options.env ? { env: options.env } : {}) });

  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: tests look at the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  return {
    world,
    tokens,
    live,
    supergraphSdl,
    subgraphs,
    gateway,
    startGateway: launch,
    post,
    query: async (query, variables, headers) => (await post({ query, variables }, headers)).body,
    async stop() {
      for (const g of gateways) await g.stop();
      for (const close of closers) await close();
      await live.close();
    },
  };
}

/** A graphql-ws client that never retries: tests see the first refusal. */
export function wsClient(
  url: string,
  connectionParams?: Record<string, unknown>,
  extra: Partial<Parameters<typeof createClient>[0]> = {},
): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(connectionParams ? { connectionParams } : {}),
    ...extra,
  });
}

export interface Subscription {
  /** Resolves with the next event (waits for it). */
  next(timeoutMs?: number): Promise<FormattedExecutionResult<any, unknown>>;
  /** Resolves with the errors the subscription ended with (rejects if it ends cleanly). */
  failure: Promise<unknown>;
  dispose(): void;
}

/** Subscribes and buffers events so tests can await them one by one. */
export function subscribe(client: Client, query: string, variables?: Record<string, unknown>): Subscription {
  const events: FormattedExecutionResult<any, unknown>[] = [];
  const waiters: ((event: FormattedExecutionResult<any, unknown>) => void)[] = [];
  let settleFailure: (value: unknown) => void = () => undefined;
  let rejectFailure: (reason: unknown) => void = () => undefined;
  const failure = new Promise<unknown>((resolve, reject) => {
    settleFailure = resolve;
    rejectFailure = reject;
  });
  failure.catch(() => undefined);
  const dispose = client.subscribe<any>(
    { query, ...(variables ? { variables } : {}) },
    {
      next: (event) => {
        const waiter = waiters.shift();
        if (waiter) waiter(event);
        else events.push(event);
      },
      error: (error) => settleFailure(error),
      complete: () => rejectFailure(new Error('subscription completed without an error')),
    },
  );
  return {
    next(timeoutMs = 5000) {
      const event = events.shift();
      if (event) return Promise.resolve(event);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no subscription event within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push((e) => {
          clearTimeout(timer);
          resolve(e);
        });
      });
    },
    failure,
    dispose,
  };
}
