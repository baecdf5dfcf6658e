import { badUserInput } from './errors';

/**
 * The contract's `AddressInput` (schema/contract.graphql), as users' address book and orders'
 * shipping address both take it: the one TypeScript shape of it. Each subgraph validates it by its
 * own rules, the postal code by `normalizePostalCode` below.
 */
export interface AddressInput {
  name: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode: string;
  country: string;
  phone?: string | null;
}

/** A country's postal code format. */
interface PostalRule {
  /** Matched against the value as `tidy` leaves it. */
  pattern: RegExp;
  /** The stored form, from the match; by default the match as it is. */
  format?: (match: RegExpMatchArray) => string;
  /** Completes "postalCode: expected …". */
  expected: string;
}

/** `first second`: the one space the country writes between the two parts. */
const spaced = (m: RegExpMatchArray) => `${m[1]} ${m[2]}`;
/** `first-second`: the dash the country writes between the two parts. */
const dashed = (m: RegExpMatchArray) => `${m[1]}-${m[2]}`;

function digits(count: number, example: string, what: string): PostalRule {
  return {
    pattern: new RegExp(`^\\d{${count}}$`),
    expected: `${what} of ${count} digits such as ${example}`,
  };
}

const US_ZIP: PostalRule = {
  pattern: /^(\d{5})(?:[ -]?(\d{4}))?$/,
  format: (m) => (m[2] ? `${m[1]}-${m[2]}` : m[1]!),
  expected: 'a US ZIP code such as 94103 or 94103-1234',
};

/** The UK's outward code, a space, and the inward code (whose letters never include C I K M O V). */
function ukPostcode(outward: string, example: string, what: string): PostalRule {
  return {
    pattern: new RegExp(`^(${outward}) ?(\\d[ABD-HJLNP-UW-Z]{2})$`),
    format: spaced,
    expected: `${what} such as ${example}`,
  };
}

/**
 * The formats of the countries a storefront most often ships to (Universal Postal Union's
 * addressing S42 and the national posts' own rules), loose only about spacing: each is stored the
 * way the country's post writes it.
 */
const POSTAL_RULES: Readonly<Record<string, PostalRule>> = {
  US: US_ZIP,
  // US territories are in the ZIP system.
  PR: US_ZIP,
  GU: US_ZIP,
  VI: US_ZIP,
  AS: US_ZIP,
  MP: US_ZIP,
  // Canada: letters D F I O Q U are never used, and W Z never lead.
  CA: {
    pattern: /^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)$/,
    format: spaced,
    expected: 'a Canadian postal code such as K1A 0B1',
  },
  GB: ukPostcode('[A-Z]{1,2}\\d[A-Z\\d]?|GIR', 'SW1A 1AA', 'a UK postcode'),
  JE: ukPostcode('JE\\d\\d?', 'JE2 3AB', 'a Jersey postcode'),
  GG: ukPostcode('GY\\d\\d?', 'GY1 1AA', 'a Guernsey postcode'),
  IM: ukPostcode('IM\\d\\d?', 'IM1 1AA', 'an Isle of Man postcode'),
  // Ireland's Eircode: a routing key (or D6W) and a unique identifier, from a reduced alphabet.
  IE: {
    pattern: /^([AC-FHKNPRTV-Y]\d{2}|D6W) ?([0-9AC-FHKNPRTV-Y]{4})$/,
    format: spaced,
    expected: 'an Eircode such as A65 F4E2',
  },
  DE: digits(5, '10115', 'a German postcode'),
  FR: digits(5, '75001', 'a French postcode'),
  IT: digits(5, '00184', 'an Italian postcode (CAP)'),
  FI: digits(5, '00100', 'a Finnish postcode'),
  MX: digits(5, '06500', 'a Mexican postcode'),
  // Spain: the first two digits are the province, 01 to 52.
  ES: {
    pattern: /^(?:0[1-9]|[1-4]\d|5[0-2])\d{3}$/,
    expected: 'a Spanish postcode of 5 digits starting 01 to 52, such as 28013',
  },
  NL: { pattern: /^([1-9]\d{3}) ?([A-Z]{2})$/, format: spaced, expected: 'a Dutch postcode such as 1012 AB' },
  AT: digits(4, '1010', 'an Austrian postcode'),
  BE: digits(4, '1000', 'a Belgian postcode'),
  CH: digits(4, '8001', 'a Swiss postcode'),
  LU: digits(4, '2449', 'a Luxembourg postcode'),
  DK: digits(4, '1050', 'a Danish postcode'),
  NO: digits(4, '0150', 'a Norwegian postcode'),
  HU: digits(4, '1051', 'a Hungarian postcode'),
  AU: digits(4, '2000', 'an Australian postcode'),
  NZ: digits(4, '6011', 'a New Zealand postcode'),
  ZA: digits(4, '8001', 'a South African postcode'),
  SG: digits(6, '018956', 'a Singapore postcode'),
  SE: { pattern: /^(\d{3}) ?(\d{2})$/, format: spaced, expected: 'a Swedish postcode such as 113 51' },
  CZ: { pattern: /^(\d{3}) ?(\d{2})$/, format: spaced, expected: 'a Czech postcode such as 110 00' },
  SK: { pattern: /^(\d{3}) ?(\d{2})$/, format: spaced, expected: 'a Slovak postcode such as 811 01' },
  GR: { pattern: /^(\d{3}) ?(\d{2})$/, format: spaced, expected: 'a Greek postcode such as 105 57' },
  PL: { pattern: /^(\d{2})[ -]?(\d{3})$/, format: dashed, expected: 'a Polish postcode such as 00-950' },
  PT: {
    pattern: /^(\d{4})[ -]?(\d{3})$/,
    format: dashed,
    expected: 'a Portuguese postcode such as 1000-001',
  },
  BR: { pattern: /^(\d{5})[ -]?(\d{3})$/, format: dashed, expected: 'a Brazilian CEP such as 01310-100' },
  JP: {
    pattern: /^(\d{3})[ -]?(\d{4})$/,
    format: dashed,
    expected: 'a Japanese postal code such as 100-0001',
  },
  // India's PIN is written as 6 digits; a space after the third is common and dropped.
  IN: {
    pattern: /^([1-9]\d{2}) ?(\d{3})$/,
    format: (m) => `${m[1]}${m[2]}`,
    expected: 'an Indian PIN code of 6 digits such as 110001',
  },
};

