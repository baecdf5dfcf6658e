// TTL indexes: the background monitor removes documents whose indexed date is older than
// expireAfterSeconds, and leaves everything else alone.
import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server';

const t = useServer({ ttlIntervalMs: 50 });

async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('TTL indexes', () => {
  it('expire documents by their date field, including the earliest date of an array', async () => {
    const coll = t.db().collection('sessions');
    await coll.createIndex({ createdAt: 1 }, { expireAfterSeconds: 60 });
    const now = Date.now();
    await coll.insertMany([
      { _id: 'expired', createdAt: new Date(now - 120_000) },
      { _id: 'fresh', createdAt: new Date(now) },
      { _id: 'array', createdAt: [new Date(now), new Date(now - 600_000)] },
      { _id: 'not-a-date', createdAt: 'yesterday' },
      { _id: 'missing' },
    ] as never[]);
    await eventually(async () => (await coll.countDocuments()) === 3);
    expect(
      (
        await coll
          .find({}, { sort: { _id: 1 } })
          .map((d) => d._id)
          .toArray()
      ).sort(),
    ).toEqual(['fresh', 'missing', 'not-a-date']);
  });

  it('honours expireAfterSeconds: 0 with per-document expiry dates, and collMod changes', async () => {
    const db = t.db();
    const coll = db.collection('tokens');
    await coll.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiry' });
    await coll.insertMany([
      { _id: 1, expiresAt: new Date(Date.now() + 300) },
      { _id: 2, expiresAt: new Date(Date.now() + 3_600_000) },
    ] as never[]);
    await eventually(async () => (await coll.countDocuments()) === 1);
    expect(await coll.findOne()).toMatchObject({ _id: 2 });
    const changed = await db.command({
      collMod: 'tokens',
      index: { name: 'expiry', expireAfterSeconds: 7200 },
    });
    expect(changed).toMatchObject({ expireAfterSeconds_old: 0, expireAfterSeconds_new: 7200 });
    expect((await coll.indexes()).find((i) => i.name === 'expiry')?.expireAfterSeconds).toBe(7200);
  });
});
