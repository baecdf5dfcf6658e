import type { Logger } from '@novamart/kit';
import type { ReservationService } from './reservation-service';

const SWEEP_BATCH = 100;

/**
 * Releases expired reservations every `intervalMs`. Safe with several instances: each release is
 * a conditional RESERVED → EXPIRED transition, so a reservation expires once.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly reservations: ReservationService,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) =>
        this.logger.error({ err: error }, 'reservation expiry sweep failed'),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One sweep now (joined if one is running); resolves with the number of reservations released. */
  sweep(): Promise<number> {
    this.running ??= this.sweepUntilDone()
      .then((released) => {
        if (released > 0) this.logger.info({ released }, 'expired reservations released');
        return released;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async sweepUntilDone(): Promise<number> {
    let total = 0;
    // A full batch means more may be due: keep going rather than waiting a whole interval.
    for (;;) {
      const released = await this.reservations.expireDue(new Date(), SWEEP_BATCH);
      total += released;
      if (released < SWEEP_BATCH) return total;
    }
  }
}
