import { adminToken, post, type SeedOptions } from './seed-catalog';

/** The demo promotions: two automatic ones and the WELCOME10 code (10 % off the order, once per customer). */
export const SEED_PROMOTIONS = [
  {
    name: '10% off Books',
    description: 'Every book is 10% off, no code needed.',
    kind: 'PERCENTAGE',
    percentOff: 10,
    target: 'CATEGORIES',
    categorySlugs: ['books'],
    automatic: true,
  },
  {
    name: 'Free shipping over $75',
    description: 'Orders of $75.00 or more ship free.',
    kind: 'FREE_SHIPPING',
    minSubtotal: 7500,
    currency: 'USD',
    automatic: true,
  },
  {
    name: 'Welcome: 10% off your order',
    description: 'Code WELCOME10, once per customer.',
    kind: 'PERCENTAGE',
    percentOff: 10,
    perCustomerLimit: 1,
    codes: ['WELCOME10'],
  },
] as const;

export interface PromotionSeedReport {
  created: number;
  /** A promotion of the same name, or holding the same code, exists: left alone. */
  skipped: number;
}

/** Creates the demo promotions through the gateway as an administrator; names and codes that exist are skipped. */
export async function seedPromotions(
  options: Pick<SeedOptions, 'gatewayUrl' | 'email' | 'password'>,
): Promise<PromotionSeedReport> {
  const token = await adminToken(options);
  const existing = await post(options.gatewayUrl, '{ promotions(first: 100) { name } }', {}, token);
  if (!existing.data)
    throw new Error(`Cannot list promotions: ${existing.errors?.[0]?.message ?? 'no answer'}`);
  const names = new Set((existing.data.promotions as { name: string }[]).map((p) => p.name));
  const report: PromotionSeedReport = { created: 0, skipped: 0 };
  for (const input of SEED_PROMOTIONS) {
    if (names.has(input.name)) {
      report.skipped += 1;
      continue;
    }
    const created = await post(
      options.gatewayUrl,
      'mutation SeedPromotion($input: PromotionInput!) { createPromotion(input: $input) { id } }',
      { input },
      token,
    );
    const error = created.errors?.[0];
    // A promotion of another name already holds the code: it is there, leave it.
    if (error?.extensions?.code === 'CONFLICT' && error.extensions.field === 'input.codes')
      report.skipped += 1;
    else if (error) throw new Error(`${input.name}: ${error.message}`);
    else report.created += 1;
  }
  return report;
}
