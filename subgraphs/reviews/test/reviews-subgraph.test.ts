/**
 * The reviews subgraph on its own, over HTTP as the gateway calls it: the name an author shows with
 * a review, `Product.myReview` (the viewer's own review), and what a page of products costs in
 * database commands. Purchases are recorded through the subgraph's own projection (`Purchases`),
 * as `order.paid` would record them.
 */
import { randomUUID } from 'node:crypto';
import { type Viewer } from '@novamart/kit';
import { startSubgraphForTests, type TestSubgraph } from '@novamart/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_AUTHOR_NAME, Purchases, reviewsSubgraph } from '../src/index';
import { purchaseModel } from '../src/models/purchase';

let sub: TestSubgraph;
let purchases: Purchases;

const ADD = `mutation($input: ReviewInput!) {
  addReview(input: $input) { id rating text authorName hidden }
}`;
const MY_REVIEW = `query($reps: [_Any!]!) {
  _entities(representations: $reps) {
    ... on Product { id myReview { id text authorName hidden } }
  }
}`;

const customer = (): Viewer => ({ id: `user-${randomUUID()}`, role: 'CUSTOMER' });
const support: Viewer = { id: 'support-1', role: 'SUPPORT' };
const productRef = (id: string) => ({ __typename: 'Product', id });

/** A product id the customer has bought (a paid order holding it, as `order.paid` records it). */
async function bought(viewer: Viewer): Promise<string> {
  const productId = `product-${randomUUID()}`;
  await purchases.record([
    { userId: viewer.id, productId, orderId: `order-${randomUUID()}`, at: new Date() },
  ]);
  return productId;
}

async function addReview(viewer: Viewer, input: Record<string, unknown>) {
  return sub.graphql(ADD, { input: { rating: 4, text: 'Does the job.', ...input } }, viewer);
}

/** What the database holds for the product: its reviews and its rating sums. */
async function stored(productId: string) {
  const [reviews, rating] = await Promise.all([
    sub.conn.collection('reviews').find({ productId }).toArray(),
    sub.conn.collection('product_ratings').findOne({ _id: productId as never }),
  ]);
  return { reviews, rating };
}

beforeAll(async () => {
  sub = await startSubgraphForTests(reviewsSubgraph);
  purchases = new Purchases(purchaseModel(sub.conn), null);
});
afterAll(() => sub?.stop());

describe('Review.authorName', () => {
  it('is stored trimmed and answered; absent, empty or only spaces is none', async () => {
    const ada = customer();
    const productId = await bought(ada);
    const added = await addReview(ada, { productId, authorName: '  Ada L.\t ' });
    expect(added.errors).toBeUndefined();
    expect(added.data.addReview).toMatchObject({ authorName: 'Ada L.', hidden: false });
    expect((await stored(productId)).reviews.map((r) => r.authorName)).toEqual(['Ada L.']);

    for (const authorName of [undefined, null, '', '    ']) {
      const someone = customer();
      const other = await bought(someone);
      const answer = await addReview(someone, { productId: other, authorName });
      expect(answer.errors, String(authorName)).toBeUndefined();
      expect(answer.data.addReview.authorName).toBeNull();
      expect((await stored(other)).reviews.map((r) => r.authorName)).toEqual([null]);
    }
  });

  it('takes up to 60 characters after trimming', async () => {
    const longest = customer();
    const productId = await bought(longest);
    const name = 'N'.repeat(MAX_AUTHOR_NAME);
    const added = await addReview(longest, { productId, authorName: `  ${name}  ` });
    expect(added.errors).toBeUndefined();
    expect(added.data.addReview.authorName).toBe(name);
  });

  it.each([
    ['longer than 60 characters', 'N'.repeat(MAX_AUTHOR_NAME + 1), 'longer than 60 characters'],
    ['a newline inside', 'Ada\nLovelace', 'control characters'],
    ['a NUL', 'Ada\u0000', 'control characters'],
    ['a bell', 'Ada \u0007L.', 'control characters'],
    ['a C1 control', 'Ada\u0085L.', 'control characters'],
    ['a right-to-left override', 'Ada \u202Eyppah', 'control characters'],
    ['a bidi isolate', '\u2067Ada\u2069', 'control characters'],
  ])('refuses a name with %s on input.authorName and writes nothing', async (_what, authorName, message) => {
    const viewer = customer();
    const productId = await bought(viewer);
    const refused = await addReview(viewer, { productId, authorName });
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0]?.message).toContain(message);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.authorName',
    });
    expect(await stored(productId)).toEqual({ reviews: [], rating: null });
    // Refused input is not "a review": the customer may still write one.
    expect((await addReview(viewer, { productId, authorName: 'Ada' })).errors).toBeUndefined();
  });
});

