/**
 * The demo shop's shipping and tax (`npm run seed`), loaded through the gateway as an administrator
 * with the shipping subgraph's admin mutations, which replace what they name: running it again
 * changes nothing.
 *
 * - Tax: Germany (zone DE) 19% standard, 7% reduced, 0% zero; California (zone US-CA, the state
 *   rate) 7.25% standard and reduced (California taxes books like other goods), 0% zero. EUR prices include tax, USD prices exclude it.
 * - Shipping: zone EU (Germany and its neighbours, EUR) with standard (free from €50), express by
 *   weight and pickup in Berlin; zone US (USD) with ground (free from $75) and next-day express.
 */
import { loginAsAdmin, post } from './seed-catalog';

export const SEED_ZONES = [
  {
    code: 'EU',
    name: 'European Union',
    countries: ['DE', 'AT', 'FR', 'NL', 'BE', 'IT', 'ES'].map((country) => ({ country })),
  },
  { code: 'DE', name: 'Germany', countries: [{ country: 'DE' }] },
  { code: 'US', name: 'United States', countries: [{ country: 'US' }] },
  { code: 'US-CA', name: 'California', countries: [{ country: 'US', regions: ['CA'] }] },
];

const EU = { zoneCode: 'EU', currency: 'EUR' };
const US = { zoneCode: 'US', currency: 'USD' };

export const SEED_METHODS = [
  {
    ...EU,
    code: 'STANDARD',
    name: 'DHL Paket',
    carrier: 'DHL',
    type: 'STANDARD',
    pricing: 'FREE_OVER',
    flatAmount: 495,
    freeOverThreshold: 5000,
  },
  {
    ...EU,
    code: 'EXPRESS',
    name: 'DHL Express',
    carrier: 'DHL',
    type: 'EXPRESS',
    pricing: 'WEIGHT_BANDS',
    weightBands: [
      { minGrams: 0, maxGrams: 2000, amount: 990 },
      { minGrams: 2000, maxGrams: 10_000, amount: 1490 },
      { minGrams: 10_000, maxGrams: 31_500, amount: 2490 },
    ],
  },
  { ...EU, code: 'PICKUP', name: 'Pick up in Berlin', type: 'PICKUP', pricing: 'FLAT', flatAmount: 0 },
  {
    ...US,
    code: 'STANDARD',
    name: 'USPS Ground Advantage',
    carrier: 'USPS',
    type: 'STANDARD',
    pricing: 'FREE_OVER',
    flatAmount: 799,
    freeOverThreshold: 7500,
  },
  {
    ...US,
    code: 'EXPRESS',
    name: 'UPS Next Day Air',
    carrier: 'UPS',
    type: 'EXPRESS',
    pricing: 'FLAT',
    flatAmount: 1500,
  },
];

export const SEED_TAX_RATES = [
  { zoneCode: 'DE', taxClass: 'STANDARD', name: 'DE VAT 19%', ratePercent: 19 },
  { zoneCode: 'DE', taxClass: 'REDUCED', name: 'DE VAT 7%', ratePercent: 7 },
  { zoneCode: 'DE', taxClass: 'ZERO', name: 'DE VAT 0%', ratePercent: 0 },
  { zoneCode: 'US-CA', taxClass: 'STANDARD', name: 'CA sales tax 7.25%', ratePercent: 7.25 },
  { zoneCode: 'US-CA', taxClass: 'REDUCED', name: 'CA sales tax 7.25%', ratePercent: 7.25 },
  { zoneCode: 'US-CA', taxClass: 'ZERO', name: 'CA exempt', ratePercent: 0 },
];

export const SEED_TAX_SETTINGS = [
  { currency: 'EUR', pricesIncludeTax: true },
  { currency: 'USD', pricesIncludeTax: false },
];

const STEPS: { what: string; mutation: string; inputs: Record<string, unknown>[] }[] = [
  {
    what: 'zones',
    mutation: 'mutation SeedZone($input: ShippingZoneInput!) { saveShippingZone(input: $input) { code } }',
    inputs: SEED_ZONES.map((input) => ({ input })),
  },
  {
    what: 'shipping methods',
    mutation:
      'mutation SeedMethod($input: ShippingMethodInput!) { saveShippingMethod(input: $input) { id } }',
    inputs: SEED_METHODS.map((input) => ({ input })),
  },
  {
    what: 'tax rates',
    mutation: 'mutation SeedTaxRate($input: TaxRateInput!) { saveTaxRate(input: $input) { id } }',
    inputs: SEED_TAX_RATES.map((input) => ({ input })),
  },
  {
    what: 'tax settings',
    mutation:
      'mutation SeedTaxSetting($currency: String!, $pricesIncludeTax: Boolean!) { setTaxSetting(currency: $currency, pricesIncludeTax: $pricesIncludeTax) { currency } }',
    inputs: SEED_TAX_SETTINGS,
  },
];

/** Saves every zone, method, rate and setting above; throws naming the first one refused. */
export async function seedShipping(options: {
  gatewayUrl: string;
  email: string;
  password: string;
  log?: (line: string) => void;
}): Promise<void> {
  const { accessToken } = await loginAsAdmin(options.gatewayUrl, options.email, options.password);
  for (const step of STEPS) {
    for (const variables of step.inputs) {
      const result = await post(options.gatewayUrl, step.mutation, variables, accessToken);
      const error = result.errors?.[0];
      if (error)
        throw new Error(
          `seeding ${step.what} failed on ${JSON.stringify(variables)}: ${String(error.extensions?.code ?? 'ERROR')} ${error.message}`,
        );
    }
    options.log?.(`  ${step.what}: ${step.inputs.length}`);
  }
}
