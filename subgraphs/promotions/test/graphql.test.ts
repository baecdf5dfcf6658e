import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandStats, internalCallHeaders } from '@novamart/kit';
import { startSubgraphForTests, type TestSubgraph } from '@novamart/kit/testing';
import { promotionsSubgraph } from '../src/index';

let sub: TestSubgraph;
let admin: string;

async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const response = await fetch(sub.running.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: { extensions?: Record<string, any> }[] };
}

beforeAll(async () => {
  sub = await startSubgraphForTests(promotionsSubgraph);
  admin = await sub.tokens.bearer({ id: 'admin-1', role: 'ADMIN' });
});
afterAll(() => sub?.stop());

describe('promotions over GraphQL', () => {
  it('lists promotions with their codes in a constant number of database commands', async () => {
    for (let i = 0; i < 8; i++) {
      const created = await gql(
        'mutation($input: PromotionInput!) { createPromotion(input: $input) { id } }',
        {
          input: {
            name: `List ${i}`,
            kind: 'PERCENTAGE',
            percentOff: 5 + i,
            codes: [`LIST${i}A`, `LIST${i}B`],
          },
        },
        { authorization: admin },
      );
      expect(created.errors).toBeUndefined();
    }
    const requestId = `promotions-list-${Date.now()}`;
    const listed = await gql(
      '{ promotions(first: 100) { id name percentOff codes { code promotion { name } } } }',
      {},
      { authorization: admin, 'x-request-id': requestId },
    );
    expect(listed.data.promotions).toHaveLength(8);
    expect(listed.data.promotions[0]).toMatchObject({
      name: 'List 7',
      percentOff: 12,
      codes: [
        { code: 'LIST7A', promotion: { name: 'List 7' } },
        { code: 'LIST7B', promotion: { name: 'List 7' } },
      ],
    });
    // The page, one $in over the codes of every promotion, one $in over the codes' promotions.
    expect(commandStats.forRequest(requestId, { database: sub.conn.name })).toMatchObject({
      total: 3,
      byCommand: { find: 3 },
    });
  });

  it('is for admins only', async () => {
    const customer = await sub.tokens.bearer({ id: 'u-1', role: 'CUSTOMER' });
    const refused = await gql('{ promotions { id } }', {}, { authorization: customer });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await gql('mutation { setPromotionActive(id: "x", active: false) { id } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lets an admin change a promotion: a field left out keeps its value, a refusal names its field and writes nothing', async () => {
    const fields = 'id name description percentOff startsAt endsAt perCustomerLimit combinable automatic';
    const created = await gql(
      `mutation($input: PromotionInput!) { createPromotion(input: $input) { ${fields} } }`,
      {
        input: {
          name: 'Spring',
          description: 'Ten off',
          kind: 'PERCENTAGE',
          percentOff: 10,
          startsAt: '2026-03-01T00:00:00Z',
          perCustomerLimit: 1,
        },
      },
      { authorization: admin },
    );
    const original = created.data.createPromotion;
    const update = `mutation($id: ID!, $input: PromotionUpdateInput!) { updatePromotion(id: $id, input: $input) { ${fields} } }`;
    const changed = await gql(
      update,
      {
        id: original.id,
        input: {
          name: '  Spring sale ',
          endsAt: '2026-04-01T00:00:00Z',
          perCustomerLimit: null,
          combinable: false,
        },
      },
      { authorization: admin },
    );
    expect(changed.errors).toBeUndefined();
    expect(changed.data.updatePromotion).toEqual({
      ...original,
      name: 'Spring sale',
      endsAt: '2026-04-01T00:00:00.000Z',
      perCustomerLimit: null,
      combinable: false,
    });

    const backwards = await gql(
      update,
      { id: original.id, input: { name: 'Never saved', startsAt: '2026-05-01T00:00:00Z' } },
      { authorization: admin },
    );
    expect(backwards.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.endsAt',
    });
    const badName = await gql(update, { id: original.id, input: { name: ' ' } }, { authorization: admin });
    expect(badName.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    const read = await gql(
      `query($id: ID!) { promotion(id: $id) { ${fields} } }`,
      { id: original.id },
      {
        authorization: admin,
      },
    );
    expect(read.data.promotion).toEqual(changed.data.updatePromotion);

    const customer = await sub.tokens.bearer({ id: 'u-2', role: 'CUSTOMER' });
    const refused = await gql(
      update,
      { id: original.id, input: { name: 'Mine' } },
      { authorization: customer },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await gql(
      update,
      { id: 'no-such-promotion', input: { name: 'X' } },
      { authorization: admin },
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('lets an admin change the usage limit: never below the uses made, null for unlimited', async () => {
    const fields = 'id name usageLimit timesRedeemed';
    const created = await gql(
      `mutation($input: PromotionInput!) { createPromotion(input: $input) { ${fields} } }`,
      { input: { name: 'Limited', kind: 'PERCENTAGE', percentOff: 10, usageLimit: 2, codes: ['LIMITED2'] } },
      { authorization: admin },
    );
    const { id } = created.data.createPromotion;
    const redeem =
      'mutation($o: ID!, $i: DiscountQuoteInput!) { redeemDiscounts(orderId: $o, input: $i) { discountTotal } }';
    const order = {
      currency: 'USD',
      lines: [{ productId: 'p1', quantity: 1, unitAmount: 1000 }],
      codes: ['LIMITED2'],
    };
    for (const orderId of ['limit-order-1', 'limit-order-2'])
      expect((await gql(redeem, { o: orderId, i: order }, internalCallHeaders())).errors).toBeUndefined();

    const update = `mutation($id: ID!, $input: PromotionUpdateInput!) { updatePromotion(id: $id, input: $input) { ${fields} } }`;
    const refused = async (input: Record<string, unknown>) =>
      (await gql(update, { id, input }, { authorization: admin })).errors?.[0]?.extensions;
    expect(await refused({ name: 'Never saved', usageLimit: 1 })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.usageLimit',
      timesRedeemed: 2,
    });
    for (const usageLimit of [0, -5])
      expect(await refused({ usageLimit })).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.usageLimit',
      });
    // Not an Int: refused by the schema before the resolver.
    expect(await refused({ usageLimit: 2.5 })).toMatchObject({ code: 'BAD_USER_INPUT' });
    const read = await gql(
      `query($id: ID!) { promotion(id: $id) { ${fields} } }`,
      { id },
      { authorization: admin },
    );
    expect(read.data.promotion).toEqual({ id, name: 'Limited', usageLimit: 2, timesRedeemed: 2 });

    const raised = await gql(update, { id, input: { usageLimit: 3 } }, { authorization: admin });
    expect(raised.data.updatePromotion).toEqual({ id, name: 'Limited', usageLimit: 3, timesRedeemed: 2 });
    expect(
      (await gql(redeem, { o: 'limit-order-3', i: order }, internalCallHeaders())).errors,
    ).toBeUndefined();
    const unlimited = await gql(update, { id, input: { usageLimit: null } }, { authorization: admin });
    expect(unlimited.data.updatePromotion).toEqual({
      id,
      name: 'Limited',
      usageLimit: null,
      timesRedeemed: 3,
    });
  });

  it("answers the subgraphs' own operations only to another subgraph, whatever token a client shows", async () => {
    const quote =
      'query($i: DiscountQuoteInput!) { discountQuote(input: $i) { discountTotal rejectedCodes { code } } }';
    const input = { currency: 'USD', lines: [{ productId: 'p1', quantity: 1, unitAmount: 1000 }], codes: [] };
    const release = 'mutation { releaseDiscounts(orderId: "order-internal-test", reason: "test") }';
    const callers: Record<string, string>[] = [
      {},
      { authorization: admin },
      { 'x-novamart-internal': 'a-guess-of-the-token-of-sufficient-length' },
    ];
    for (const headers of callers) {
      for (const [query, variables] of [
        [quote, { i: input }],
        [release, {}],
      ] as const) {
        const refused = await gql(query, variables, headers);
        expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        expect(refused.data ?? null).toBeNull();
      }
    }
    // What kit's createSubgraphClient sends, as the cart and checkout do.
    const asked = await gql(quote, { i: input }, internalCallHeaders());
    expect(asked.errors).toBeUndefined();
    expect(asked.data.discountQuote).toEqual({ discountTotal: 0, rejectedCodes: [] });
    const released = await gql(release, {}, internalCallHeaders());
    expect(released).toEqual({ data: { releaseDiscounts: 0 } });
  });
});

describe('the back office pages through promotions and takes codes off them', () => {
  const create = (name: string, codes: string[] = []) =>
    gql(
      'mutation($input: PromotionInput!) { createPromotion(input: $input) { id } }',
      { input: { name, kind: 'PERCENTAGE', percentOff: 10, codes } },
      { authorization: admin },
    );

  it('pages newest first with `after`, the last id of the previous page, in two commands a page', async () => {
    for (let i = 0; i < 5; i++) expect((await create(`Paged ${i}`)).errors).toBeUndefined();
    const all = (await gql('{ promotions(first: 100) { id } }', {}, { authorization: admin })).data
      .promotions;
    expect(all.length).toBeGreaterThanOrEqual(5);
    const paged: string[] = [];
    let after: string | null = null;
    for (;;) {
      const requestId: string = `promotions-page-${paged.length}-${Date.now()}`;
      const page = await gql(
        'query($after: ID) { promotions(first: 2, after: $after) { id } }',
        { after },
        { authorization: admin, 'x-request-id': requestId },
      );
      const ids: string[] = page.data.promotions.map((p: { id: string }) => p.id);
      // The page's find, and the previous page's last promotion read for its position.
      expect(commandStats.forRequest(requestId, { database: sub.conn.name })?.total).toBe(after ? 2 : 1);
      paged.push(...ids);
      if (ids.length < 2) break;
      after = ids.at(-1)!;
    }
    // Every promotion once, in the order of the one long page.
    expect(paged).toEqual(all.map((p: { id: string }) => p.id));
  });

  it('refuses an `after` that names no promotion on `after`', async () => {
    const refused = await gql(
      '{ promotions(after: "no-such-promotion") { id } }',
      {},
      { authorization: admin },
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('takes a code off its promotion: the promotion keeps the others, a cart quoting it gets nothing', async () => {
    const created = await create('Leaky', ['LEAKED-1', 'KEPT-1']);
    const removal = 'mutation($code: String!) { deleteDiscountCode(code: $code) { id codes { code } } }';
    const customer = await sub.tokens.bearer({ id: 'u-2', role: 'CUSTOMER' });
    const refused = await gql(removal, { code: 'LEAKED-1' }, { authorization: customer });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const removed = await gql(removal, { code: ' leaked-1 ' }, { authorization: admin });
    expect(removed.errors).toBeUndefined();
    expect(removed.data.deleteDiscountCode).toEqual({
      id: created.data.createPromotion.id,
      codes: [{ code: 'KEPT-1' }],
    });
    const quote =
      'query($i: DiscountQuoteInput!) { discountQuote(input: $i) { discountTotal rejectedCodes { code reason } } }';
    const lines = [{ productId: 'p1', quantity: 1, unitAmount: 1000 }];
    const quoted = await gql(
      quote,
      { i: { currency: 'USD', lines, codes: ['LEAKED-1', 'KEPT-1'] } },
      internalCallHeaders(),
    );
    expect(quoted.data.discountQuote.discountTotal).toBe(100);
    expect(quoted.data.discountQuote.rejectedCodes).toEqual([
      { code: 'LEAKED-1', reason: expect.any(String) },
    ]);

    const again = await gql(removal, { code: 'LEAKED-1' }, { authorization: admin });
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await gql(removal, { code: '!' }, { authorization: admin });
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
  });
});
