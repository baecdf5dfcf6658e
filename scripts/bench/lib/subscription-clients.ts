/**
 * The subscribers of `npm run bench subscriptions`, in a process of their own so that their
 * sockets, parsing and heap are not counted against the gateway's. Driven over IPC by
 * scripts/bench/subscriptions.ts:
 *
 *   ← { type: 'ready' }                    loaded
 *   → { type: 'open', url, token, query, variables, connections, perConnection }
 *   ← { type: 'sent' }                     every subscribe message is queued
 *   ← { type: 'connected', at }            every connection is acknowledged (epoch ms)
 *   → { type: 'collect', status, timeoutMs }
 *   ← { type: 'collected', arrivals, payloads }  arrival time (epoch ms, sub-ms) of each
 *                                          subscriber's first event with that status, and the
 *                                          distinct payloads they carried
 *   → { type: 'close' }  ← { type: 'closed' }
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

interface OpenMessage {
  type: 'open';
  url: string;
  token: string;
  query: string;
  variables: Record<string, unknown>;
  connections: number;
  perConnection: number;
}
interface CollectMessage {
  type: 'collect';
  status: string;
  timeoutMs: number;
}
type Message = OpenMessage | CollectMessage | { type: 'close' };

const now = () => performance.timeOrigin + performance.now();
const clients: Client[] = [];
const disposers: Array<() => void> = [];
/** Per subscriber: every event it received, with its arrival time. */
const received: Array<Array<{ at: number; payload: any }>> = [];
/** Set while `collect` waits: told of each event after it is recorded. */
let onArrival: ((events: Array<{ at: number; payload: any }>, payload: any) => void) | undefined;

function open(message: OpenMessage): void {
  let acknowledged = 0;
  for (let c = 0; c < message.connections; c++) {
    const client = createClient({
      url: message.url,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${message.token}` },
      on: {
        connected: () => {
          if (++acknowledged === message.connections) process.send!({ type: 'connected', at: now() });
        },
      },
    });
    clients.push(client);
    for (let s = 0; s < message.perConnection; s++) {
      const events: Array<{ at: number; payload: any }> = [];
      received.push(events);
      disposers.push(
        client.subscribe(
          { query: message.query, variables: message.variables },
          {
            next: (payload) => {
              events.push({ at: now(), payload });
              onArrival?.(events, payload);
            },
            error: (error) => void events.push({ at: now(), payload: { error: String(error) } }),
            complete: () => {},
          },
        ),
      );
    }
  }
  process.send!({ type: 'sent' });
}

/** The status an event carries (`{ data: { <field>: { status } } }`), read without serializing it. */
function statusOf(payload: any): unknown {
  const data = payload?.data;
  if (!data || typeof data !== 'object') return undefined;
  for (const key in data) return data[key]?.status;
  return undefined;
}

/**
 * Waits, without polling, until every subscriber has an event with `message.status`: counted as
 * events arrive, so that while the gateway fans an event out this process only receives frames
 * (a poll that rescans every subscriber's events would compete with the receiving it measures).
 */
async function collect(message: CollectMessage): Promise<void> {
  const has = (events: Array<{ payload: any }>) => events.some((e) => statusOf(e.payload) === message.status);
  let waitingFor = received.filter((events) => !has(events)).length;
  if (waitingFor > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, message.timeoutMs);
      onArrival = (events, payload) => {
        // Only a subscriber's first event with the status counts.
        if (
          statusOf(payload) !== message.status ||
          events.filter((e) => statusOf(e.payload) === message.status).length !== 1
        )
          return;
        if (--waitingFor === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    onArrival = undefined;
  }
  const payloads = new Set<string>();
  const arrivals = received.map((events) => {
    const hit = events.find((e) => statusOf(e.payload) === message.status);
    if (hit) payloads.add(JSON.stringify(hit.payload));
    return hit ? hit.at : null;
  });
  process.send!({ type: 'collected', arrivals, payloads: [...payloads] });
}

process.send!({ type: 'ready' });
process.on('message', (message: Message) => {
  if (message.type === 'open') open(message);
  else if (message.type === 'collect') void collect(message);
  else {
    for (const dispose of disposers) dispose();
    void Promise.all(clients.map((client) => client.dispose())).then(() => {
      process.send!({ type: 'closed' });
      process.exit(0);
    });
  }
});