/** Countries whose post uses no postal codes: the field may be left empty (stored as ""). */
const WITHOUT_POSTAL_CODES: ReadonlySet<string> = new Set([
  'AE',
  'AG',
  'AO',
  'BO',
  'BS',
  'BZ',
  'FJ',
  'HK',
  'MO',
  'QA',
  'ZW',
]);

/** Any other country: what a postal code anywhere looks like. */
const ANY_POSTAL_CODE: PostalRule = {
  pattern: /^[A-Z0-9](?:[A-Z0-9 -]{0,8}[A-Z0-9])?$/,
  expected: '1 to 10 letters, digits, spaces or dashes',
};

/**
 * Full-width characters (as a Japanese keyboard types them) as ASCII, upper case, one space
 * between words and none around a dash: what the rules match.
 */
function tidy(raw: string): string {
  return raw.normalize('NFKC').trim().toUpperCase().replace(/\s+/g, ' ').replace(/ ?- ?/g, '-');
}

/**
 * The postal code of an address in `country` (ISO 3166-1 alpha-2, any case) in the form its post
 * writes it (`94103-1234`, `K1A 0B1`, `SW1A 1AA`, `1012 AB`, `100-0001`), or "" for a country
 * without postal codes when none is given. Anything else is BAD_USER_INPUT on `field` (the
 * argument path, e.g. `input.shippingAddress.postalCode`) saying the format expected.
 */
export function normalizePostalCode(
  country: string,
  raw: string | null | undefined,
  field = 'postalCode',
): string {
  const name = field.split('.').pop()!;
  const code = country.trim().toUpperCase();
  const value = typeof raw === 'string' ? tidy(raw) : '';
  if (value === '') {
    if (WITHOUT_POSTAL_CODES.has(code)) return '';
    throw badUserInput(`${name} is required`, field);
  }
  const rule = POSTAL_RULES[code] ?? ANY_POSTAL_CODE;
  const match = value.match(rule.pattern);
  if (!match) throw badUserInput(`${name}: expected ${rule.expected}`, field);
  return rule.format ? rule.format(match) : value;
}
