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
import { moderationMatch, type ReviewModerationFilter } from '../src/services/review-service';

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

const MODERATION = `query($filter: ReviewModerationFilter, $first: Int, $after: String) {
  moderationReviews(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id text rating hidden product { id } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const HIDE = 'mutation($id: ID!) { hideReview(id: $id) { id hidden } }';
const UNHIDE = 'mutation($id: ID!) { unhideReview(id: $id) { id hidden } }';
const admin: Viewer = { id: 'admin-1', role: 'ADMIN' };
const REFUSED: Viewer[] = (['CUSTOMER', 'DISPATCHER', 'FINANCE'] as const).map((role) => ({
  id: `${role.toLowerCase()}-1`,
  role,
}));

/** A product with one review per rating given, oldest first (each by another buyer); their ids in that order. */
async function reviewed(ratings: number[]): Promise<{ productId: string; ids: string[] }> {
  const productId = `product-${randomUUID()}`;
  const ids: string[] = [];
  for (const [i, rating] of ratings.entries()) {
    const author = customer();
    await purchases.record([{ userId: author.id, productId, orderId: `order-${i}`, at: new Date() }]);
    const added = await addReview(author, { productId, rating, text: `Review ${i}` });
    expect(added.errors).toBeUndefined();
    ids.push(added.data.addReview.id);
  }
  return { productId, ids };
}

const moderation = (viewer: Viewer | null, variables: Record<string, unknown>) =>
  sub.graphql(MODERATION, variables, viewer);
const listedIds = (answer: { data?: any }) =>
  answer.data.moderationReviews.edges.map((e: { node: { id: string } }) => e.node.id);
const ratingOf = async (productId: string) => (await stored(productId)).rating;

describe('moderationReviews', () => {
  it('lists every review of any state newest first, by state, product and rating, SUPPORT or ADMIN', async () => {
    const { productId, ids } = await reviewed([5, 1, 2, 4]);
    expect((await sub.graphql(HIDE, { id: ids[1] }, support)).errors).toBeUndefined();
    const newestFirst = [...ids].reverse();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ productId }, newestFirst],
      [{ productId, visibility: 'ALL' }, newestFirst],
      [{ productId, visibility: 'VISIBLE' }, [ids[3]!, ids[2]!, ids[0]!]],
      [{ productId, visibility: 'HIDDEN' }, [ids[1]!]],
      [{ productId, minRating: 1, maxRating: 2 }, [ids[2]!, ids[1]!]],
      [{ productId, visibility: 'VISIBLE', maxRating: 2 }, [ids[2]!]],
      [{ productId, minRating: 4 }, [ids[3]!, ids[0]!]],
    ];
    for (const viewer of [support, admin])
      for (const [filter, expected] of cases) {
        const answer = await moderation(viewer, { filter });
        expect(answer.errors, JSON.stringify(filter)).toBeUndefined();
        expect(listedIds(answer), JSON.stringify(filter)).toEqual(expected);
      }
    // Without a product: this product's hidden review among everyone's, newest first.
    const all = await moderation(support, { filter: { visibility: 'HIDDEN' }, first: 50 });
    expect(listedIds(all)).toContain(ids[1]);
    const listed = all.data.moderationReviews.edges.map((e: any) => e.node);
    expect(listed.every((node: { hidden: boolean }) => node.hidden)).toBe(true);
  });

  it('answers FORBIDDEN to the other roles, UNAUTHENTICATED to a guest, and refuses a bad filter on its field', async () => {
    for (const viewer of REFUSED) {
      const refused = await moderation(viewer, {});
      expect(refused.errors?.[0]?.extensions?.code, viewer.role).toBe('FORBIDDEN');
    }
    expect((await moderation(null, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const bad: [Record<string, unknown>, string][] = [
      [{ minRating: 0 }, 'filter.minRating'],
      [{ maxRating: 6 }, 'filter.maxRating'],
      [{ minRating: 4, maxRating: 2 }, 'filter.maxRating'],
      [{ productId: '  ' }, 'filter.productId'],
    ];
    for (const [filter, field] of bad) {
      const refused = await moderation(support, { filter });
      expect(refused.errors?.[0]?.extensions, JSON.stringify(filter)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
    }
  });

  it('pages by cursor, each review once, and a page costs one find however many it holds', async () => {
    const { productId, ids } = await reviewed([3, 3, 3, 3, 3]);
    const seen: string[] = [];
    let after: string | null = null;
    const counts: unknown[] = [];
    for (let page = 0; page < 5; page++) {
      const answer: any = await moderation(support, { filter: { productId }, first: 2, after });
      expect(answer.errors).toBeUndefined();
      seen.push(...listedIds(answer));
      counts.push(answer.commands().byCommand);
      const { hasNextPage, endCursor } = answer.data.moderationReviews.pageInfo;
      if (!hasNextPage) break;
      after = endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    expect(counts).toEqual([{ find: 1 }, { find: 1 }, { find: 1 }]);
    // A page of 50 (every review of every test so far): still one find.
    const big = await moderation(support, { first: 50 });
    expect(big.data.moderationReviews.edges.length).toBeGreaterThan(5);
    expect(big.commands().byCommand).toEqual({ find: 1 });
  });

  // The test server's explain names the index it scans; whether the sort is then merged from the
  // index (MongoDB's planner does for `$in` lists) it cannot show.
  it.each([
    ['any state and rating', {}],
    ['the hidden complaints', { visibility: 'HIDDEN', minRating: 1, maxRating: 2 }],
    ['one product', { productId: 'product-x' }],
    ['one product, visible, 5 stars', { productId: 'product-x', visibility: 'VISIBLE', minRating: 5 }],
  ])('finds %s through an index, not a collection scan', async (_what, filter) => {
    const explained = await sub.conn
      .collection('reviews')
      .find(moderationMatch(filter as ReviewModerationFilter))
      .sort({ createdAt: -1, _id: -1 })
      .limit(21)
      .explain();
    const plan = JSON.stringify(explained.queryPlanner.winningPlan);
    expect(plan).toContain('IXSCAN');
    expect(plan).not.toContain('COLLSCAN');
  });
});

describe('unhideReview', () => {
  it("is hideReview's mirror: the review and its rating are back, exactly once however often it is asked", async () => {
    const { productId, ids } = await reviewed([5, 2]);
    expect(await ratingOf(productId)).toMatchObject({ count: 2, sum: 7 });
    expect((await sub.graphql(HIDE, { id: ids[1] }, support)).data.hideReview.hidden).toBe(true);
    expect(await ratingOf(productId)).toMatchObject({ count: 1, sum: 5 });

    for (const viewer of [support, admin]) {
      const restored = await sub.graphql(UNHIDE, { id: ids[1] }, viewer);
      expect(restored.errors).toBeUndefined();
      expect(restored.data.unhideReview).toEqual({ id: ids[1], hidden: false });
      // The second call (ADMIN's) finds it shown already: nothing changes.
      expect(await ratingOf(productId)).toMatchObject({ count: 2, sum: 7 });
    }
    // Two at once: one restores, the other finds it restored.
    await sub.graphql(HIDE, { id: ids[0] }, support);
    const both = await Promise.all([1, 2].map(() => sub.graphql(UNHIDE, { id: ids[0] }, support)));
    expect(both.map((answer) => answer.errors)).toEqual([undefined, undefined]);
    expect(await ratingOf(productId)).toMatchObject({ count: 2, sum: 7 });
    const page = await sub.graphql(
      'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { rating { count average } reviews { edges { node { id } } } } } }',
      { reps: [productRef(productId)] },
      null,
    );
    expect(page.data._entities[0]).toEqual({
      rating: { count: 2, average: 3.5 },
      reviews: { edges: [{ node: { id: ids[1] } }, { node: { id: ids[0] } }] },
    });
    expect((await stored(productId)).reviews.map((r) => r.hiddenBy)).toEqual([null, null]);
  });

  it('answers FORBIDDEN to the other roles and writes nothing; NOT_FOUND for an unknown review', async () => {
    const { productId, ids } = await reviewed([1]);
    await sub.graphql(HIDE, { id: ids[0] }, admin);
    for (const viewer of REFUSED)
      for (const document of [UNHIDE, HIDE]) {
        const refused = await sub.graphql(document, { id: ids[0] }, viewer);
        expect(refused.errors?.[0]?.extensions?.code, viewer.role).toBe('FORBIDDEN');
      }
    const { reviews, rating } = await stored(productId);
    expect(reviews.map((r) => [r.hidden, r.hiddenBy])).toEqual([[true, 'admin-1']]);
    expect(rating).toMatchObject({ count: 0, sum: 0 });
    for (const id of ['000000000000000000000000', 'not-an-id']) {
      const missing = await sub.graphql(UNHIDE, { id }, support);
      expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
  });
});

describe('Review as an entity', () => {
  const REVIEW = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Review { id hidden } } }`;
  const reviewRef = (id: string) => ({ __typename: 'Review', id });

  it('resolves a hidden review for its author, SUPPORT and ADMIN only', async () => {
    const author = customer();
    const productId = await bought(author);
    const added = await addReview(author, { productId, text: 'Will be hidden.' });
    const id = added.data.addReview.id as string;
    expect((await sub.graphql(HIDE, { id }, support)).errors).toBeUndefined();
    for (const [viewer, sees] of [
      [author, true],
      [support, true],
      [admin, true],
      [customer(), false],
      [null, false],
    ] as const) {
      const answer = await sub.graphql(REVIEW, { reps: [reviewRef(id)] }, viewer ?? undefined);
      expect(answer.errors, viewer?.role ?? 'guest').toBeUndefined();
      expect(answer.data._entities, viewer?.role ?? 'guest').toEqual([sees ? { id, hidden: true } : null]);
    }
  });
});

