/**
 * The officially assigned codes of ISO 3166-1 alpha-2, all 249, in upper case and alphabetical
 * order: the one list of countries the API takes. Two capital letters are not enough: "ZZ", "XX"
 * or "QQ" are user-assigned or unassigned and name no country, and "XK" (used for Kosovo) is not
 * assigned by the standard either. Users' address book, orders' checkout addresses, shipping's
 * zones and shipping's quotes all check a country with `isCountryCode`, after their own
 * normalisation (trimmed, upper-cased).
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

const ASSIGNED: ReadonlySet<string> = new Set(ISO_3166_ALPHA_2_CODES);

/**
 * Whether `code` is an officially assigned ISO 3166-1 alpha-2 code, as given: upper case, no
 * spaces ("DE" is, "de", " DE" and "ZZ" are not). Callers trim and upper-case first, as they store.
 */
export function isCountryCode(code: string): boolean {
  return ASSIGNED.has(code);
}
