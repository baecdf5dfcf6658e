import { z } from 'zod';
import type { ConfigVariable } from '@novamart/kit';

/** The inventory subgraph's own environment variables. */
export const inventoryConfigShape = {
  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(1).default(900),
  RESERVATION_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).default(5_000),
  DEFAULT_REORDER_LEVEL: z.coerce.number().int().min(0).default(5),
  /** Fault injection for the crash test: SIGKILL once order.placed is committed, before its ack. Refused in production. */
  INVENTORY_CRASH_POINT: z.enum(['order-placed-committed']).optional(),
};

export type InventoryConfig = z.infer<z.ZodObject<typeof inventoryConfigShape>>;

export const inventoryConfigVariables: readonly ConfigVariable[] = [
  {
    name: 'RESERVATION_TTL_SECONDS',
    default: '900',
    description: 'How long stock stays reserved for an unpaid order before the sweeper releases it.',
  },
  {
    name: 'RESERVATION_SWEEP_INTERVAL_MS',
    default: '5000',
    description: 'How often expired reservations are looked for.',
  },
  {
    name: 'DEFAULT_REORDER_LEVEL',
    default: '5',
    description: 'Reorder level of a new stock item: at or below it the product is low on stock.',
  },
  {
    name: 'INVENTORY_CRASH_POINT',
    default: undefined,
    description:
      'Tests only (refused in production): `order-placed-committed` SIGKILLs the process once the reservation for an `order.placed` is committed, before the event is acknowledged.',
  },
];
