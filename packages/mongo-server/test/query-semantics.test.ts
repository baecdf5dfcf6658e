// Query matching as mongod defines it: implicit array traversal, type bracketing for comparisons,
// $ne/$nin matching missing fields, numeric paths. Each case lists the _ids mongod returns.
import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server';

const t = useServer();

const DOCS = [
  { _id: 1, a: 5 },
  { _id: 2, a: [5, 6] },
  { _id: 3, a: 5.5 },
  { _id: 4, a: '5' },
  { _id: 5, a: [[5]] },
  { _id: 6, a: null },
  { _id: 7 },
  { _id: 8, a: [1, 7] },
  { _id: 9, a: { b: 1 } },
  { _id: 10, a: [{ b: 1 }, { b: 2 }] },
  { _id: 11, a: new Date(1000) },
  { _id: 12, a: [] },
];

const CASES: Array<[string, object, number[]]> = [
  ['equality reaches into arrays but not nested arrays', { a: 5 }, [1, 2]],
  ['comparison is bracketed by type', { a: { $gt: 5 } }, [2, 3, 8]],
  ['range on both ends applies per element', { a: { $gt: 5, $lt: 6 } }, [2, 3, 8]],
  ['strings compare only with strings', { a: { $gte: '0' } }, [4]],
  ['$ne matches missing and null-free arrays', { a: { $ne: 5 } }, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
  ['$in with mixed types', { a: { $in: [7, '5'] } }, [4, 8]],
  ['$nin matches missing fields', { a: { $nin: [5, 1] } }, [3, 4, 5, 6, 7, 9, 10, 11, 12]],
  ['dotted path through an array of documents', { 'a.b': 2 }, [10]],
  ['dotted path with a range', { 'a.b': { $lte: 1 } }, [9, 10]],
  ['numeric path indexes into arrays', { 'a.1': 6 }, [2]],
  ['$exists false', { a: { $exists: false } }, [7]],
  [
    '$exists true includes null and empty arrays',
    { a: { $exists: true } },
    [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12],
  ],
  ['dates compare only with dates', { a: { $lt: new Date(5000) } }, [11]],
  ['null matches null and missing', { a: null }, [6, 7]],
  ['exact array equality', { a: [5, 6] }, [2]],
  ['embedded document equality is exact', { a: { b: 1 } }, [9, 10]],
  ['$eq with an operator object', { a: { $eq: 6 } }, [2]],
  ['two conditions on different paths', { a: { $exists: true }, _id: { $lte: 3 } }, [1, 2, 3]],
  ['$size', { a: { $size: 2 } }, [2, 8, 10]],
  ['$elemMatch', { a: { $elemMatch: { $gt: 6 } } }, [8]],
  ['$type number', { a: { $type: 'number' } }, [1, 2, 3, 8]],
  ['$or of indexed and unindexed branches', { $or: [{ _id: 4 }, { a: 7 }] }, [4, 8]],
];

describe('query semantics', () => {
  it.each(CASES)('%s', async (_name, filter, expected) => {
    const coll = t.client.db('semantics').collection('docs');
    if ((await coll.estimatedDocumentCount()) === 0) await coll.insertMany(DOCS as never[]);
    const ids = await coll
      .find(filter, { sort: { _id: 1 } })
      .map((d) => d._id)
      .toArray();
    expect(ids).toEqual(expected);
  });
});
