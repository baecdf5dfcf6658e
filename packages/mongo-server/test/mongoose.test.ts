// mongoose end to end against the embedded server, over TCP, the way the subgraphs use it.
import mongoose, { Schema, type Connection, type Model, type Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo } from '../src/index';

type Embedded = Awaited<ReturnType<typeof startEmbeddedMongo>>;

let server: Embedded;
let connection: Connection;

beforeAll(async () => {
  server = await startEmbeddedMongo({ port: 0, inMemory: true });
  connection = await mongoose.createConnection(server.uri, { dbName: 'mongoose_e2e' }).asPromise();
});

afterAll(async () => {
  await connection?.close();
  await server?.stop();
});

/** A model bound to the test connection, compiled on first use. */
function model<T>(name: string, schema: Schema<T>): () => Model<T> {
  return () => (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
}

describe('schema validation', () => {
  interface ProductDoc {
    sku: string;
    priceMinor: number;
    status: 'draft' | 'active';
  }
  const Product = model(
    'Product',
    new Schema<ProductDoc>({
      sku: { type: String, required: true, match: /^[A-Z]{3}-\d{3}$/ },
      priceMinor: { type: Number, required: true, min: 0 },
      status: { type: String, enum: ['draft', 'active'], default: 'draft' },
    }),
  );

  it('rejects invalid documents before anything is written', async () => {
    await expect(Product().create({ sku: 'bad', priceMinor: -5 })).rejects.toMatchObject({
      name: 'ValidationError',
      errors: { sku: expect.anything(), priceMinor: expect.anything() },
    });
    expect(await Product().countDocuments()).toBe(0);
  });

  it('stores valid documents with defaults applied', async () => {
    const created = await Product().create({ sku: 'ABC-123', priceMinor: 1999 });
    const found = await Product().findById(created._id).orFail();
    expect(found.toObject()).toMatchObject({ sku: 'ABC-123', priceMinor: 1999, status: 'draft' });
  });

  it('runs validators on updates when asked', async () => {
    const created = await Product().create({ sku: 'DEF-456', priceMinor: 500 });
    await expect(
      Product().updateOne({ _id: created._id }, { $set: { status: 'gone' } }, { runValidators: true }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    expect((await Product().findById(created._id).lean().orFail()).status).toBe('draft');
  });
});

describe('unique indexes built by autoIndex', () => {
  interface UserDoc {
    email: string;
    tenant?: string;
    handle?: string;
  }
  const userSchema = new Schema<UserDoc>({
    email: { type: String, required: true, unique: true },
    tenant: String,
    handle: String,
  });
  userSchema.index({ tenant: 1, handle: 1 }, { unique: true });
  const User = model('User', userSchema);

  it('builds the declared indexes', async () => {
    await User().init();
    const indexes = await User().collection.listIndexes().toArray();
    const byName = new Map(indexes.map((index) => [index.name, index]));
    expect(byName.get('email_1')).toMatchObject({ key: { email: 1 }, unique: true });
    expect(byName.get('tenant_1_handle_1')).toMatchObject({ key: { tenant: 1, handle: 1 }, unique: true });
  });

  it('answers a duplicate with E11000, keyPattern and keyValue', async () => {
    await User().init();
    await User().create({ email: 'ada@example.com', tenant: 't1', handle: 'ada' });
    const duplicate = await User()
      .create({ email: 'ada@example.com', tenant: 't1', handle: 'other' })
      .catch((error: unknown) => error);
    expect(duplicate).toMatchObject({
      code: 11000,
      keyPattern: { email: 1 },
      keyValue: { email: 'ada@example.com' },
    });
    expect(String((duplicate as Error).message)).toContain('E11000');

    const compound = await User()
      .create({ email: 'grace@example.com', tenant: 't1', handle: 'ada' })
      .catch((error: unknown) => error);
    expect(compound).toMatchObject({
      code: 11000,
      keyPattern: { tenant: 1, handle: 1 },
      keyValue: { tenant: 't1', handle: 'ada' },
    });
    expect(await User().countDocuments({ tenant: 't1' })).toBe(1);
  });
});

describe('populate', () => {
  interface AuthorDoc {
    name: string;
  }
  interface BookDoc {
    title: string;
    author: Types.ObjectId | AuthorDoc;
  }
  const Author = model('Author', new Schema<AuthorDoc>({ name: String }));
  const Book = model(
    'Book',
    new Schema<BookDoc>({ title: String, author: { type: Schema.Types.ObjectId, ref: 'Author' } }),
  );

  it('resolves references, single and many', async () => {
    const [ursula, terry] = await Author().create([{ name: 'Ursula' }, { name: 'Terry' }]);
    await Book().create([
      { title: 'The Dispossessed', author: ursula!._id },
      { title: 'Mort', author: terry!._id },
      { title: 'The Lathe of Heaven', author: ursula!._id },
    ]);
    const books = await Book().find().sort({ title: 1 }).populate<{ author: AuthorDoc }>('author').lean();
    expect(books.map((book) => [book.title, book.author.name])).toEqual([
      ['Mort', 'Terry'],
      ['The Dispossessed', 'Ursula'],
      ['The Lathe of Heaven', 'Ursula'],
    ]);
  });
});

describe('transactions', () => {
  interface AccountDoc {
    owner: string;
    balance: number;
  }
  const Account = model(
    'Account',
    new Schema<AccountDoc>({ owner: { type: String, unique: true }, balance: Number }),
  );

  async function balances(): Promise<Record<string, number>> {
    const accounts = await Account().find().lean();
    return Object.fromEntries(accounts.map((account) => [account.owner, account.balance]));
  }

  beforeAll(async () => {
    await Account().init();
    await Account().create([
      { owner: 'alice', balance: 100 },
      { owner: 'bob', balance: 0 },
    ]);
  });

  it('connection.transaction() commits every write together', async () => {
    await connection.transaction(async (session) => {
      await Account().updateOne({ owner: 'alice' }, { $inc: { balance: -30 } }, { session });
      // Invisible outside the transaction until commit.
      expect((await Account().findOne({ owner: 'alice' }).lean())?.balance).toBe(100);
      await Account().updateOne({ owner: 'bob' }, { $inc: { balance: 30 } }, { session });
    });
    expect(await balances()).toEqual({ alice: 70, bob: 30 });
  });

  it('connection.transaction() discards every write when the callback throws', async () => {
    await expect(
      connection.transaction(async (session) => {
        await Account().updateOne({ owner: 'alice' }, { $inc: { balance: -50 } }, { session });
        await Account().create([{ owner: 'carol', balance: 50 }], { session });
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');
    expect(await balances()).toEqual({ alice: 70, bob: 30 });
  });

  it('session.withTransaction() commits', async () => {
    const session = await connection.startSession();
    try {
      await session.withTransaction(async () => {
        await Account().updateOne({ owner: 'bob' }, { $inc: { balance: -10 } }, { session });
        await Account().create([{ owner: 'dave', balance: 10 }], { session });
      });
    } finally {
      await session.endSession();
    }
    expect(await balances()).toEqual({ alice: 70, bob: 20, dave: 10 });
  });

  it('session.withTransaction() aborts on a duplicate key inside the transaction', async () => {
    const session = await connection.startSession();
    try {
      await expect(
        session.withTransaction(async () => {
          await Account().updateOne({ owner: 'alice' }, { $inc: { balance: -70 } }, { session });
          await Account().create([{ owner: 'bob', balance: 70 }], { session });
        }),
      ).rejects.toMatchObject({ code: 11000 });
    } finally {
      await session.endSession();
    }
    expect(await balances()).toEqual({ alice: 70, bob: 20, dave: 10 });
  });

  it('an explicit abortTransaction() discards the writes', async () => {
    const session = await connection.startSession();
    try {
      session.startTransaction();
      await Account().updateOne({ owner: 'dave' }, { $set: { balance: 0 } }, { session });
      expect((await Account().findOne({ owner: 'dave' }).session(session).lean())?.balance).toBe(0);
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    expect((await balances()).dave).toBe(10);
  });
});

describe('lean queries', () => {
  interface NoteDoc {
    text: string;
    tags: string[];
    createdAt: Date;
  }
  const Note = model('Note', new Schema<NoteDoc>({ text: String, tags: [String], createdAt: Date }));

  it('return plain objects with BSON values intact', async () => {
    const when = new Date('2026-01-02T03:04:05.000Z');
    const created = await Note().create({ text: 'hello', tags: ['a', 'b'], createdAt: when });
    const lean = await Note().findById(created._id).lean().orFail();
    expect(lean).not.toBeInstanceOf(mongoose.Document);
    expect(Object.getPrototypeOf(lean)).toBe(Object.prototype);
    expect(lean._id.equals(created._id)).toBe(true);
    expect(lean.createdAt).toEqual(when);
    expect(lean.tags).toEqual(['a', 'b']);
    const projected = await Note().find({ tags: 'b' }, { text: 1, _id: 0 }).lean();
    expect(projected).toEqual([{ text: 'hello' }]);
  });
});

describe('cursors', () => {
  const Reading = model('Reading', new Schema<{ n: number }>({ n: { type: Number, index: true } }));
  const TOTAL = 12_345;

  it('streams more than 10,000 documents in order across many batches', async () => {
    const batch = 2_000;
    for (let start = 0; start < TOTAL; start += batch) {
      const size = Math.min(batch, TOTAL - start);
      await Reading().insertMany(
        Array.from({ length: size }, (_, i) => ({ n: start + i })),
        { lean: true },
      );
    }
    let expected = 0;
    const cursor = Reading().find().sort({ n: 1 }).lean().cursor({ batchSize: 500 });
    for await (const reading of cursor) {
      expect(reading.n).toBe(expected);
      expected++;
    }
    expect(expected).toBe(TOTAL);

    // The default batch size, a filter and an early close.
    let seen = 0;
    const filtered = Reading()
      .find({ n: { $gte: 10_000 } })
      .cursor();
    for await (const reading of filtered) {
      expect(reading.n).toBeGreaterThanOrEqual(10_000);
      if (++seen === 1_000) break;
    }
    expect(seen).toBe(1_000);
  }, 60_000);
});