describe('Review.auditTrail', () => {
  const TRAIL = `query($filter: ReviewModerationFilter) {
    moderationReviews(filter: $filter) { edges { node { id auditTrail { action actor { type userId role } } } } }
  }`;
  const trailOf = async (productId: string, viewer: Viewer) => {
    const answer = await sub.graphql(TRAIL, { filter: { productId } }, viewer);
    expect(answer.errors).toBeUndefined();
    return answer.data.moderationReviews.edges[0].node.auditTrail;
  };

  it('records each hide and restore with its moderator, once per change, for SUPPORT and ADMIN to read', async () => {
    const { productId, ids } = await reviewed([2]);
    const id = ids[0]!;
    expect(await trailOf(productId, support)).toEqual([]);
    for (const [document, viewer] of [
      [HIDE, support],
      [HIDE, admin], // already hidden: nothing changes, nothing is recorded
      [UNHIDE, admin],
      [UNHIDE, support],
    ] as const)
      expect((await sub.graphql(document, { id }, viewer)).errors).toBeUndefined();
    const expected = [
      { action: 'review.hidden', actor: { type: 'USER', userId: support.id, role: 'SUPPORT' } },
      { action: 'review.restored', actor: { type: 'USER', userId: admin.id, role: 'ADMIN' } },
    ];
    expect(await trailOf(productId, support)).toEqual(expected);
    expect(await trailOf(productId, admin)).toEqual(expected);
  });

  it('is FORBIDDEN to the review’s author', async () => {
    const author = customer();
    const productId = await bought(author);
    expect((await addReview(author, { productId })).errors).toBeUndefined();
    const answer = await sub.graphql(
      'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { myReview { auditTrail { action } } } } }',
      { reps: [productRef(productId)] },
      author,
    );
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
