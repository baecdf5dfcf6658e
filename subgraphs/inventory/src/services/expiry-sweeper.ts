import type { Logger } from '@novamart/kit';
import type { ReservationService } from './reservation-service';

const SWEEP_BATCH = 100;

export interface ExpirySweeper {
  start(): void;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
  /** One sweep now; resolves with the number of reservations released. */
  sweep(): Promise<number>;
}

/**
 * Releases expired reservations every `intervalMs`. Safe with several instances: each release is
 * a conditional RESERVED → EXPIRED transition, so a reservation expires once.
 */
export function createExpirySweeper(
  reservations: ReservationService,
  intervalMs: number,
  logger: Logger,
): ExpirySweeper {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function sweepUntilDone(): Promise<number> {
    let total = 0;
    // A full batch means more may be due: keep going rather than waiting a whole interval.
    for (;;) {
      const released = await reservations.expireDue(new Date(), SWEEP_BATCH);
      total += released;
      if (released < SWEEP_BATCH) return total;
    }
  }

  function sweep(): Promise<number> {
    running ??= sweepUntilDone()
      .then((released) => {
        if (released > 0) logger.info({ released }, 'expired reservations released');
        return released;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => {
        sweep().catch((error: unknown) => logger.error({ err: error }, 'reservation expiry sweep failed'));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
    sweep,
  };
}