describe('Product.myReview', () => {
  it("answers the viewer's own review, hidden ones too; null for another customer and for a guest", async () => {
    const author = customer();
    const productId = await bought(author);
    const added = await addReview(author, { productId, text: 'Mine.', authorName: 'Author' });
    expect(added.errors).toBeUndefined();
    const reviewId = added.data.addReview.id;
    const reps = { reps: [productRef(productId)] };

    const own = await sub.graphql(MY_REVIEW, reps, author);
    expect(own.errors).toBeUndefined();
    expect(own.data._entities).toEqual([
      { id: productId, myReview: { id: reviewId, text: 'Mine.', authorName: 'Author', hidden: false } },
    ]);
    // Another customer (who also bought it, but wrote nothing) and a guest have none.
    const other = customer();
    await purchases.record([{ userId: other.id, productId, orderId: 'order-other', at: new Date() }]);
    for (const viewer of [other, null]) {
      const answer = await sub.graphql(MY_REVIEW, reps, viewer);
      expect(answer.errors).toBeUndefined();
      expect(answer.data._entities).toEqual([{ id: productId, myReview: null }]);
    }

    const hidden = await sub.graphql(
      'mutation($id: ID!) { hideReview(id: $id) { hidden } }',
      { id: reviewId },
      support,
    );
    expect(hidden.data?.hideReview.hidden).toBe(true);
    const afterHiding = await sub.graphql(MY_REVIEW, reps, author);
    expect(afterHiding.data._entities[0].myReview).toEqual({
      id: reviewId,
      text: 'Mine.',
      authorName: 'Author',
      hidden: true,
    });
    // Left out of the product's page all the same.
    const page = await sub.graphql(
      'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { reviews { edges { node { id } } } } } }',
      reps,
      author,
    );
    expect(page.data._entities[0].reviews.edges).toEqual([]);
  });

  it('costs the same commands for a page of 3 products as for 12: one find for the ratings, one for the reviews', async () => {
    const viewer = customer();
    const products: string[] = [];
    for (let i = 0; i < 12; i++) products.push(await bought(viewer));
    // The viewer reviewed every other product.
    for (const [i, productId] of products.entries())
      if (i % 2 === 0)
        expect((await addReview(viewer, { productId, text: `Review ${i}` })).errors).toBeUndefined();

    const query = `query($reps: [_Any!]!) {
      _entities(representations: $reps) { ... on Product { id rating { count } myReview { text } } }
    }`;
    const counts: Record<number, unknown> = {};
    for (const n of [3, 12]) {
      const answer = await sub.graphql(query, { reps: products.slice(0, n).map(productRef) }, viewer);
      expect(answer.errors).toBeUndefined();
      expect(answer.data._entities.map((p: any) => p.myReview?.text ?? null)).toEqual(
        products.slice(0, n).map((_, i) => (i % 2 === 0 ? `Review ${i}` : null)),
      );
      counts[n] = answer.commands().byCommand;
    }
    expect(counts).toEqual({ 3: { find: 2 }, 12: { find: 2 } });

    // A guest's myReview asks the database nothing: the rating's find only.
    const guest = await sub.graphql(query, { reps: products.map(productRef) }, null);
    expect(guest.data._entities.every((p: any) => p.myReview === null)).toBe(true);
    expect(guest.commands().byCommand).toEqual({ find: 1 });
  });
});
