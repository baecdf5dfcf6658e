// runOnRequirements: what the server under test advertises, and whether a requirement holds.
import { type MongoClient } from 'mongodb';
import { numbersEqual, numericValue, render } from './values';

export type Topology = 'single' | 'replicaset' | 'sharded' | 'load-balanced';

export interface ServerInfo {
  version: [number, number, number];
  versionString: string;
  topology: Topology;
  authEnabled: boolean;
  maxWireVersion: number;
  /** getParameter answers, cached by name; `undefined` = the server does not know the parameter. */
  parameters: Map<string, unknown>;
  client: MongoClient;
}

export interface RunOnRequirement {
  minServerVersion?: string;
  maxServerVersion?: string;
  topologies?: string[];
  serverless?: 'require' | 'forbid' | 'allow';
  serverParameters?: Record<string, unknown>;
  auth?: boolean;
  authMechanism?: string;
  csfle?: boolean | Record<string, unknown>;
}

export async function describeServer(client: MongoClient): Promise<ServerInfo> {
  const admin = client.db('admin');
  const buildInfo = await admin.command({ buildInfo: 1 });
  const hello = await admin.command({ hello: 1 });
  const versionArray =
    (buildInfo.versionArray as unknown[] | undefined) ?? String(buildInfo.version).split('.');
  const version = [0, 1, 2].map((i) => Number(numericValue(versionArray[i]) ?? versionArray[i] ?? 0)) as [
    number,
    number,
    number,
  ];
  let topology: Topology = 'single';
  if (hello.msg === 'isdbgrid') topology = 'sharded';
  else if (hello.serviceId) topology = 'load-balanced';
  else if (hello.setName) topology = 'replicaset';

  let authEnabled: boolean;
  try {
    const status = await admin.command({ connectionStatus: 1 });
    authEnabled = ((status.authInfo?.authenticatedUsers as unknown[] | undefined) ?? []).length > 0;
  } catch {
    authEnabled = false;
  }
  return {
    version,
    versionString: String(buildInfo.version),
    topology,
    authEnabled,
    maxWireVersion: Number(hello.maxWireVersion ?? 0),
    parameters: new Map(),
    client,
  };
}

/** Parses "8", "8.0" or "8.0.1-rc0" into three numeric components. */
export function parseVersion(text: string): [number, number, number] {
  const parts = text
    .split('-')[0]!
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

export function compareVersions(a: [number, number, number], b: [number, number, number]): number {
  for (let i = 0; i < 3; i++) {
    if (a[i]! !== b[i]!) return a[i]! - b[i]!;
  }
  return 0;
}

/** The reason the requirement is not met, or undefined when it is. */
export async function unmetReason(
  requirement: RunOnRequirement,
  server: ServerInfo,
): Promise<string | undefined> {
  if (
    requirement.minServerVersion &&
    compareVersions(server.version, parseVersion(requirement.minServerVersion)) < 0
  ) {
    return `requires server >= ${requirement.minServerVersion} (server reports ${server.versionString})`;
  }
  if (
    requirement.maxServerVersion &&
    compareVersions(server.version, parseVersion(requirement.maxServerVersion)) > 0
  ) {
    return `requires server <= ${requirement.maxServerVersion} (server reports ${server.versionString})`;
  }
  if (requirement.topologies) {
    const accepted = requirement.topologies.map((t) => (t === 'sharded-replicaset' ? 'sharded' : t));
    if (!accepted.includes(server.topology)) {
      return `requires topology ${requirement.topologies.join('|')} (server is ${server.topology})`;
    }
  }
  // The embedded server and MONGO_URL deployments here are never Atlas Serverless.
  if (requirement.serverless === 'require') return 'requires Atlas Serverless';
  if (requirement.auth === true && !server.authEnabled) return 'requires authentication to be enabled';
  if (requirement.auth === false && server.authEnabled) return 'requires authentication to be disabled';
  if (requirement.authMechanism) {
    const mechanisms = await parameter(server, 'authenticationMechanisms');
    const list = Array.isArray(mechanisms) ? mechanisms.map((m) => String(m).toLowerCase()) : [];
    if (!list.includes(requirement.authMechanism.toLowerCase())) {
      return `requires auth mechanism ${requirement.authMechanism}`;
    }
  }
  if (requirement.csfle !== undefined && requirement.csfle !== false) {
    return 'requires client-side field level encryption (out of scope: no libmongocrypt here)';
  }
  for (const [name, expected] of Object.entries(requirement.serverParameters ?? {})) {
    const actual = await parameter(server, name);
    if (!sameParameterValue(expected, actual)) {
      return `requires server parameter ${name}=${render(expected)} (server: ${render(actual)})`;
    }
  }
  return undefined;
}

/** A list of requirements holds when any one of them does; returns the reasons otherwise. */
export async function requirementsReason(
  requirements: RunOnRequirement[] | undefined,
  server: ServerInfo,
): Promise<string | undefined> {
  if (!requirements || requirements.length === 0) return undefined;
  const reasons: string[] = [];
  for (const requirement of requirements) {
    const reason = await unmetReason(requirement, server);
    if (reason === undefined) return undefined;
    reasons.push(reason);
  }
  return [...new Set(reasons)].join('; or ');
}

async function parameter(server: ServerInfo, name: string): Promise<unknown> {
  if (!server.parameters.has(name)) {
    try {
      const reply = await server.client.db('admin').command({ getParameter: 1, [name]: 1 });
      server.parameters.set(name, reply[name]);
    } catch {
      server.parameters.set(name, undefined);
    }
  }
  return server.parameters.get(name);
}

function sameParameterValue(expected: unknown, actual: unknown): boolean {
  if (actual === undefined) return false;
  const a = numericValue(expected);
  const b = numericValue(actual);
  if (a !== undefined && b !== undefined) return numbersEqual(a, b);
  return JSON.stringify(expected) === JSON.stringify(actual);
}
