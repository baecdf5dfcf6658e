import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  COMPOSITION_VERSION,
  composeSupergraph,
  CompositionError,
  federationVersionProblem,
} from '../scripts/lib/compose-supergraph';
import { checkContract, SUBGRAPHS } from '../scripts/lib/contract-check';
import { findBreakingChanges, unrecordedChanges } from '../scripts/lib/schema-diff';
import { readFederationVersion, type SubgraphEntry } from '../scripts/lib/supergraph-config';

const fed = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])`;
const sub = (name: string, typeDefs: string | null): SubgraphEntry => ({
  name,
  routingUrl: `http://localhost/${name}`,
  schemaFile: `${name}.graphql`,
  typeDefs: typeDefs && `${fed}\n${typeDefs}`,
});

const contract = `
enum ErrorCode { BAD_USER_INPUT NOT_FOUND }
scalar DateTime
# ---------------------------------------------------------------- users
type User {
  id: ID!
  email: String!
  "orders subgraph; newest first."
  orders(first: Int = 20): [Order!]!
}
# ---------------------------------------------------------------- orders
type Order { id: ID! total: Int! }
type Query {
  "users"
  me: User
  "orders, OWNER"
  order(id: ID!): Order
}
type Mutation {
  # users
  register(email: String!): User!
  # orders
  checkout(key: String!): Order!
}
`;

const users = `
  enum ErrorCode { BAD_USER_INPUT NOT_FOUND }
  scalar DateTime
  type User @key(fields: "id") { id: ID! email: String! }
  type Query { me: User }
  type Mutation { register(email: String!): User! }
`;

describe('contract check', () => {
  it('requires only what belongs to the subgraphs that exist', () => {
    const composed = composeSupergraph([sub('users', users), sub('orders', null)]);
    expect(checkContract(contract, composed.apiSchema, new Set(['users']))).toEqual([]);
  });

  it('names each missing or different field, argument and value', () => {
    const broken = users
      .replace('email: String!', 'email: String')
      .replace('NOT_FOUND', '')
      .replace('register(email: String!)', 'register(email: String!, captcha: String!)');
    const composed = composeSupergraph([sub('users', broken)]);
    const problems = checkContract(contract, composed.apiSchema, new Set(['users'])).map((p) => p.coordinate);
    expect(problems).toEqual(
      expect.arrayContaining(['ErrorCode.NOT_FOUND', 'User.email', 'Mutation.register(captcha:)']),
    );
  });

  it('reads field ownership from "<name> subgraph" descriptions and mutation groups', () => {
    const composed = composeSupergraph([sub('users', users)]);
    const problems = checkContract(contract, composed.apiSchema, new Set(['users', 'orders']));
    const coordinates = problems.map((p) => p.coordinate);
    expect(coordinates).toEqual(
      expect.arrayContaining(['User.orders', 'Order', 'Query.order', 'Mutation.checkout']),
    );
    expect(coordinates).not.toContain('User.email');
  });

  it('checks argument defaults', () => {
    const orders = `
      type User @key(fields: "id") { id: ID! orders(first: Int = 10): [Order!]! }
      type Order @key(fields: "id") { id: ID! total: Int! }
      type Query { order(id: ID!): Order }
      type Mutation { checkout(key: String!): Order! }
    `;
    const composed = composeSupergraph([sub('users', users), sub('orders', orders)]);
    const problems = checkContract(contract, composed.apiSchema, new Set(['users', 'orders']));
    expect(problems).toEqual([
      { coordinate: 'User.orders(first:)', message: 'default is 10, the contract says 20' },
    ]);
  });

  it("reads ownership from the repository's own contract, schema/contract.graphql", () => {
    const contractSdl = readFileSync(new URL('../schema/contract.graphql', import.meta.url), 'utf8');
    // The real contract parses and its ownership covers every root field.
    const composed = composeSupergraph([sub('users', users)]);
    const all = checkContract(
      contractSdl,
      composed.apiSchema,
      new Set([
        'users',
        'products',
        'inventory',
        'cart',
        'orders',
        'payments',
        'notifications',
        'recommendations',
      ]),
    );
    const roots = all
      .filter((p) => /^(Query|Mutation|Subscription)\./.test(p.coordinate))
      .map((p) => p.coordinate);
    expect(roots).toContain('Query.products');
    expect(roots).toContain('Subscription.paymentStatusChanged');
    expect(roots).toContain('Mutation.recordInteraction');
  });
});

