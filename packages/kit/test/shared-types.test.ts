import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withSharedTypes } from '../src/shared-types';

const link =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

function definedTypes(sdl: string): string[] {
  return parse(sdl)
    .definitions.map((d) => ('name' in d && d.name ? d.name.value : ''))
    .filter(Boolean);
}

describe('withSharedTypes', () => {
  it('adds the shared types a schema refers to, and the ones those refer to, and no others', () => {
    const sdl = `${link}\n\ntype Query {\n  options: [ShippingOption!]!\n}\n`;
    const served = withSharedTypes(sdl);
    expect(served.startsWith(sdl.trimEnd())).toBe(true);
    expect(definedTypes(served).sort()).toEqual(['Money', 'Query', 'ShippingMethodType', 'ShippingOption']);
    // What it serves is a valid subgraph schema: the shared definitions are complete.
    expect(() => buildSubgraphSchema(parse(served))).not.toThrow();
  });

  it('finds references in arguments and inputs, not only in fields', () => {
    const sdl = `${link}\n\ntype Mutation {\n  ship(to: AddressInput!, at: DateTime): Boolean!\n}\n`;
    expect(definedTypes(withSharedTypes(sdl)).sort()).toEqual(['AddressInput', 'DateTime', 'Mutation']);
  });

  it('returns a schema that uses no shared type unchanged', () => {
    const sdl = `${link}\n\ntype Query {\n  ping: String!\n}\n`;
    expect(withSharedTypes(sdl)).toBe(sdl);
  });

  it('refuses a schema that defines a shared type itself, naming it', () => {
    const sdl = `${link}\n\ntype Money @shareable {\n  amount: Int!\n}\n\ntype Query {\n  total: Money!\n}\n`;
    expect(() => withSharedTypes(sdl)).toThrow(/defines Money, shared by every subgraph/);
  });
});
