/**
 * Readers for the HTTP subscription protocols a subgraph serves (kit/subgraph-subscriptions.ts):
 * GraphQL over SSE (distinct connections) and Apollo's multipart subscriptions. Each returns the
 * results in arrival order and ends when the server completes the stream.
 */
import type { FormattedExecutionResult } from 'graphql';

export interface ResultStream<T = any> {
  status: number;
  headers: Headers;
  /** The next result; rejects after `timeoutMs` or when the stream ended without one. */
  next(timeoutMs?: number): Promise<FormattedExecutionResult<T>>;
  /** Every result up to the server's end of the stream. */
  rest(timeoutMs?: number): Promise<FormattedExecutionResult<T>[]>;
  close(): void;
}

type Protocol = 'sse' | 'multipart';

export async function openResultStream<T = any>(
  url: string,
  protocol: Protocol,
  init: { body?: unknown; headers?: Record<string, string>; method?: 'GET' | 'POST' },
): Promise<ResultStream<T>> {
  const controller = new AbortController();
  const method = init.method ?? 'POST';
  const response = await fetch(url, {
    method,
    signal: controller.signal,
    headers: {
      accept: protocol === 'sse' ? 'text/event-stream' : 'multipart/mixed;subscriptionSpec="1.0"',
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(method === 'POST' ? { body: JSON.stringify(init.body) } : {}),
  });
  const results: FormattedExecutionResult<T>[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  const wake = () => waiters.splice(0).forEach((w) => w());

  const contentType = response.headers.get('content-type') ?? '';
  const streaming = contentType.includes('text/event-stream') || contentType.includes('multipart/mixed');
  if (!streaming || !response.body) {
    // A plain JSON answer (a refused request): one result, then the end.
    const text = await response.text();
    try {
      results.push(JSON.parse(text) as FormattedExecutionResult<T>);
    } catch {
      results.push({ errors: [{ message: text }] } as FormattedExecutionResult<T>);
    }
    ended = true;
  } else {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          if (protocol === 'sse') {
            let cut: number;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              const message = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              const event = /^event: ?(.*)$/m.exec(message)?.[1];
              const data = message
                .split('\n')
                .filter((line) => line.startsWith('data:'))
                .map((line) => line.slice(5).trim())
                .join('\n');
              if (event === 'complete') ended = true;
              else if (data) results.push(JSON.parse(data) as FormattedExecutionResult<T>);
            }
          } else {
            const parts = buffer.split('\r\n--graphql');
            buffer = parts.pop() ?? '';
            for (const part of parts) {
              const body = part.slice(part.indexOf('\r\n\r\n') + 4).trim();
              if (!body) continue;
              const parsed = JSON.parse(body) as {
                payload?: FormattedExecutionResult<T> | null;
                errors?: unknown;
              };
              if (parsed.payload) results.push(parsed.payload);
              else if (parsed.errors) results.push({ errors: parsed.errors } as FormattedExecutionResult<T>);
            }
            if (buffer.startsWith('--')) ended = true;
          }
          wake();
        }
      } catch {
        // aborted by close()
      }
      ended = true;
      wake();
    })();
  }

  const next = async (timeoutMs = 15_000): Promise<FormattedExecutionResult<T>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = results.shift();
      if (result) return result;
      if (ended) throw new Error('the stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no result within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };

  return {
    status: response.status,
    headers: response.headers,
    next,
    async rest(timeoutMs = 15_000) {
      const all: FormattedExecutionResult<T>[] = [];
      for (;;) {
        try {
          all.push(await next(timeoutMs));
        } catch (error) {
          if (ended && results.length === 0) return all;
          throw error;
        }
      }
    },
    close: () => controller.abort(),
  };
}