describe('the repository pins its own API', () => {
  it('the committed API snapshot meets every name of schema/contract.graphql', () => {
    const contractSdl = readFileSync(new URL('../schema/contract.graphql', import.meta.url), 'utf8');
    const api = buildSchema(readFileSync(new URL('../schema/api.graphql', import.meta.url), 'utf8'));
    expect(checkContract(contractSdl, api, new Set(SUBGRAPHS))).toEqual([]);
  });
});

describe('composition', () => {
  it('reports composition errors with their code, subgraph, file, line and column', () => {
    const clash = `type User @key(fields: "id") {\n  id: ID!\n  email: Int!\n}`;
    let error: unknown;
    try {
      composeSupergraph([sub('users', users), sub('other', clash)]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompositionError);
    const mismatch = (error as CompositionError).problems.find((p) => p.startsWith('[FIELD_TYPE_MISMATCH]'));
    // Line 1 of each file is the @link line the helper puts first.
    expect(mismatch).toContain('other at other.graphql:4:3');
    expect(mismatch).toMatch(/users at users\.graphql:\d+:\d+/);
  });

  it('returns composition hints with their code', () => {
    const a = `type Query { a: Int }\ntype Thing @shareable { x: Int y: String }`;
    const b = `type Query { b: Int }\ntype Thing @shareable { x: Int }`;
    const composed = composeSupergraph([sub('a', a), sub('b', b)]);
    expect(composed.hints.some((h) => h.startsWith('[INCONSISTENT_OBJECT_VALUE_TYPE_FIELD]'))).toBe(true);
  });

  it('composes with the federation version supergraph.yaml names, and refuses another', () => {
    expect(readFederationVersion()).toBe(`=${COMPOSITION_VERSION}`);
    expect(federationVersionProblem(`=${COMPOSITION_VERSION}`)).toBeNull();
    expect(federationVersionProblem('=2.7.0')).toContain(`set federation_version: =${COMPOSITION_VERSION}`);
    expect(federationVersionProblem(undefined)).toContain('(none)');
  });
});

describe('breaking-change detection', () => {
  const before = buildSchema('type Query { a: Int b(x: Int): String } enum E { X Y }');
  it('finds removals and incompatible changes, recorded or not', async () => {
    const after = buildSchema('type Query { a: String b(x: Int): String } enum E { X }');
    const changes = await findBreakingChanges(before, after);
    expect(changes.map((c) => c.coordinate).sort()).toEqual(['E.Y', 'Query.a']);
    expect(unrecordedChanges(changes, '- Query.a: now a String\n').map((c) => c.coordinate)).toEqual(['E.Y']);
    expect(unrecordedChanges(changes, '- Query.ab renamed\n- E.Y dropped')).toHaveLength(1);
  });

  it('names arguments as Type.field(arg:), and ignores additions that cannot break a client', async () => {
    const after = buildSchema(
      'type Query { a: Int b(y: Int!): String c: Int } enum E { X Y Z } type T { t: Int }',
    );
    const changes = await findBreakingChanges(before, after);
    expect(changes.map((c) => c.coordinate).sort()).toEqual(['Query.b(x:)', 'Query.b(y:)']);
    expect(changes.map((c) => c.type).sort()).toEqual(['FIELD_ARGUMENT_ADDED', 'FIELD_ARGUMENT_REMOVED']);
  });
});
