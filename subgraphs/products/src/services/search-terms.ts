// Full-text search that behaves the same on the embedded server (which has no text indexes) and
// on MongoDB: each product stores the stemmed terms of its name and description, indexed as a
// multikey array, and a search matches products holding every term of the query.

const STOP_WORDS = new Set(
  (
    'a an and are as at be but by for from has have in into is it its of on or that the their this to was ' +
    'were will with you your our we not no so if than then there these those'
  ).split(' '),
);

/** Plural and simple verb endings, so "headphones" finds "headphone" and the other way round. */
function stem(word: string): string {
  if (word.length <= 3 || /^\d+$/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (/(ches|shes|xes|zes)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is'))
    return word.slice(0, -1);
  return word;
}

/** Distinct search terms of a text, in first-seen order: lower-cased, accents folded, stop words dropped, stemmed. */
export function searchTerms(text: string): string[] {
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word && !STOP_WORDS.has(word));
  return [...new Set(words.map(stem))];
}

/** The stored search fields of a product. */
export function productSearchFields(
  name: string,
  description: string,
): { nameTerms: string[]; searchTerms: string[] } {
  const nameTerms = searchTerms(name);
  return { nameTerms, searchTerms: [...new Set([...nameTerms, ...searchTerms(description)])] };
}

/** Weight of a query term found in the name against one found only in the description. */
export const NAME_WEIGHT = 5;
