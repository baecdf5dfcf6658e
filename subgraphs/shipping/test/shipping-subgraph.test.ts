import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSubgraphForTests, type TestSubgraph } from '@novamart/kit/testing';
import { shippingSubgraph, type ShippingServices } from '../src/index';

const ADMIN = { id: 'admin-1', role: 'ADMIN' as const };
const CUSTOMER = { id: 'customer-1', role: 'CUSTOMER' as const };

let sub: TestSubgraph<{ shipping: ShippingServices }>;

const SAVE_ZONE = `mutation($i: ShippingZoneInput!) { saveShippingZone(input: $i) { code name countries { country regions } } }`;
const SAVE_METHOD = `mutation($i: ShippingMethodInput!) { saveShippingMethod(input: $i) { code pricing flatAmount { amount } weightBands { minGrams maxGrams price { amount } } } }`;
const SAVE_RATE = `mutation($i: TaxRateInput!) { saveTaxRate(input: $i) { zoneCode taxClass name rate } }`;
const QUOTE = `query($i: ShippingQuoteInput!) { shippingQuote(input: $i) {
  options { code price { amount } } method { code } shippingCost { amount } pricesIncludeTax
  taxLines { name rate amount { amount } } taxTotal { amount } } }`;

/** A postal code of each country the tests ship to, as its post writes it. */
const POSTAL_CODES: Record<string, string> = {
  AT: '1010',
  CH: '8001',
  DE: '10115',
  FR: '75001',
  US: '97201',
};

const address = (country: string, region: string | null = null) => ({
  name: 'A',
  line1: '1 Road',
  city: 'Town',
  postalCode: POSTAL_CODES[country]!,
  country,
  region,
});

async function admin(query: string, variables: Record<string, unknown>) {
  const result = await sub.graphql(query, variables, ADMIN);
  expect(result.errors).toBeUndefined();
  return result.data;
}

beforeAll(async () => {
  sub = await startSubgraphForTests(shippingSubgraph);
  await admin(SAVE_ZONE, {
    i: { code: 'eu', name: 'EU', countries: [{ country: 'de' }, { country: 'FR' }] },
  });
  await admin(SAVE_ZONE, { i: { code: 'US', name: 'United States', countries: [{ country: 'US' }] } });
  await admin(SAVE_ZONE, {
    i: { code: 'US-CA', name: 'California', countries: [{ country: 'US', regions: ['CA'] }] },
  });
  await admin(SAVE_METHOD, {
    i: {
      zoneCode: 'EU',
      code: 'STANDARD',
      name: 'Standard',
      type: 'STANDARD',
      currency: 'EUR',
      pricing: 'FREE_OVER',
      flatAmount: 495,
      freeOverThreshold: 5000,
    },
  });
  await admin(SAVE_METHOD, {
    i: {
      zoneCode: 'EU',
      code: 'EXPRESS',
      name: 'Express',
      carrier: 'DHL',
      type: 'EXPRESS',
      currency: 'EUR',
      pricing: 'WEIGHT_BANDS',
      weightBands: [
        { minGrams: 0, maxGrams: 2000, amount: 990 },
        { minGrams: 2000, maxGrams: 10000, amount: 1490 },
      ],
    },
  });
  await admin(SAVE_METHOD, {
    i: {
      zoneCode: 'US',
      code: 'EXPRESS',
      name: 'Express',
      type: 'EXPRESS',
      currency: 'USD',
      pricing: 'FLAT',
      flatAmount: 1500,
    },
  });
  await admin(SAVE_RATE, { i: { zoneCode: 'EU', taxClass: 'STANDARD', name: 'VAT 19%', ratePercent: 19 } });
  await admin(SAVE_RATE, { i: { zoneCode: 'EU', taxClass: 'REDUCED', name: 'VAT 7%', ratePercent: 7 } });
  await admin(SAVE_RATE, {
    i: { zoneCode: 'US-CA', taxClass: 'STANDARD', name: 'CA sales tax', ratePercent: 7.25 },
  });
  await admin(`mutation { setTaxSetting(currency: "EUR", pricesIncludeTax: true) { currency } }`, {});
});

afterAll(() => sub?.stop());

