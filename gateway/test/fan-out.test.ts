import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { MessageType, stringifyMessage } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { LiveEvent, LiveSubscriber, MAX_BEHIND, nextFrameTail } from '../src/live/fan-out';

/** A WebSocket and the socket under it, recording what is sent and how it was corked. */
function connection() {
  const sent: string[] = [];
  const log: string[] = [];
  const flushes: Array<() => void> = [];
  let corked = 0;
  const socket = {
    OPEN: 1,
    readyState: 1,
    send(data: Buffer, options: { binary?: boolean }, flushed: () => void) {
      // A text message, as graphql-ws sends.
      expect(options.binary).toBe(false);
      sent.push(String(data));
      log.push(corked > 0 ? 'send (corked)' : 'send');
      flushes.push(flushed);
    },
  };
  const wire = {
    cork: () => {
      corked += 1;
      log.push('cork');
    },
    uncork: () => {
      corked -= 1;
      log.push('uncork');
    },
  };
  return {
    socket: socket as unknown as WebSocket,
    wire: wire as unknown as Duplex,
    sent,
    log,
    /** The socket flushes what was written. */
    flush: () => flushes.splice(0).forEach((flushed) => flushed()),
    close: () => (socket.readyState = 3),
  };
}

function subscriber(conn: ReturnType<typeof connection>, id = 'sub-1') {
  const ends: string[] = [];
  let written = 0;
  const sub = new LiveSubscriber(
    conn.socket,
    conn.wire,
    id,
    () => ends.push('closed'),
    () => (written += 1),
  );
  return { sub, ends, written: () => written };
}

