import { describe, expect, it } from 'vitest';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { enforceOperationLimits, measureOperation, measuredVariables } from '../src/limits';

const schema = buildSchema(/* GraphQL */ `
  type Query {
    products(first: Int = 20, after: String): ProductConnection!
    product(id: ID!): Product
    categories: [Category!]!
  }
  type ProductConnection {
    edges: [ProductEdge!]!
    totalCount: Int!
  }
  type ProductEdge {
    node: Product!
  }
  type Product {
    id: ID!
    name: String!
    related(first: Int = 5): [Product!]!
    images: [Image!]!
  }
  type Image {
    url: String!
  }
  type Category {
    slug: String!
  }
`);

function measure(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  return measureOperation(schema, document, operation, variables, 10);
}

describe('operation depth and cost', () => {
  it('counts a connection page by its first argument, not edges again', () => {
    // products: 1 + 20 × (edges 1 + 1 × (node 1 + (id 1 + name 1)))
    expect(measure('{ products(first: 20) { edges { node { id name } } } }')).toEqual({
      depth: 4,
      cost: 1 + 20 * (1 + 1 * (1 + 2)),
    });
  });

  it('takes page sizes from variables and schema defaults', () => {
    const query = 'query($n: Int) { products(first: $n) { totalCount } }';
    expect(measure(query, { n: 50 }).cost).toBe(1 + 50 * 1);
    expect(measure('{ products { totalCount } }').cost).toBe(1 + 20 * 1);
  });

  it('coerces only Int variables for measuring: their defaults applied, the others as sent', () => {
    const document = parse(
      'query($n: Int = 7, $after: String!, $input: CheckoutInput) { products(first: $n, after: $after) { totalCount } }',
    );
    const operation = getOperationAST(document)!;
    const sent = { after: 'cursor-1', input: { shippingAddress: { country: 'DE' } } };
    const variables = measuredVariables(schema, operation, sent);
    expect(variables).toEqual({ n: 7, after: 'cursor-1', input: sent.input });
    expect(variables.input).toBe(sent.input); // not copied or coerced
    expect(measureOperation(schema, document, operation, variables, 10).cost).toBe(1 + 7 * 1);
    // A value that does not coerce: measured as sent, execution reports it.
    const bad = { n: 'seven', after: 'cursor-1' };
    expect(measuredVariables(schema, operation, bad)).toBe(bad);
    const noInts = getOperationAST(parse('query($a: String) { products(after: $a) { totalCount } }'))!;
    expect(measuredVariables(schema, noInts, sent)).toBe(sent);
  });

  it('assumes the default size for lists without a page argument', () => {
    expect(measure('{ categories { slug } }').cost).toBe(1 + 10 * 1);
    expect(measure('{ product(id: "1") { images { url } } }').cost).toBe(1 + (1 + 10 * 1));
  });

  it('inlines fragments, including nested ones, for depth and cost', () => {
    const withFragments = measure(`
      { product(id: "1") { ...Deep } }
      fragment Deep on Product { related(first: 2) { ...Name } }
      fragment Name on Product { name }
    `);
    const inline = measure('{ product(id: "1") { related(first: 2) { name } } }');
    expect(withFragments).toEqual(inline);
    expect(inline).toEqual({ depth: 3, cost: 1 + (1 + 2 * 1) });
  });

  it('leaves introspection and __typename out', () => {
    expect(measure('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }')).toEqual({
      depth: 0,
      cost: 0,
    });
    expect(measure('{ product(id: "1") { __typename id } }')).toEqual({ depth: 2, cost: 2 });
  });

  it('throws BAD_USER_INPUT naming the limit that was exceeded', () => {
    const document = parse('{ product(id: "1") { related { related { related { name } } } } }');
    const operation = getOperationAST(document)!;
    const limits = { maxDepth: 4, maxCost: 10_000, assumedListSize: 10 };
    expect(() => enforceOperationLimits(schema, document, operation, {}, limits)).toThrow(
      /maximum query depth of 4 \(MAX_QUERY_DEPTH\)/,
    );
    try {
      enforceOperationLimits(schema, document, operation, {}, { ...limits, maxDepth: 10, maxCost: 50 });
      expect.unreachable();
    } catch (error) {
      expect((error as { extensions: unknown }).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        limit: 'MAX_QUERY_COST',
        maximum: 50,
      });
    }
  });
});
