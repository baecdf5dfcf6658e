import { type Logger } from '@novamart/kit';
import { type RedemptionModel } from '../models/redemption';
import { type DiscountService } from './discount-service';

/** How long a redemption waits for its order's `order.placed` before its uses are given back. */
export const HOLD_MS = 15 * 60_000;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Checkout redeems before it writes the order, and releases when the write fails. A checkout
 * process that dies between the two leaves a redemption whose order never exists: once it has
 * waited HOLD_MS without `order.placed`, the sweeper releases it (reason ORDER_NOT_PLACED).
 */
export class HoldSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      redemptions: RedemptionModel;
      discounts: DiscountService;
      logger: Logger;
      now: () => Date;
      holdMs?: number;
    },
  ) {}

  /** One pass; answers how many orders' holds it released. */
  async sweepOnce(): Promise<number> {
    const before = new Date(this.deps.now().getTime() - (this.deps.holdMs ?? HOLD_MS));
    const orderIds: string[] = await this.deps.redemptions.distinct('orderId', {
      status: 'REDEEMED',
      orderPlaced: { $ne: true },
      createdAt: { $lt: before },
    });
    for (const orderId of orderIds)
      await this.deps.discounts.release(orderId, 'ORDER_NOT_PLACED', { unplacedOnly: true });
    return orderIds.length;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.sweepOnce().catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'redemption hold sweep failed'),
      );
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
