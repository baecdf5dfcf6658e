/**
 * The officially assigned codes of ISO 3166-1 alpha-2, all 249, in upper case and alphabetical
 * order: the one list of countries the API takes. Two capital letters are not enough: "ZZ", "XX"
 * or "QQ" are user-assigned or unassigned and name no country. The API takes these and XK
 * (`COUNTRY_CODES`): users' address book, orders' checkout addresses, shipping's zones and
 * shipping's quotes all check a country with `isCountryCode`, after their own normalisation
 * (trimmed, upper-cased).
 *
 * The storefront imports nothing from the packages, so it keeps its own copy of the list for the
 * address book's country select (storefront/src/country-codes.ts); tests/country-codes.test.ts
 * keeps the two equal. A change to the standard (a code assigned or withdrawn by the ISO 3166
 * Maintenance Agency) is made in both.
 */
export const ISO_3166_ALPHA_2_CODES: readonly string[] = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ ' +
  'BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM ' +
  'DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS ' +
  'GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN ' +
  'KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ ' +
  'MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM ' +
  'PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV ' +
  'SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI ' +
  'VN VU WF WS YE YT ZA ZM ZW'
).split(' ');

/**
 * The countries the API takes, sorted: the assigned codes and XK. ISO 3166 assigns no code to
 * Kosovo; XK is the user-assigned code the European Commission, SWIFT, Stripe and carriers use for
 * it, and commerce platforms ship there under it, so a shopper in Kosovo can give an address.
 */
export const COUNTRY_CODES: readonly string[] = [...ISO_3166_ALPHA_2_CODES, 'XK'].sort();

const TAKEN: ReadonlySet<string> = new Set(COUNTRY_CODES);

/**
 * Whether `code` is one of `COUNTRY_CODES`, as given: upper case, no spaces ("DE" and "XK" are;
 * "de", " DE" and "ZZ" are not). Callers trim and upper-case first, as they store.
 */
export function isCountryCode(code: string): boolean {
  return TAKEN.has(code);
}
