// The spec runner's matcher decides pass/fail for every official CRUD test, so its rules are
// pinned here against the unified format's own examples.
import { Binary, Long, ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import {
  assertExactlyEqual,
  assertMatches,
  assertMatchesRootDocuments,
  type MatchEntities,
} from '../spec/unified/match';
import { compareVersions, parseVersion, requirementsReason } from '../spec/unified/requirements';

const lsid = { id: new Binary(Buffer.alloc(16, 7), 4) };
const entities: MatchEntities = {
  get: (name) => (name === 'oid0' ? new ObjectId('000000000000000000000001') : undefined),
  sessionLsid: (name) => (name === 'session0' ? lsid : undefined),
};
const matches =
  (expected: unknown, actual: unknown, root = true) =>
  () =>
    assertMatches(expected, actual, entities, { root });

describe('unified format matcher', () => {
  it('allows extra fields only in root-level documents', () => {
    expect(matches({ x: 1 }, { x: 1, y: 1 })).not.toThrow();
    expect(matches({ x: 1, y: 1 }, { x: 1 })).toThrow(/missing field/);
    expect(matches({ x: { y: 1 } }, { x: { y: 1, z: 1 } })).toThrow(/unexpected field/);
  });

  it('compares numbers flexibly but not loosely', () => {
    expect(matches({ n: 1 }, { n: Long.fromNumber(1) })).not.toThrow();
    expect(matches({ n: 1 }, { n: 1.5 })).toThrow();
    expect(matches({ n: 1 }, { n: '1' })).toThrow();
  });

  it('requires arrays of the same length, in order', () => {
    expect(matches([1, 2, 3], [1, 2, 3, 4])).toThrow(/3 elements/);
    expect(matches([1, 2], [2, 1])).toThrow();
    expect(() => assertMatchesRootDocuments([{ x: 1 }], [{ x: 1, y: 2 }], entities)).not.toThrow();
    expect(matches([{ x: 1 }], [{ x: 1, y: 2 }])).toThrow(/unexpected field/);
  });

  it('implements $$exists, $$unsetOrMatches and $$type', () => {
    expect(matches({ a: { $$exists: false } }, { b: 1 })).not.toThrow();
    expect(matches({ a: { $$exists: false } }, { a: null })).toThrow();
    expect(matches({ a: { $$exists: true } }, { a: null })).not.toThrow();
    expect(matches({ a: { $$unsetOrMatches: 2 } }, {})).not.toThrow();
    expect(matches({ a: { $$unsetOrMatches: 2 } }, { a: 3 })).toThrow();
    expect(matches({ $$unsetOrMatches: { insertedId: 1 } }, undefined)).not.toThrow();
    expect(matches({ a: { $$type: ['int', 'long'] } }, { a: 5 })).not.toThrow();
    expect(matches({ a: { $$type: 'objectId' } }, { a: 'x' })).toThrow(/expected type/);
  });

  it('resolves $$matchesEntity and $$sessionLsid from the entity map', () => {
    expect(
      matches({ _id: { $$matchesEntity: 'oid0' } }, { _id: new ObjectId('000000000000000000000001') }),
    ).not.toThrow();
    expect(
      matches({ lsid: { $$sessionLsid: 'session0' } }, { lsid: { id: new Binary(Buffer.alloc(16, 7), 4) } }),
    ).not.toThrow();
    expect(
      matches({ lsid: { $$sessionLsid: 'session0' } }, { lsid: { id: new Binary(Buffer.alloc(16, 8), 4) } }),
    ).toThrow();
  });

  it('treats Maps (driver results, sort in commands) as documents', () => {
    expect(matches({ sort: { x: 1 } }, { sort: new Map([['x', 1]]) })).not.toThrow();
  });

  it('demands exact collection contents for outcomes', () => {
    expect(() => assertExactlyEqual([{ _id: 1, x: 1 }], [{ x: 1, _id: 1 }])).not.toThrow();
    expect(() => assertExactlyEqual([{ _id: 1 }], [{ _id: 1, x: 1 }])).toThrow();
    expect(() => assertExactlyEqual([{ _id: 1 }], [])).toThrow();
  });
});

describe('runOnRequirements', () => {
  const server = {
    version: [8, 0, 4] as [number, number, number],
    versionString: '8.0.4',
    topology: 'replicaset' as const,
    authEnabled: false,
    maxWireVersion: 25,
    parameters: new Map<string, unknown>(),
    client: undefined as never,
  };

  it('compares versions numerically, component by component', () => {
    expect(parseVersion('4.9.0-alpha4-271-g7d5cf02')).toEqual([4, 9, 0]);
    expect(compareVersions(parseVersion('4.0.10'), parseVersion('4.0.9'))).toBeGreaterThan(0);
    expect(compareVersions(parseVersion('8'), parseVersion('8.0.0'))).toBe(0);
  });

  it('runs when any one requirement holds and explains why not otherwise', async () => {
    expect(
      await requirementsReason([{ minServerVersion: '8.2.0' }, { maxServerVersion: '8.1.99' }], server),
    ).toBeUndefined();
    expect(await requirementsReason([{ minServerVersion: '8.2.0' }], server)).toMatch(/>= 8.2.0/);
    expect(await requirementsReason([{ maxServerVersion: '4.4.99' }], server)).toMatch(/<= 4.4.99/);
    expect(await requirementsReason([{ topologies: ['sharded', 'load-balanced'] }], server)).toMatch(
      /topology/,
    );
    expect(await requirementsReason([{ topologies: ['single', 'replicaset'] }], server)).toBeUndefined();
    expect(await requirementsReason([{ serverless: 'forbid' }, { auth: false }], server)).toBeUndefined();
    expect(await requirementsReason([{ auth: true }], server)).toMatch(/authentication/);
    expect(await requirementsReason([{ csfle: true }], server)).toMatch(/encryption/);
  });
});
