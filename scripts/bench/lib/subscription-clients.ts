/**
 * The subscribers of `npm run bench subscriptions`, in a process of their own so that their
 * sockets, parsing and heap are not counted against the gateway's. Driven over IPC by
 * scripts/bench/subscriptions.ts:
 *
 *   ← { type: 'ready' }                    loaded
 *   → { type: 'open', url, token, query, variables, connections, perConnection }
 *   ← { type: 'sent' }                     every connection is opening
 *   ← { type: 'connected', at }            every connection is acknowledged (epoch ms)
 *   → { type: 'collect', status, timeoutMs }
 *   ← { type: 'collected', arrivals, payloads }  arrival time (epoch ms, sub-ms) of each
 *                                          subscriber's first event with that status, and the
 *                                          distinct payloads they carried
 *   → { type: 'close' }  ← { type: 'closed' }
 *
 * The subscribers speak graphql-transport-ws over `ws` themselves, and keep each frame as it
 * arrives (its time and text) to parse once the crowd has been served. On its own machine a
 * subscriber's client library parses its one frame in microseconds; here one process receives for
 * 1,000 subscribers, and with graphql-ws's client parsing each frame as it came, the last frame's
 * time counted the parsing of the 999 before it (tens of ms on a busy machine): the client's cost,
 * not the gateway's delivery. Every frame is still parsed and checked, after the fact.
 */
import WebSocket from 'ws';
import { startCpuProfile } from './cpu-profile';

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

interface Frame {
  at: number;
  text: string;
}

/** One graphql-transport-ws connection and the subscriptions on it (ids "0", "1", …). */
interface Connection {
  socket: WebSocket;
  subscriptions: number;
  /** Every message received after connection_ack, in order. */
  frames: Frame[];
  /** Set when the connection ended before `close` asked it to. */
  lost?: string;
}

const now = () => performance.timeOrigin + performance.now();
const connections: Connection[] = [];
/** Set while `collect` waits: each frame, as it arrives. */
let onFrame: ((connection: number, frame: Frame) => void) | undefined;
let closing = false;

function open(message: OpenMessage): void {
  let acknowledged = 0;
  for (let c = 0; c < message.connections; c++) {
    const socket = new WebSocket(message.url, 'graphql-transport-ws');
    const connection: Connection = { socket, subscriptions: message.perConnection, frames: [] };
    connections.push(connection);
    let ready = false;
    socket.on('open', () =>
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${message.token}` } }),
      ),
    );
    socket.on('message', (data) => {
      const frame = { at: now(), text: String(data) };
      if (ready) {
        connection.frames.push(frame);
        onFrame?.(c, frame);
        return;
      }
      if ((JSON.parse(frame.text) as { type?: string }).type !== 'connection_ack') {
        connection.lost = `before connection_ack: ${frame.text}`;
        return;
      }
      ready = true;
      for (let s = 0; s < message.perConnection; s++) {
        const payload = { query: message.query, variables: message.variables };
        socket.send(JSON.stringify({ id: String(s), type: 'subscribe', payload }));
      }
      if (++acknowledged === message.connections) {
        process.send!({ type: 'connected', at: now() });
        if (profilePath && message.connections > 1) void startProfile(profilePath);
      }
    });
    socket.on('close', (code, reason) => {
      if (!closing) connection.lost = `closed ${code} ${String(reason)}`;
    });
    socket.on('error', (error) => (connection.lost = String(error)));
  }
  process.send!({ type: 'sent' });
}

/** The status an event carries (`{ data: { <field>: { status } } }`). */
function statusOf(payload: any): unknown {
  const data = payload?.data;
  if (!data || typeof data !== 'object') return undefined;
  for (const key in data) return data[key]?.status;
  return undefined;
}

/** Every subscriber's events, parsed from the frames: graphql-ws `next` payloads, or what went wrong. */
function eventsBySubscriber(): Array<Array<{ at: number; payload: any }>> {
  return connections.flatMap((connection) => {
    const events = Array.from(
      { length: connection.subscriptions },
      () => [] as Array<{ at: number; payload: any }>,
    );
    for (const frame of connection.frames) {
      const message = JSON.parse(frame.text) as { id?: string; type?: string; payload?: unknown };
      const subscriber = events[Number(message.id)];
      if (!subscriber) continue; // pong, or not a subscription's
      subscriber.push({
        at: frame.at,
        payload:
          message.type === 'next' ? message.payload : { [message.type ?? '?']: message.payload ?? null },
      });
    }
    if (connection.lost)
      for (const subscriber of events) subscriber.push({ at: now(), payload: { error: connection.lost } });
    return events;
  });
}

/**
 * Waits until every subscriber has a frame that mentions `"status":"<status>"` (a substring, so
 * that nothing is parsed while frames arrive), or the timeout; then parses every frame and takes
 * each subscriber's first `next` event with that status.
 */
async function collect(message: CollectMessage): Promise<void> {
  const mention = `"status":"${message.status}"`;
  const seen = connections.map(() => new Set<string>());
  const subscribers = connections.reduce((sum, connection) => sum + connection.subscriptions, 0);
  let count = 0;
  const see = (c: number, frame: Frame) => {
    if (!frame.text.includes(mention)) return;
    // graphql-ws frames begin with `{"id":"<id>"`.
    const id = frame.text.startsWith('{"id":"')
      ? frame.text.slice(7, frame.text.indexOf('"', 7))
      : String((JSON.parse(frame.text) as { id?: unknown }).id);
    if (seen[c]!.has(id)) return;
    seen[c]!.add(id);
    count += 1;
  };
  connections.forEach((connection, c) => connection.frames.forEach((frame) => see(c, frame)));
  if (count < subscribers) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, message.timeoutMs);
      onFrame = (c, frame) => {
        see(c, frame);
        if (count < subscribers) return;
        clearTimeout(timer);
        resolve();
      };
    });
    onFrame = undefined;
  }
  await stopProfile?.();
  const payloads = new Set<string>();
  const arrivals = eventsBySubscriber().map((events) => {
    const hit = events.find((e) => statusOf(e.payload) === message.status);
    if (hit) payloads.add(JSON.stringify(hit.payload));
    return hit ? hit.at : null;
  });
  process.send!({ type: 'collected', arrivals, payloads: [...payloads] });
}

/** Completes every subscription and closes every connection, as a client's dispose does. */
async function close(): Promise<void> {
  closing = true;
  await Promise.all(
    connections.map(({ socket, subscriptions }) => {
      if (socket.readyState !== WebSocket.OPEN) return undefined;
      for (let s = 0; s < subscriptions; s++)
        socket.send(JSON.stringify({ id: String(s), type: 'complete' }));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close(1000, 'Normal Closure');
      return closed;
    }),
  );
}

/** BENCH_SUBS_CLIENT_PROFILE=<file>: this process's CPU profile from the crowd's connection to its last event. */
const profilePath = process.env.BENCH_SUBS_CLIENT_PROFILE;
let stopProfile: (() => Promise<void>) | undefined;
async function startProfile(path: string): Promise<void> {
  const stop = await startCpuProfile();
  stopProfile = () => stop(path);
}

process.send!({ type: 'ready' });
process.on('message', (message: Message) => {
  if (message.type === 'open') open(message);
  else if (message.type === 'collect') void collect(message);
  else
    void close().then(() => {
      process.send!({ type: 'closed' });
      process.exit(0);
    });
});