describe('administration', () => {
  it('is for admins only', async () => {
    const result = await sub.graphql(
      SAVE_ZONE,
      { i: { code: 'X', name: 'X', countries: [{ country: 'IT' }] } },
      CUSTOMER,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await sub.graphql(SAVE_ZONE, {
      i: { code: 'X', name: 'X', countries: [{ country: 'IT' }] },
    });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses overlapping weight bands with the field and writes nothing', async () => {
    const before = await sub.conn.collection('shipping_methods').countDocuments();
    const result = await sub.graphql(
      SAVE_METHOD,
      {
        i: {
          zoneCode: 'EU',
          code: 'BULKY',
          name: 'Bulky',
          type: 'STANDARD',
          currency: 'EUR',
          pricing: 'WEIGHT_BANDS',
          weightBands: [
            { minGrams: 0, maxGrams: 5000, amount: 990 },
            { minGrams: 4000, amount: 1990 },
          ],
        },
      },
      ADMIN,
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.weightBands[1].minGrams',
    });
    expect(await sub.conn.collection('shipping_methods').countDocuments()).toBe(before);
  });

  it('names the field of every other bad value', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        SAVE_ZONE,
        { code: 'BAD', name: 'Bad', countries: [{ country: 'Germany' }] },
        'input.countries[0].country',
      ],
      [SAVE_ZONE, { code: 'BAD', name: 'Bad', countries: [] }, 'input.countries'],
      [
        SAVE_RATE,
        { zoneCode: 'EU', taxClass: 'STANDARD', name: 'VAT', ratePercent: 19.005 },
        'input.ratePercent',
      ],
      [
        SAVE_RATE,
        { zoneCode: 'NOWHERE', taxClass: 'STANDARD', name: 'VAT', ratePercent: 19 },
        'input.zoneCode',
      ],
      [
        SAVE_METHOD,
        {
          zoneCode: 'EU',
          code: 'X',
          name: 'X',
          type: 'STANDARD',
          currency: 'EUR',
          pricing: 'FREE_OVER',
          flatAmount: 100,
        },
        'input.freeOverThreshold',
      ],
      [
        SAVE_METHOD,
        {
          zoneCode: 'EU',
          code: 'X',
          name: 'X',
          type: 'STANDARD',
          currency: 'EURO',
          pricing: 'FLAT',
          flatAmount: 1,
        },
        'input.currency',
      ],
    ];
    for (const [query, input, field] of cases) {
      const result = await sub.graphql(query, { i: input }, ADMIN);
      expect(result.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await sub.conn.collection('zones').countDocuments({ _id: 'BAD' } as never)).toBe(0);
  });

  it('lists zones with their methods and rates in a constant number of commands', async () => {
    const result = await sub.graphql(
      `{ shippingZones { code countries { country regions } methods { code } taxRates { taxClass rate } } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.shippingZones).toEqual([
      {
        code: 'EU',
        countries: [
          { country: 'DE', regions: [] },
          { country: 'FR', regions: [] },
        ],
        methods: [{ code: 'EXPRESS' }, { code: 'STANDARD' }],
        taxRates: [
          { taxClass: 'REDUCED', rate: 7 },
          { taxClass: 'STANDARD', rate: 19 },
        ],
      },
      {
        code: 'US',
        countries: [{ country: 'US', regions: [] }],
        methods: [{ code: 'EXPRESS' }],
        taxRates: [],
      },
      {
        code: 'US-CA',
        countries: [{ country: 'US', regions: ['CA'] }],
        methods: [],
        taxRates: [{ taxClass: 'STANDARD', rate: 7.25 }],
      },
    ]);
    // The zones, then one $in over all zones' methods and one over their rates.
    expect(result.commands()).toMatchObject({ total: 3, byCommand: { find: 3 } });
  });

  it('refuses a country code ISO 3166-1 does not assign on its entry, saving nothing, and takes an assigned one', async () => {
    const zones = () =>
      sub.conn
        .collection('zones')
        .find({}, { sort: { _id: 1 } })
        .toArray();
    const before = await zones();
    // Two capital letters that name no country: user-assigned (ZZ, XX, QQ), or not assigned (UK).
    for (const country of ['ZZ', ' xx ', 'QQ', 'UK']) {
      const created = await sub.graphql(
        SAVE_ZONE,
        { i: { code: 'NOWHERE', name: 'Nowhere', countries: [{ country: 'DE' }, { country }] } },
        ADMIN,
      );
      expect(created.errors?.[0], country).toMatchObject({
        message: 'must be an ISO 3166-1 alpha-2 code such as DE',
        extensions: { code: 'BAD_USER_INPUT', field: 'input.countries[1].country' },
      });
    }
    const changed = await sub.graphql(
      SAVE_ZONE,
      { i: { code: 'EU', name: 'EU', countries: [{ country: 'DE' }, { country: 'FR' }, { country: 'ZZ' }] } },
      ADMIN,
    );
    expect(changed.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.countries[2].country',
    });
    expect(await zones()).toEqual(before);

    // Japan's zone as the shippingCountries tests save it again (no method: it changes no quote).
    const japan = await admin(SAVE_ZONE, {
      i: { code: 'JP', name: 'Japan', countries: [{ country: ' jp ' }] },
    });
    expect(japan.saveShippingZone.countries).toEqual([{ country: 'JP', regions: [] }]);
  });
});

describe('deleting a method', () => {
  it('removes it for admins; a second delete is NOT_FOUND', async () => {
    await admin(SAVE_METHOD, {
      i: {
        zoneCode: 'US',
        code: 'FREIGHT',
        name: 'Freight',
        type: 'STANDARD',
        currency: 'USD',
        pricing: 'FLAT',
        flatAmount: 9900,
      },
    });
    const remove = `mutation { deleteShippingMethod(zoneCode: "US", code: "FREIGHT") }`;
    expect((await sub.graphql(remove, {}, CUSTOMER)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await sub.graphql(remove, {}, ADMIN)).data).toEqual({ deleteShippingMethod: true });
    expect((await sub.graphql(remove, {}, ADMIN)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await sub.conn.collection('shipping_methods').countDocuments({ code: 'FREIGHT' })).toBe(0);
  });
});

describe('deleting a zone, a tax rate, a tax setting', () => {
  const DELETE_ZONE = `mutation($c: String!) { deleteShippingZone(code: $c) }`;
  const DELETE_RATE = `mutation($z: String!, $t: TaxClass!) { deleteTaxRate(zoneCode: $z, taxClass: $t) }`;
  const REMOVE_SETTING = `mutation($c: String!) { removeTaxSetting(currency: $c) }`;
  const ZONES = `{ shippingZones { code methods { code } taxRates { taxClass } } }`;
  const lines = [
    { key: 'a', amount: 2000 },
    { key: 'b', amount: 1000, taxClass: 'REDUCED' },
  ];
  const quoteTo = async (country: string, currency = 'EUR') => {
    const result = await sub.graphql(QUOTE, {
      i: { address: address(country), currency, lines, defaultShippingAmount: 499 },
    });
    expect(result.errors).toBeUndefined();
    return result.data.shippingQuote;
  };
  const zoneRows = async (zoneCode: string) => ({
    zones: await sub.conn.collection('zones').countDocuments({ _id: zoneCode } as never),
    methods: await sub.conn.collection('shipping_methods').countDocuments({ zoneCode }),
    rates: await sub.conn.collection('tax_rates').countDocuments({ zoneCode }),
  });

  /** Austria: a zone of its own with a method and two rates, as a merchant's mistake might be. */
  async function saveAlps() {
    await admin(SAVE_ZONE, { i: { code: 'ALPS', name: 'Alps', countries: [{ country: 'AT' }] } });
    await admin(SAVE_METHOD, {
      i: {
        zoneCode: 'ALPS',
        code: 'POST',
        name: 'Post',
        type: 'STANDARD',
        currency: 'EUR',
        pricing: 'FLAT',
        flatAmount: 600,
      },
    });
    await admin(SAVE_RATE, {
      i: { zoneCode: 'ALPS', taxClass: 'STANDARD', name: 'AT 20%', ratePercent: 20 },
    });
    await admin(SAVE_RATE, { i: { zoneCode: 'ALPS', taxClass: 'REDUCED', name: 'AT 10%', ratePercent: 10 } });
  }

  it('is for admins only, and names the field of a bad value', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [DELETE_ZONE, { c: 'not a code' }, 'code'],
      [DELETE_RATE, { z: ' ', t: 'STANDARD' }, 'zoneCode'],
      [REMOVE_SETTING, { c: 'EURO' }, 'currency'],
    ];
    for (const [query, variables, field] of cases) {
      expect((await sub.graphql(query, variables, CUSTOMER)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await sub.graphql(query, variables)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const result = await sub.graphql(query, variables, ADMIN);
      expect(result.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const unknownClass = await sub.graphql(DELETE_RATE, { z: 'EU', t: 'LUXURY' }, ADMIN);
    expect(unknownClass.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('deletes a tax rate: the class is untaxed there after; a second delete is NOT_FOUND', async () => {
    await saveAlps();
    expect((await quoteTo('AT')).taxLines).toEqual([
      { name: 'AT 20%', rate: 20, amount: { amount: 416 } },
      { name: 'AT 10%', rate: 10, amount: { amount: 91 } },
    ]);
    const variables = { z: 'alps', t: 'REDUCED' };
    expect((await sub.graphql(DELETE_RATE, variables, ADMIN)).data).toEqual({ deleteTaxRate: true });
    expect((await sub.graphql(DELETE_RATE, variables, ADMIN)).errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );
    // 20% included in the goods' 2000 (333.33 → 333) and the default 499 shipping (83.17 → 83);
    // the REDUCED line untaxed.
    expect((await quoteTo('AT')).taxLines).toEqual([{ name: 'AT 20%', rate: 20, amount: { amount: 416 } }]);
    expect((await zoneRows('ALPS')).rates).toBe(1);
  });

  it('deletes a zone with its methods and rates: its country then quotes as a country in no zone', async () => {
    const unzoned = await quoteTo('CH');
    expect(unzoned).toMatchObject({ options: [], shippingCost: { amount: 499 }, taxLines: [] });
    expect(await quoteTo('AT')).not.toEqual(unzoned);
    expect((await sub.graphql(DELETE_ZONE, { c: 'Alps' }, ADMIN)).data).toEqual({ deleteShippingZone: true });
    expect(await zoneRows('ALPS')).toEqual({ zones: 0, methods: 0, rates: 0 });
    expect(await quoteTo('AT')).toEqual(unzoned);
    const listed = (await sub.graphql(ZONES)).data.shippingZones.map((z: { code: string }) => z.code);
    expect(listed).toContain('EU');
    expect(listed).not.toContain('ALPS');
    const again = await sub.graphql(DELETE_ZONE, { c: 'ALPS' }, ADMIN);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    // A zone saved later under the same code starts empty: nothing of the old one comes back.
    await admin(SAVE_ZONE, { i: { code: 'ALPS', name: 'Alps', countries: [{ country: 'AT' }] } });
    expect((await sub.graphql(ZONES)).data.shippingZones).toContainEqual({
      code: 'ALPS',
      methods: [],
      taxRates: [],
    });
    await admin(DELETE_ZONE, { c: 'ALPS' });
  });

  it('deletes nothing of a zone when a write fails halfway', async () => {
    await saveAlps();
    const before = await zoneRows('ALPS');
    const rates = vi
      .spyOn(sub.services.shipping.rates, 'deleteMany')
      .mockRejectedValueOnce(new Error('the process died here'));
    try {
      expect((await sub.graphql(DELETE_ZONE, { c: 'ALPS' }, ADMIN)).errors).toBeDefined();
    } finally {
      rates.mockRestore();
    }
    expect(await zoneRows('ALPS')).toEqual(before);
    expect(before).toEqual({ zones: 1, methods: 1, rates: 2 });
    await admin(DELETE_ZONE, { c: 'ALPS' });
    expect(await zoneRows('ALPS')).toEqual({ zones: 0, methods: 0, rates: 0 });
  });

  it('lets no method saved while its zone is deleted outlive the zone', async () => {
    await saveAlps();
    const { zones, methods } = sub.services.shipping;
    const deleteOne = vi.spyOn(zones, 'deleteOne');
    const write = methods.findOneAndUpdate.bind(methods);
    let deleting: Promise<unknown> | undefined;
    // The save has passed its zone check and is about to write the method: the zone's delete runs
    // now, and the save writes once the delete has committed, or once its first attempt failed on
    // the save's transaction (it then runs again after the save commits).
    const save = vi.spyOn(methods, 'findOneAndUpdate').mockImplementationOnce(((
      ...args: Parameters<typeof write>
    ) => {
      const waited = (async () => {
        deleting = sub.graphql(DELETE_ZONE, { c: 'ALPS' }, ADMIN);
        await vi.waitFor(() => expect(deleteOne).toHaveBeenCalled());
        const firstAttempt = deleteOne.mock.results[0]!.value as Promise<unknown>;
        await Promise.race([
          deleting,
          firstAttempt.then(
            () => deleting,
            () => undefined,
          ),
        ]);
      })();
      return { lean: async () => (await waited, write(...args).lean()) };
    }) as never);
    try {
      // The save answers the method or, when the delete committed first, that there is no zone.
      await sub.graphql(
        SAVE_METHOD,
        {
          i: {
            zoneCode: 'ALPS',
            code: 'LATE',
            name: 'Late',
            type: 'STANDARD',
            currency: 'EUR',
            pricing: 'FLAT',
            flatAmount: 900,
          },
        },
        ADMIN,
      );
      expect(((await deleting) as { data?: unknown }).data).toEqual({ deleteShippingZone: true });
      // Whichever committed first, nothing is left of the zone: no method or rate without it.
      expect(await zoneRows('ALPS')).toEqual({ zones: 0, methods: 0, rates: 0 });
    } finally {
      save.mockRestore();
      deleteOne.mockRestore();
    }
  });

  it('removes a tax setting: the currency is tax-exclusive again; a second remove is NOT_FOUND', async () => {
    await admin(`mutation { setTaxSetting(currency: "CHF", pricesIncludeTax: true) { currency } }`, {});
    const settings = async () => (await sub.graphql(`{ taxSettings { currency pricesIncludeTax } }`)).data;
    expect((await settings()).taxSettings).toContainEqual({ currency: 'CHF', pricesIncludeTax: true });
    expect((await quoteTo('CH', 'CHF')).pricesIncludeTax).toBe(true);
    expect((await sub.graphql(REMOVE_SETTING, { c: 'chf' }, ADMIN)).data).toEqual({ removeTaxSetting: true });
    expect((await settings()).taxSettings).toEqual([{ currency: 'EUR', pricesIncludeTax: true }]);
    expect((await quoteTo('CH', 'CHF')).pricesIncludeTax).toBe(false);
    expect((await sub.graphql(REMOVE_SETTING, { c: 'CHF' }, ADMIN)).errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );
  });
});

describe('shippingQuote', () => {
  it('prices the methods of the address and extracts inclusive tax per line (Germany)', async () => {
    const result = await sub.graphql(QUOTE, {
      i: {
        address: address('DE'),
        currency: 'EUR',
        lines: [
          { key: 'a', amount: 1999 },
          { key: 'b', amount: 1070, taxClass: 'REDUCED', weightGrams: 2500 },
        ],
        shippingMethodCode: 'express',
      },
    });
    expect(result.errors).toBeUndefined();
    // 2.5 kg → the 2-10 kg band, €14.90. Goods €30.69 < €50: STANDARD €4.95.
    expect(result.data.shippingQuote).toEqual({
      // Cheapest first.
      options: [
        { code: 'STANDARD', price: { amount: 495 } },
        { code: 'EXPRESS', price: { amount: 1490 } },
      ],
      method: { code: 'EXPRESS' },
      shippingCost: { amount: 1490 },
      pricesIncludeTax: true,
      // 19%: 1999 → 319.17 → 319, shipping 1490 → 237.90 → 238; 7%: 1070 → 70.
      taxLines: [
        { name: 'VAT 19%', rate: 19, amount: { amount: 557 } },
        { name: 'VAT 7%', rate: 7, amount: { amount: 70 } },
      ],
      taxTotal: { amount: 627 },
    });
    // Zones and methods, the currency's setting, the tax provider's zones and rates.
    expect(result.commands()).toMatchObject({ total: 5, byCommand: { find: 5 } });
  });

  it('taxes after discounts, and by the region of the address (California, exclusive)', async () => {
    const result = await sub.graphql(QUOTE, {
      i: {
        address: address('US', 'ca'),
        currency: 'USD',
        lines: [{ key: 'a', amount: 1999, discount: 999 }],
        shippingMethodCode: 'EXPRESS',
      },
    });
    // 7.25% of (1999 - 999) = 72.5 → 72 (even); of the 1500 shipping = 108.75 → 109.
    expect(result.data.shippingQuote).toMatchObject({
      pricesIncludeTax: false,
      taxLines: [{ name: 'CA sales tax', rate: 7.25, amount: { amount: 181 } }],
      taxTotal: { amount: 181 },
    });
    const oregon = await sub.graphql(QUOTE, {
      i: { address: address('US', 'OR'), currency: 'USD', lines: [{ key: 'a', amount: 1999 }] },
    });
    expect(oregon.data.shippingQuote).toMatchObject({
      taxLines: [],
      taxTotal: { amount: 0 },
      shippingCost: { amount: 0 },
    });
  });

  it('refuses a method that does not ship to the address, naming the field and what does', async () => {
    const result = await sub.graphql(QUOTE, {
      i: {
        address: address('DE'),
        currency: 'EUR',
        lines: [{ key: 'a', amount: 100 }],
        shippingMethodCode: 'PICKUP',
      },
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.shippingMethodCode',
      available: ['STANDARD', 'EXPRESS'],
    });
    const tooMany = await sub.graphql(QUOTE, {
      i: {
        address: address('DE'),
        currency: 'EUR',
        lines: Array.from({ length: 1001 }, (_, i) => ({ key: String(i), amount: 1 })),
      },
    });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines' });
    const tooHeavy = await sub.graphql(QUOTE, {
      i: {
        address: address('FR'),
        currency: 'EUR',
        lines: [{ key: 'a', amount: 100, weightGrams: 10_000 }],
        shippingMethodCode: 'EXPRESS',
      },
    });
    expect(tooHeavy.errors?.[0]?.extensions).toMatchObject({
      field: 'input.shippingMethodCode',
      available: ['STANDARD'],
    });
  });

  it('quotes an address in an assigned ISO 3166-1 country and refuses one that is not on input.address.country', async () => {
    const quote = (country: string) =>
      sub.graphql(QUOTE, {
        i: { address: { ...address('DE'), country }, currency: 'EUR', lines: [{ key: 'a', amount: 100 }] },
      });
    const germany = await quote(' de ');
    expect(germany.errors).toBeUndefined();
    expect(germany.data.shippingQuote.options.map((o: { code: string }) => o.code)).toEqual([
      'STANDARD',
      'EXPRESS',
    ]);
    // Two capital letters that name no country: user-assigned (ZZ, XX, QQ), or not assigned (UK).
    for (const country of ['ZZ', ' xx ', 'QQ', 'UK']) {
      expect((await quote(country)).errors?.[0], country).toMatchObject({
        message: 'country must be an ISO 3166-1 alpha-2 code such as US',
        extensions: { code: 'BAD_USER_INPUT', field: 'input.address.country' },
      });
    }
  });
});

describe('shippingCountries', () => {
  const COUNTRIES = `{ shippingCountries { code name } }`;

  it('lists, to anybody, the countries of zones with an active method, by name, once each, in one command', async () => {
    // Italy's only method is inactive and Japan's zone has none: neither is offered. Germany is in
    // two zones with methods, the US in a zone with methods and a tax-only one (US-CA).
    await admin(SAVE_ZONE, { i: { code: 'IT', name: 'Italy', countries: [{ country: 'IT' }] } });
    await admin(SAVE_ZONE, { i: { code: 'JP', name: 'Japan', countries: [{ country: 'JP' }] } });
    await admin(SAVE_ZONE, { i: { code: 'DE', name: 'Germany', countries: [{ country: 'DE' }] } });
    const method = { name: 'Post', type: 'STANDARD', currency: 'EUR', pricing: 'FLAT', flatAmount: 500 };
    await admin(SAVE_METHOD, { i: { ...method, zoneCode: 'IT', code: 'POST', active: false } });
    await admin(SAVE_METHOD, { i: { ...method, zoneCode: 'DE', code: 'POST' } });
    const expected = [
      { code: 'FR', name: 'France' },
      { code: 'DE', name: 'Germany' },
      { code: 'US', name: 'United States' },
    ];
    for (const user of [undefined, CUSTOMER]) {
      const result = await sub.graphql(COUNTRIES, {}, user);
      expect(result.errors).toBeUndefined();
      expect(result.data.shippingCountries).toEqual(expected);
      // One aggregate: the active methods' zones and their countries.
      expect(result.commands()).toMatchObject({ total: 1, byCommand: { aggregate: 1 } });
    }
  });

  it('offers a country once one of its methods is active, and not after its last is deleted', async () => {
    const method = { name: 'Post', type: 'STANDARD', currency: 'EUR', pricing: 'FLAT', flatAmount: 500 };
    await admin(SAVE_ZONE, {
      i: { code: 'NORDIC', name: 'Nordics', countries: [{ country: 'SE' }, { country: 'NO' }] },
    });
    await admin(SAVE_METHOD, { i: { ...method, zoneCode: 'NORDIC', code: 'POST' } });
    const codes = async () =>
      (await sub.graphql(COUNTRIES)).data.shippingCountries.map((c: { code: string }) => c.code);
    expect(await codes()).toEqual(['FR', 'DE', 'NO', 'SE', 'US']);
    await admin(`mutation { deleteShippingMethod(zoneCode: "NORDIC", code: "POST") }`, {});
    expect(await codes()).toEqual(['FR', 'DE', 'US']);
  });
});
