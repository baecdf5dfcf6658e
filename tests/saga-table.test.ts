import { readdirSync, readFileSync } from 'node:fs';
import {
  type ConsumerDeclaration,
  type EventType,
  checkoutSaga,
  checkoutSagaEvents,
  consumedTypes,
  renderSagaTable,
  type SagaParticipant,
} from '@novamart/events';
import { cartSubgraph } from '@novamart/cart';
import { inventorySubgraph } from '@novamart/inventory';
import { type SubgraphModule } from '@novamart/kit';
import { startSubgraphForTests, type TestSubgraph } from '@novamart/kit/testing';
import { ordersSubgraph } from '@novamart/orders';
import { paymentsSubgraph } from '@novamart/payments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The checkout saga is written once, as a table (packages/events/src/saga.ts). This checks the
 * table against what the participating modules actually declare when they are built: the
 * consumers the kit subscribes for them, and the event types they publish through their outbox.
 */
const participants: Record<SagaParticipant, SubgraphModule<any>> = {
  orders: ordersSubgraph,
  inventory: inventorySubgraph,
  payments: paymentsSubgraph,
  cart: cartSubgraph,
};

interface Declared {
  consumers: ConsumerDeclaration[];
  publishes: readonly EventType[];
}

const declared = new Map<SagaParticipant, Declared>();
const started: TestSubgraph[] = [];

beforeAll(async () => {
  const modules = Object.entries(participants) as [SagaParticipant, SubgraphModule<any>][];
  for (const [i, [name, module]] of modules.entries()) {
    // They share the file's embedded MongoDB: the one started (and stopped) last stops it.
    const subgraph = await startSubgraphForTests(module, { keepMongo: i < modules.length - 1 });
    started.push(subgraph);
    const { consumers, publishes } = subgraph.running.instance;
    declared.set(name, { consumers: consumers ?? [], publishes: publishes ?? [] });
  }
});

afterAll(async () => {
  for (const subgraph of started) await subgraph.stop();
});

/** The event types a participant's consumers of its own group take (the saga's steps run there). */
function consumedBy(subgraph: SagaParticipant): Set<EventType> {
  const consumers = declared.get(subgraph)!.consumers.filter((c) => c.group === subgraph);
  return new Set(consumers.flatMap((c) => consumedTypes(c)));
}

describe('the checkout saga table matches the modules', () => {
  it("every row's event is consumed by that subgraph's declared consumers", () => {
    const missing = checkoutSaga
      .filter((row) => !consumedBy(row.subgraph).has(row.on))
      .map((row) => `${row.on} → ${row.subgraph}`);
    expect(missing).toEqual([]);
  });

  it('every checkout event a participant consumes has a row', () => {
    const rows = new Set(checkoutSaga.map((row) => `${row.on} → ${row.subgraph}`));
    const unlisted = (Object.keys(participants) as SagaParticipant[]).flatMap((subgraph) =>
      [...consumedBy(subgraph)]
        .filter((type) => checkoutSagaEvents.has(type))
        .map((type) => `${type} → ${subgraph}`)
        .filter((key) => !rows.has(key)),
    );
    expect(unlisted).toEqual([]);
  });

  it('every event a step emits, fails with or is compensated by is published by some participant', () => {
    const published = new Set([...declared.values()].flatMap((d) => d.publishes));
    const own = (row: (typeof checkoutSaga)[number]) => new Set(declared.get(row.subgraph)!.publishes);
    const unpublished = checkoutSaga.flatMap((row) => [
      ...[...row.emits, ...(row.fails ? [row.fails] : [])]
        .filter((type) => !own(row).has(type))
        .map((type) => `${row.subgraph} does not publish ${type}`),
      ...(row.compensatedBy && !published.has(row.compensatedBy)
        ? [`nobody publishes ${row.compensatedBy}`]
        : []),
    ]);
    expect(unpublished).toEqual([]);
  });

  it('every compensation is itself a step of the subgraph it undoes', () => {
    const rows = new Set(checkoutSaga.map((row) => `${row.on} → ${row.subgraph}`));
    const orphans = checkoutSaga
      .filter((row) => row.compensatedBy && !rows.has(`${row.compensatedBy} → ${row.subgraph}`))
      .map(
        (row) => `${row.on} → ${row.subgraph} is undone by ${row.compensatedBy!}, which has no step there`,
      );
    expect(orphans).toEqual([]);
  });

  it('docs/architecture.md renders the table as it is in code', () => {
    const cells = (markdown: string) =>
      markdown
        .split('\n')
        .filter((line) => line.trim().startsWith('|'))
        .map((line) =>
          line
            .split('|')
            .map((cell) => cell.trim())
            .map((cell) => (/^-+$/.test(cell) ? '---' : cell))
            .join('|'),
        );
    const doc = readFileSync(new URL('../docs/architecture.md', import.meta.url), 'utf8');
    const start = doc.indexOf('<!-- saga-table:start -->');
    const end = doc.indexOf('<!-- saga-table:end -->');
    expect(start, 'docs/architecture.md has the saga table markers').toBeGreaterThan(0);
    expect(cells(doc.slice(start, end))).toEqual(cells(renderSagaTable()));
  });
});

describe('subgraphs wire events one way', () => {
  /** Every source file of every subgraph, as text. */
  function subgraphSources(): { file: string; text: string }[] {
    const root = new URL('../subgraphs/', import.meta.url);
    return readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((file) => /^[^/]+\/src\/.*\.ts$/.test(file))
      .map((file) => ({ file, text: readFileSync(new URL(file, root), 'utf8') }));
  }

  it('no subgraph subscribes on the bus, builds a relay, wraps idempotency or casts a payload itself', () => {
    const forbidden = [/\bbus\.subscribe\(/, /new OutboxRelay\(/, /\bidempotentConsumer\(/, /payload as\b/];
    const offenders = subgraphSources().flatMap(({ file, text }) =>
      forbidden.filter((pattern) => pattern.test(text)).map((pattern) => `${file}: ${pattern.source}`),
    );
    expect(offenders).toEqual([]);
  });
});
