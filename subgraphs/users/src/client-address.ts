import { AsyncLocalStorage } from 'node:async_hooks';
import express, { type Express, type Request } from 'express';

/**
 * The address login attempts are counted against. Behind the gateway the socket is the gateway,
 * so the gateway passes the caller's address in `x-forwarded-for`; the right-most entry is the one
 * the gateway itself observed (entries further left came from the client and prove nothing).
 */
export function clientAddressOf(req: Pick<Request, 'headers' | 'socket'>): string | null {
  const forwarded = req.headers['x-forwarded-for'];
  const header = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  const hops = (header ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  const address = hops.at(-1) ?? req.socket.remoteAddress ?? null;
  // `::ffff:127.0.0.1` and `127.0.0.1` are one client.
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
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
export function captureClientAddress(app: Express): void {
  app.use('/graphql', express.json({ limit: '1mb' }), (req, _res, next) =>
    storage.run(clientAddressOf(req), next),
  );
}
