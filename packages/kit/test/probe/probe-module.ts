// A tiny subgraph used by the kit's tests: it exercises every piece of the runtime
// (auth, loaders, money, DateTime, error masking, command counting, drain) the way a real
// subgraph does.
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'graphql';
import { Schema, type Model } from 'mongoose';
import {
  assertOwnerOrAdmin,
  badUserInput,
  currentRequestId,
  loadByIds,
  money,
  requireAdmin,
  requireViewer,
  type SubgraphContext,
  type SubgraphModule,
} from '../../src/index';

const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

  scalar DateTime

  type Money @shareable {
    amount: Int!
    currency: String!
    formatted: String!
  }

  type Probe @key(fields: "id") {
    id: ID!
    name: String!
    price: Money!
    createdAt: DateTime!
  }

  type Query {
    probes(ids: [ID!]!): [Probe]!
    "Runs \`times\` sequential count commands, so each request has a known command count."
    touch(times: Int!): Int!
    whoami: String!
    adminOnly: String!
    ownerData(ownerId: ID!): String!
    explode: String
    slow(ms: Int!): String!
    requestId: String!
    greeting: String!
  }

  type Mutation {
    addProbe(name: String!, amount: Int!): Probe!
  }
`);

interface ProbeDoc {
  _id: string;
  name: string;
  amount: number;
  currency: string;
  createdAt: Date;
}

interface ProbeContext extends SubgraphContext {
  greeting: string;
}

export interface ProbeState {
  started: boolean;
  stoppedAt: number | null;
}

export const probeState: ProbeState = { started: false, stoppedAt: null };

export const probeSubgraph: SubgraphModule = {
  name: 'probe',
  port: 4999,
  async create(runtime) {
    // Tests serve the probe more than once on one connection; a model compiles once per connection.
    const Probe =
      (runtime.mongo.models.Probe as Model<ProbeDoc> | undefined) ??
      runtime.mongo.model<ProbeDoc>(
        'Probe',
        new Schema<ProbeDoc>({
          _id: String,
          name: String,
          amount: Number,
          currency: String,
          createdAt: Date,
        }),
      );
    const toGraphQL = (doc: ProbeDoc) => ({
      id: doc._id,
      name: doc.name,
      price: money(doc.amount, doc.currency),
      createdAt: doc.createdAt,
    });
    const probeLoader = (ctx: ProbeContext) =>
      ctx.loaders.get<string, ProbeDoc | null>('probe', (ids) => loadByIds(Probe, ids));

    return {
      typeDefs,
      context: () => ({ greeting: 'hello from the instance context' }),
      resolvers: {
        Query: {
          probes: async (_: unknown, { ids }: { ids: string[] }, ctx: ProbeContext) =>
            (await Promise.all(ids.map((id) => probeLoader(ctx).load(id)))).map((doc) =>
              doc ? toGraphQL(doc) : null,
            ),
          touch: async (_: unknown, { times }: { times: number }) => {
            for (let i = 0; i < times; i += 1) {
              await Probe.countDocuments({ name: `n${i}` });
              // Yield to other requests between commands so that they interleave.
              await sleep(Math.random() * 5);
            }
            return times;
          },
          whoami: (_: unknown, __: unknown, ctx: ProbeContext) => {
            const viewer = requireViewer(ctx);
            return `${viewer.id}:${viewer.role}`;
          },
          adminOnly: (_: unknown, __: unknown, ctx: ProbeContext) => requireAdmin(ctx).id,
          ownerData: (_: unknown, { ownerId }: { ownerId: string }, ctx: ProbeContext) =>
            assertOwnerOrAdmin(ctx, ownerId).id,
          explode: () => {
            throw new Error(
              'E11000 duplicate key error collection: novamart_probe.secrets index: password_1',
            );
          },
          slow: async (_: unknown, { ms }: { ms: number }, ctx: ProbeContext) => {
            // Tests wait for this line to signal a process with a request in its resolver.
            ctx.logger.info('probe slow resolver started');
            await sleep(ms);
            return `slept ${ms}`;
          },
          requestId: (_: unknown, __: unknown, ctx: ProbeContext) => {
            ctx.logger.info('resolving requestId');
            return `${ctx.requestId}|${currentRequestId() ?? 'none'}`;
          },
          greeting: (_: unknown, __: unknown, ctx: ProbeContext) => ctx.greeting,
        },
        Mutation: {
          addProbe: async (_: unknown, { name, amount }: { name: string; amount: number }) => {
            if (amount < 0) throw badUserInput('amount must not be negative', 'amount');
            const doc = await Probe.create({
              _id: name,
              name,
              amount,
              currency: 'USD',
              createdAt: new Date('2026-01-02T03:04:05Z'),
            });
            return toGraphQL(doc.toObject());
          },
        },
        Probe: {
          __resolveReference: async (ref: { id: string }, ctx: ProbeContext) => {
            const doc = await probeLoader(ctx).load(ref.id);
            return doc ? toGraphQL(doc) : null;
          },
        },
      },
      async start() {
        probeState.started = true;
      },
      async stop() {
        probeState.stoppedAt = Date.now();
        runtime.logger.info('probe workers stopped');
      },
    };
  },
};
