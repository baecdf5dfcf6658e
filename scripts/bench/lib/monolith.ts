/**
 * A benchmark child process: the catalog page served by a plain `@apollo/server` "monolith" that
 * reads the products and inventory databases directly with the same driver (mongoose, lean reads,
 * one batched stock read per page), as a team without federation would write it. The yardstick
 * for the gateway: its answer must be byte-identical to the gateway's. Reads BENCH_MONGO_URL and
 * prints `READY <json>` with its URL.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import DataLoader from 'dataloader';
import mongoose, { type Types } from 'mongoose';
import { encodeCursor, money } from '@novamart/kit';

const typeDefs = /* GraphQL */ `
  type Money {
    amount: Int!
    currency: String!
    formatted: String!
  }
  type Inventory {
    available: Int!
    inStock: Boolean!
  }
  type Product {
    id: ID!
    slug: String!
    name: String!
    price: Money!
    inventory: Inventory!
  }
  type ProductEdge {
    cursor: String!
    node: Product!
  }
  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }
  type ProductConnection {
    totalCount: Int!
    edges: [ProductEdge!]!
    pageInfo: PageInfo!
  }
  type Query {
    products(first: Int = 20): ProductConnection!
  }
`;

interface ProductRow {
  _id: Types.ObjectId;
  slug: string;
  name: string;
  priceAmount: number;
  currency: string;
  createdAt: Date;
}
interface StockRow {
  productId: string;
  available: number;
}
interface Context {
  stock: DataLoader<string, { available: number; inStock: boolean }>;
}

async function main(): Promise<void> {
  const url = process.env.BENCH_MONGO_URL;
  if (!url) throw new Error('BENCH_MONGO_URL is required');
  const connection = await mongoose.createConnection(url).asPromise();
  const products = connection.useDb('novamart_products').collection<ProductRow>('products');
  const stock = connection.useDb('novamart_inventory').collection<StockRow>('stock_items');

  const server = new ApolloServer<Context>({
    typeDefs,
    resolvers: {
      Query: {
        products: async (_root: unknown, args: { first: number }) => {
          const filter = { active: true };
          const rows = await products
            .find(filter, { projection: { nameTerms: 0, searchTerms: 0 } })
            .sort({ createdAt: -1, _id: -1 })
            .limit(args.first + 1)
            .toArray();
          const edges = rows.slice(0, args.first).map((row) => ({
            cursor: encodeCursor({ s: 'NEWEST', v: row.createdAt.getTime(), id: String(row._id) }),
            node: row,
          }));
          return {
            totalCount: () => products.countDocuments(filter),
            edges,
            pageInfo: { hasNextPage: rows.length > args.first, endCursor: edges.at(-1)?.cursor ?? null },
          };
        },
      },
      Product: {
        id: (row: ProductRow) => String(row._id),
        price: (row: ProductRow) => money(row.priceAmount, row.currency),
        inventory: (row: ProductRow, _args: unknown, ctx: Context) => ctx.stock.load(String(row._id)),
      },
    },
  });
  const { url: serverUrl } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async () => ({
      stock: new DataLoader(async (ids: readonly string[]) => {
        const rows = await stock.find({ productId: { $in: [...ids] } }).toArray();
        const byId = new Map(rows.map((r) => [r.productId, r.available]));
        return ids.map((id) => {
          const available = byId.get(id) ?? 0;
          return { available, inStock: available > 0 };
        });
      }),
    }),
  });
  console.log(`READY ${JSON.stringify({ url: `${serverUrl}graphql`.replace('//graphql', '/graphql') })}`);
  process.on('SIGTERM', () => {
    void server
      .stop()
      .then(() => connection.close())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