/** An event whose resolution the test settles. */
function event(failed = (error: unknown) => ({ data: null, errors: [new GraphQLError(String(error))] })) {
  let settle!: (result: ExecutionResult) => void;
  let fail!: (error: unknown) => void;
  let resolutions = 0;
  const live = new LiveEvent(() => {
    resolutions += 1;
    return new Promise<ExecutionResult>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
  }, failed);
  return {
    live,
    settle: (result: ExecutionResult) => settle(result),
    fail: (error: unknown) => fail(error),
    resolutions: () => resolutions,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const statusOf = (frame: string) => JSON.parse(frame).payload.data.s.status as string;
const result = (status: string): ExecutionResult => ({ data: { s: { status } } });

describe('fan-out of live events', () => {
  it('writes the frame graphql-ws would, byte for byte, errors and extensions included', () => {
    const results: ExecutionResult[] = [
      { data: { orderStatusChanged: { status: 'PAID', order: { id: 'o-1', note: 'a "quoted" é' } } } },
      {
        data: null,
        errors: [
          new GraphQLError('Internal server error', {
            path: ['orderStatusChanged', 'order'],
            extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: 'e-1' },
          }),
        ],
      },
      { data: { x: 1 }, extensions: { cost: 3 } },
    ];
    for (const r of results) {
      const { errors, ...rest } = r;
      const expected = stringifyMessage({
        id: 'a "b"',
        type: MessageType.Next,
        payload: { ...rest, ...(errors ? { errors: errors.map((e) => e.toJSON()) } : {}) },
      });
      expect(`{"id":${JSON.stringify('a "b"')}${nextFrameTail(r)}`).toBe(expected);
    }
  });

  it('resolves an event once for all its subscribers and writes each connection’s frames in one corked write', async () => {
    const [a, b] = [connection(), connection()];
    // Subscribers in the order they subscribed, the two connections' interleaved.
    const subs = [subscriber(a, 'a1'), subscriber(b, 'b1'), subscriber(a, 'a2'), subscriber(a, 'a3')];
    for (const { sub } of subs) void sub.next();
    const paid = event();
    for (const { sub } of subs) sub.deliver(paid.live);
    expect(paid.resolutions()).toBe(1);
    paid.settle(result('PAID'));
    await tick();
    expect(a.sent.map((frame) => JSON.parse(frame).id)).toEqual(['a1', 'a2', 'a3']);
    expect(a.log).toEqual(['cork', 'send (corked)', 'send (corked)', 'send (corked)', 'uncork']);
    expect(b.sent.map((frame) => JSON.parse(frame).id)).toEqual(['b1']);
    expect(b.log).toEqual(['cork', 'send (corked)', 'uncork']);
    expect(subs.map((s) => s.written())).toEqual([1, 1, 1, 1]);
    expect(a.sent.map(statusOf)).toEqual(['PAID', 'PAID', 'PAID']);
  });

  it('keeps the published order when a later event resolves first', async () => {
    const conn = connection();
    const { sub } = subscriber(conn);
    void sub.next();
    const [first, second] = [event(), event()];
    sub.deliver(first.live);
    sub.deliver(second.live);
    // The second is resolved only once the first is (as a query after the first would).
    expect(second.resolutions()).toBe(0);
    first.settle(result('AWAITING_PAYMENT'));
    await tick();
    expect(second.resolutions()).toBe(1);
    second.settle(result('PAID'));
    await tick();
    expect(conn.sent.map(statusOf)).toEqual(['AWAITING_PAYMENT', 'PAID']);
  });

  it('writes nothing until graphql-ws iterates, and nothing after the client completes', async () => {
    const conn = connection();
    const { sub, ends } = subscriber(conn);
    const paid = event();
    sub.deliver(paid.live);
    paid.settle(result('PAID'));
    await tick();
    expect(conn.sent).toEqual([]);
    const ended = sub.next();
    expect(conn.sent.map(statusOf)).toEqual(['PAID']);
    await sub.return();
    await expect(ended).resolves.toEqual({ value: undefined, done: true });
    expect(ends).toEqual(['closed']);
    const later = event();
    sub.deliver(later.live);
    expect(later.resolutions()).toBe(0);
    await sub.return();
    expect(ends).toEqual(['closed']);
  });

  it('sends a failed resolution as the event’s errors and goes on', async () => {
    const conn = connection();
    const { sub } = subscriber(conn);
    void sub.next();
    const [broken, next] = [event(), event()];
    sub.deliver(broken.live);
    sub.deliver(next.live);
    broken.fail(new Error('subgraph down'));
    await tick();
    next.settle(result('CANCELLED'));
    await tick();
    expect(JSON.parse(conn.sent[0]!).payload).toEqual({
      data: null,
      errors: [{ message: 'Error: subgraph down' }],
    });
    expect(statusOf(conn.sent[1]!)).toBe('CANCELLED');
  });

  it('writes nothing to a closing socket', async () => {
    const conn = connection();
    const { sub } = subscriber(conn);
    void sub.next();
    conn.close();
    const paid = event();
    sub.deliver(paid.live);
    paid.settle(result('PAID'));
    await tick();
    expect(conn.sent).toEqual([]);
  });

  it(`ends a subscriber more than ${MAX_BEHIND} events behind with an error graphql-ws sends`, async () => {
    const conn = connection();
    const { sub, ends } = subscriber(conn);
    const ended = sub.next();
    for (let i = 0; i < MAX_BEHIND; i++) {
      const e = event();
      sub.deliver(e.live);
      e.settle(result(`S${i}`));
      await tick();
    }
    // Written, never flushed: the client does not read.
    expect(conn.sent).toHaveLength(MAX_BEHIND);
    sub.deliver(event().live);
    await expect(ended).rejects.toThrow(`Subscriber fell more than ${MAX_BEHIND} events behind`);
    expect(ends).toEqual(['closed']);

    // One that reads is not ended.
    const reading = connection();
    const { sub: keeps, ends: keepsEnds } = subscriber(reading);
    void keeps.next();
    for (let i = 0; i < MAX_BEHIND + 10; i++) {
      const e = event();
      keeps.deliver(e.live);
      e.settle(result(`S${i}`));
      await tick();
      reading.flush();
    }
    expect(reading.sent).toHaveLength(MAX_BEHIND + 10);
    expect(keepsEnds).toEqual([]);
  });
});
