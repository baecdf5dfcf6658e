import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, CompositionError } from '../scripts/lib/compose-supergraph';
import { checkContract, SUBGRAPHS } from '../scripts/lib/contract-check';
import { findBreakingChanges, unrecordedChanges } from '../scripts/lib/schema-diff';
import type { SubgraphEntry } from '../scripts/lib/supergraph-config';

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
  it('reports composition errors by subgraph', () => {
    const clash = `type User @key(fields: "id") { id: ID! email: Int! }`;
    expect(() => composeSupergraph([sub('users', users), sub('other', clash)])).toThrow(CompositionError);
  });
});

describe('breaking-change detection', () => {
  const before = buildSchema('type Query { a: Int b(x: Int): String } enum E { X Y }');
  it('finds removals and incompatible changes, recorded or not', () => {
    const after = buildSchema('type Query { a: String b(x: Int): String } enum E { X }');
    const changes = findBreakingChanges(before, after);
    expect(changes.map((c) => c.coordinate).sort()).toEqual(['E.Y', 'Query.a']);
    expect(unrecordedChanges(changes, '- Query.a: now a String\n').map((c) => c.coordinate)).toEqual(['E.Y']);
    expect(unrecordedChanges(changes, '- Query.ab renamed\n- E.Y dropped')).toHaveLength(1);
  });
});
