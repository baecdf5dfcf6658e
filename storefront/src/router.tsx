/**
 * A small client-side router over the History API: the app has a dozen flat routes, and the
 * gateway answers every one of them with index.html, so a deep link or a reload works.
 */
import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
if (typeof window !== 'undefined')
  window.addEventListener('popstate', () => {
    navigated = true;
    notify();
  });

// The first page of a visit keeps the browser's own focus (the skip link is the first Tab stop);
// after an in-app navigation focus moves to the new page's heading, as a page load would.
let navigated = false;

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  navigated = true;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

function currentLocation(): string {
  return window.location.pathname + window.location.search;
}

export interface Location {
  path: string;
  query: URLSearchParams;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    currentLocation,
    () => '/',
  );
  const url = new URL(href, 'http://x');
  return { path: url.pathname, query: url.searchParams };
}

/** `/products/:slug` against `/products/red-shoe` → `{ slug: 'red-shoe' }`, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split('/').filter(Boolean);
  const b = path.split('/').filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const p = a[i]!;
    const v = b[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(v);
    else if (p !== v) return null;
  }
  return params;
}

export function Link({ to, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    event.preventDefault();
    navigate(to);
  };
  return <a {...rest} href={to} onClick={onClick} />;
}

/** Sets the document title and moves focus to the page's heading, as a page load would for a screen reader. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · NovaMart`;
    if (!navigated) return;
    const heading = document.querySelector<HTMLElement>('main h1');
    heading?.focus({ preventScroll: true });
  }, [title]);
}
