/**
 * The signed-in session and the guest cart token, both in localStorage so that they survive a
 * reload. The access token is short-lived: `accessToken()` refreshes it (once, shared by every
 * request in flight) shortly before it expires, so no request is ever sent twice because of it.
 */
import { useSyncExternalStore } from 'react';

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: 'CUSTOMER' | 'SUPPORT' | 'FINANCE' | 'DISPATCHER' | 'ADMIN';
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  user: SessionUser;
}

const SESSION_KEY = 'novamart.session';
const CART_KEY = 'novamart.guestCartId';
/** Refresh when less than this is left, so a request never reaches the server with a dead token. */
const REFRESH_MARGIN_MS = 60_000;

const listeners = new Set<() => void>();
let cached: Session | null | undefined;

function read(): Session | null {
  if (cached !== undefined) return cached;
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    cached = raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    cached = null;
  }
  return cached;
}

function emit(): void {
  for (const listener of listeners) listener();
}

export function getSession(): Session | null {
  return read();
}

export function setSession(session: Session | null): void {
  cached = session;
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else localStorage.removeItem(SESSION_KEY);
  emit();
}

export function sessionFromAuthPayload(payload: {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: SessionUser;
}): Session {
  return {
    accessToken: payload.accessToken,
    refreshToken: payload.refreshToken,
    expiresAt: Date.now() + payload.expiresIn * 1000,
    user: payload.user,
  };
}

// Another tab signing in or out changes this tab's session too.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === SESSION_KEY) {
      cached = undefined;
      emit();
    }
  });
}

export function useSession(): Session | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    read,
    () => null,
  );
}

export const GRAPHQL_PATH = '/graphql';

const REFRESH = `mutation Refresh($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken expiresIn user { id email name role } } }`;

let refreshing: Promise<Session | null> | undefined;

async function refresh(session: Session): Promise<Session | null> {
  const response = await fetch(GRAPHQL_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: REFRESH, variables: { t: session.refreshToken } }),
  });
  const body = (await response.json()) as {
    data?: { refreshToken: Parameters<typeof sessionFromAuthPayload>[0] } | null;
    errors?: { extensions?: { code?: string } }[];
  };
  if (body.data?.refreshToken) {
    const next = sessionFromAuthPayload(body.data.refreshToken);
    setSession(next);
    return next;
  }
  // The refresh token was revoked or expired: the person has to sign in again.
  if (body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) setSession(null);
  return getSession();
}

/** A valid access token for the current session, refreshed first when it is about to expire. */
export async function accessToken(): Promise<string | null> {
  const session = read();
  if (!session) return null;
  if (session.expiresAt - Date.now() > REFRESH_MARGIN_MS) return session.accessToken;
  refreshing ??= refresh(session).finally(() => {
    refreshing = undefined;
  });
  const next = await refreshing;
  return next?.accessToken ?? null;
}

export function getGuestCartId(): string | null {
  return localStorage.getItem(CART_KEY);
}

export function setGuestCartId(id: string | null): void {
  if (id) localStorage.setItem(CART_KEY, id);
  else localStorage.removeItem(CART_KEY);
  emit();
}

export function useGuestCartId(): string | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getGuestCartId,
    () => null,
  );
}
