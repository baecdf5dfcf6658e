// Hostile or broken input: the server answers with an error or closes that one connection, and keeps
// serving everyone else.
import { serialize } from 'bson';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterTimeFields, useServer } from './helpers/server';
import { RawClient, header, opMsg, opMsgWithSequence } from './helpers/wire';

const t = useServer();
const raws: RawClient[] = [];

async function raw(): Promise<RawClient> {
  const c = await RawClient.open(t.server.port);
  raws.push(c);
  return c;
}

afterEach(async () => {
  for (const c of raws.splice(0)) c.close();
  // Whatever happened, the server still answers over the driver.
  expect(await t.client.db('admin').command({ ping: 1 })).toEqual({ ok: 1, ...clusterTimeFields() });
});

describe('bad input', () => {
  it('closes the connection on a message length below the header size or above maxMessageSizeBytes', async () => {
    const small = await raw();
    small.send(header(8, 1, 2013));
    expect(await small.closedByServer()).toBe(true);
    const huge = await raw();
    huge.send(header(60_000_000, 1, 2013));
    expect(await huge.closedByServer()).toBe(true);
  });

  it('answers garbage sections, unknown kinds and broken BSON with an error and stays usable', async () => {
    const c = await raw();
    // Section kind 7 does not exist.
    const bad = Buffer.concat([
      header(16 + 5 + 5, 11, 2013),
      Buffer.from([0, 0, 0, 0, 7]),
      Buffer.from([5, 0, 0, 0, 0]),
    ]);
    c.send(bad);
    expect((await c.reply())?.doc).toMatchObject({ ok: 0 });
    // A BSON document whose declared length runs past the message.
    const body = Buffer.from([0xff, 0, 0, 0, 0x10, 0x61, 0, 1, 0, 0, 0, 0]);
    c.send(Buffer.concat([header(16 + 5 + body.length, 12, 2013), Buffer.from([0, 0, 0, 0, 0]), body]));
    expect((await c.reply())?.doc).toMatchObject({ ok: 0 });
    // Well-framed but invalid BSON inside (bad element type).
    const inner = Buffer.from(serialize({ ping: 1, $db: 'admin' }));
    inner[4] = 0x77;
    c.send(Buffer.concat([header(16 + 5 + inner.length, 13, 2013), Buffer.from([0, 0, 0, 0, 0]), inner]));
    expect((await c.reply())?.doc).toMatchObject({ ok: 0 });
    // Unsupported required flag bits.
    c.send(opMsg({ ping: 1, $db: 'admin' }, 14, 1 << 5));
    expect((await c.reply())?.doc).toMatchObject({ ok: 0 });
    // Unknown opcode: the connection is closed.
    c.send(Buffer.concat([header(20, 15, 9999), Buffer.alloc(4)]));
    expect(await c.closedByServer()).toBe(true);
  });

  it('waits for the rest of a truncated message, then serves it', async () => {
    const c = await raw();
    const msg = opMsg({ ping: 1, $db: 'admin' }, 21);
    c.send(msg.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 50));
    c.send(msg.subarray(10));
    expect(await c.reply()).toMatchObject({ responseTo: 21, doc: { ok: 1 } });
  });

  it('accepts document sequences and rejects a field given twice', async () => {
    const c = await raw();
    c.send(opMsgWithSequence({ insert: 'seq', $db: 'badinput' }, 'documents', [{ _id: 1 }, { _id: 2 }], 31));
    expect((await c.reply())?.doc).toEqual({ n: 2, ok: 1, ...clusterTimeFields() });
    c.send(
      opMsgWithSequence({ insert: 'seq', $db: 'badinput', documents: [] }, 'documents', [{ _id: 3 }], 32),
    );
    expect((await c.reply())?.doc).toMatchObject({ ok: 0 });
  });

  it('answers commands with wrong argument types, a missing $db or an empty body with errors', async () => {
    const c = await raw();
    c.send(opMsg({ find: 5, $db: 'x' }, 41));
    expect((await c.reply())?.doc).toMatchObject({ ok: 0 });
    c.send(opMsg({ ping: 1 }, 42));
    expect((await c.reply())?.doc).toMatchObject({ ok: 0, code: 40571 });
    c.send(opMsg({}, 43));
    expect((await c.reply())?.doc).toMatchObject({ ok: 0 });
    c.send(opMsg({ insert: 'x', documents: 'nope', $db: 'x' }, 44));
    expect((await c.reply())?.doc).toMatchObject({ ok: 0, code: 14 });
    c.send(opMsg({ update: 'x', updates: [{ q: {}, u: { $set: { a: { $bad: 1 } } } }], $db: 'x' }, 45));
    const upd = (await c.reply())?.doc;
    expect(upd?.ok).toBe(1);
    c.send(opMsg({ getMore: 'notalong', collection: 'x', $db: 'x' }, 46));
    expect((await c.reply())?.doc).toMatchObject({ ok: 0, code: 14 });
  });

  it('refuses documents over 16 MiB and keeps going', async () => {
    const coll = t.db().collection('big');
    await expect(coll.insertOne({ blob: 'x'.repeat(17 * 1024 * 1024) })).rejects.toBeDefined();
    await coll.insertOne({ ok: true });
    expect(await coll.countDocuments()).toBe(1);
  });

  it('answers a long pipeline of messages in order, reading ahead only a bounded amount', async () => {
    const c = await raw();
    const count = 500;
    c.send(
      Buffer.concat(Array.from({ length: count }, (_, i) => opMsg({ ping: 1, $db: 'admin' }, 1000 + i))),
    );
    for (let i = 0; i < count; i++) expect((await c.reply())?.responseTo).toBe(1000 + i);
  });

  it('survives a client vanishing mid-message and many connections at once', async () => {
    const c = await raw();
    const msg = opMsg({ ping: 1, $db: 'admin' }, 51);
    c.send(msg.subarray(0, 20));
    c.close();
    const many = await Promise.all(Array.from({ length: 40 }, () => raw()));
    many.forEach((m, i) => m.send(opMsg({ ping: 1, $db: 'admin' }, 100 + i)));
    const replies = await Promise.all(many.map((m) => m.reply()));
    expect(replies.every((r) => r?.doc.ok === 1)).toBe(true);
  });
});
