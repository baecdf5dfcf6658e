import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOUGHT_TOGETHER,
  customer,
  startRecommendations,
  type RecommendationsHarness,
} from './support/harness';

let h: RecommendationsHarness;
beforeAll(async () => {
  h = await startRecommendations();
});
afterAll(() => h?.stop());

const fbt = async (productIds: string[], first = 5) => {
  const result = await h.graphql(BOUGHT_TOGETHER, {
    reps: productIds.map((id) => ({ __typename: 'Product', id })),
    first,
  });
  expect(result.errors).toBeUndefined();
  return {
    lists: result.data._entities.map((e: any) => e.frequentlyBoughtTogether) as any[][],
    commands: result.commands(),
  };
};

describe('Product.frequentlyBoughtTogether', () => {
  it('after customers A and B each buy X and Y together, X starts with Y', async () => {
    const [x, y, z] = [
      await h.product('Espresso Machine'),
      await h.product('Coffee Grinder'),
      await h.product('Milk Jug'),
    ];
    const [a, b, c] = [customer(), customer(), customer()];
    await h.deliver(h.paid(a.id, [x, y]));
    await h.deliver(h.paid(b.id, [y, x]));
    await h.deliver(h.paid(c.id, [x, z]));

    const { lists } = await fbt([x]);
    expect(lists[0]).toEqual([
      { product: { id: y }, score: 2 / 3, reason: 'bought together with Espresso Machine' },
      { product: { id: z }, score: 1 / 3, reason: 'bought together with Espresso Machine' },
    ]);
    const fromY = await fbt([y]);
    expect(fromY.lists[0]).toEqual([
      { product: { id: x }, score: 1, reason: 'bought together with Coffee Grinder' },
    ]);
  });

  it('breaks ties by product id and honours first', async () => {
    const x = await h.product('Tent');
    const partners = [await h.product('Stove'), await h.product('Lamp'), await h.product('Mat')];
    await h.deliver(h.paid(null, [x, ...partners]));
    const sorted = [...partners].sort();
    expect((await fbt([x])).lists[0]!.map((r) => r.product.id)).toEqual(sorted);
    expect((await fbt([x], 2)).lists[0]!.map((r) => r.product.id)).toEqual(sorted.slice(0, 2));
  });

  it('counts a redelivered order.paid once', async () => {
    const [x, y, z] = [await h.product('Kettle'), await h.product('Teapot'), await h.product('Tea Cups')];
    const order = h.paid(customer().id, [x, y]);
    await h.deliver(order);
    await h.deliver(order);
    await h.deliver(h.paid(null, [x, z]));
    await h.deliver(h.paid(null, [x, z]));
    const { lists } = await fbt([x]);
    expect(lists[0]!.map((r) => [r.product.id, r.score])).toEqual([
      [z, 2 / 3],
      [y, 1 / 3],
    ]);
    const pair = await h.conn.collection('product_pairs').findOne({ _id: `${x}|${y}` as never });
    expect(pair).toMatchObject({ coPurchases: 1 });
  });

  it('is empty for a product never bought, and BAD_USER_INPUT for first outside 1..50', async () => {
    const lonely = await h.product('Lonely Lamp');
    expect((await fbt([lonely])).lists[0]).toEqual([]);
    const bad = await h.graphql(BOUGHT_TOGETHER, { reps: [{ __typename: 'Product', id: lonely }], first: 0 });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('resolves the lists of many products with one MongoDB command, and none once cached', async () => {
    const products: string[] = [];
    for (let i = 0; i < 20; i += 1) products.push(await h.product(`Batch ${i}`));
    for (let i = 0; i < 20; i += 2) await h.deliver(h.paid(null, [products[i]!, products[i + 1]!]));
    const cold = await fbt(products, 5);
    expect(cold.lists.every((list, i) => list[0]?.product.id === products[i % 2 ? i - 1 : i + 1])).toBe(true);
    expect(cold.commands.total).toBe(1);
    const warm = await fbt(products, 5);
    expect(warm.lists).toEqual(cold.lists);
    expect(warm.commands.total).toBe(0);
    console.warn(
      `[figures] frequentlyBoughtTogether for 20 products: ${cold.commands.total} command(s) ${JSON.stringify(cold.commands.byCommand)} uncached, ${warm.commands.total} cached`,
    );
  });
});
