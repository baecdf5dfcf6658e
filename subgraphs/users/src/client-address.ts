import { AsyncLocalStorage } from 'node:async_hooks';
import { BlockList, isIP } from 'node:net';
import express, { type Express, type Request } from 'express';

/**
 * Which peers may tell us the client's address in `x-forwarded-for` (TRUST_PROXY, Express's
 * "trust proxy" forms): `true` (all), `false` (none: the socket is the client), a hop count, or
 * comma-separated addresses, subnets and the names `loopback`, `linklocal`, `uniquelocal`.
 */
export type TrustProxy = (address: string, hop: number) => boolean;

const NAMED: Record<string, [string, number, 'ipv4' | 'ipv6'][]> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  linklocal: [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
  uniquelocal: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
};

export function parseTrustProxy(setting: string): TrustProxy {
  const value = setting.trim().toLowerCase();
  if (value === 'true') return () => true;
  if (value === 'false' || value === '') return () => false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  const list = new BlockList();
  for (const entry of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const named = NAMED[entry];
    if (named) {
      for (const [net, prefix, type] of named) list.addSubnet(net, prefix, type);
      continue;
    }
    const [net, prefix] = entry.split('/');
    const type = isIP(net ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (!net || isIP(net) === 0) throw new Error(`TRUST_PROXY: "${entry}" is not an address or subnet`);
    if (prefix === undefined) list.addAddress(net, type);
    else list.addSubnet(net, Number(prefix), type);
  }
  return (address) => {
    const type = isIP(address);
    return type !== 0 && list.check(address, type === 6 ? 'ipv6' : 'ipv4');
  };
}

const fold = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

/**
 * The address login attempts are counted against: the socket's peer, unless it is a trusted proxy
 * (the gateway), in which case the right-most `x-forwarded-for` entry, and so on while that entry
 * is trusted too. Entries a client wrote itself are never reached: the walk stops at the first
 * untrusted hop.
 */
export function clientAddressOf(req: Pick<Request, 'headers' | 'socket'>, trust: TrustProxy): string | null {
  const forwarded = req.headers['x-forwarded-for'];
  const header = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  const hops = (header ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
    .map(fold);
  const peer = req.socket.remoteAddress;
  if (!peer) return null;
  let address = fold(peer);
  for (let hop = 0; hops.length > 0 && trust(address, hop); hop++) address = hops.pop()!;
  return address;
}

const storage = new AsyncLocalStorage<string | null>();

/** The client address of the GraphQL request being executed. */
export function currentClientAddress(): string | null {
  return storage.getStore() ?? null;
}

/**
 * The kit builds the resolver context without the HTTP request, so the address is carried to it
 * in async-local storage. The body is parsed first (the kit's parser then sees it done and passes):
 * a store entered before the parser would be lost in the stream callbacks that finish it.
 */
export function captureClientAddress(app: Express, trustProxy: string): void {
  const trust = parseTrustProxy(trustProxy);
  app.use('/graphql', express.json({ limit: '1mb' }), (req, _res, next) =>
    storage.run(clientAddressOf(req, trust), next),
  );
}
