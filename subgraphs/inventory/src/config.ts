import { z } from 'zod';

/** The inventory subgraph's own environment variables. */
export const inventoryConfigShape = {
  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(1).default(900),
  RESERVATION_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).default(5_000),
  DEFAULT_REORDER_LEVEL: z.coerce.number().int().min(0).default(5),
  /** Fault injection for the crash test: SIGKILL once order.placed is committed, before its ack. Refused in production. */
  INVENTORY_CRASH_POINT: z.enum(['order-placed-committed']).optional(),
};

export type InventoryConfig = z.infer<z.ZodObject<typeof inventoryConfigShape>>;
