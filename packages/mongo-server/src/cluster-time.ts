// The logical clock a replica-set member gossips: every reply carries `$clusterTime` and `operationTime`, so
// drivers' causally consistent sessions work. A session sends its last operationTime back as
// `readConcern.afterClusterTime`; this server always reads the latest committed state, which is at or after
// any time it has handed out, so honouring it means refusing only a time it never reached (as mongod does).
import { Binary, Long, Timestamp } from 'bson';
import type { Doc } from './bson/values';
import { ErrorCodes, fail } from './errors';

/** mongod's maxAcceptableLogicalClockDriftSecs default: gossip further ahead of the wall clock is refused. */
const MAX_DRIFT_SECS = 365 * 24 * 60 * 60;
/** Without authentication mongod signs cluster times with key 0 and an all-zero hash. */
const SIGNATURE = { hash: new Binary(Buffer.alloc(20), 0), keyId: Long.fromNumber(0) };

function after(a: { t: number; i: number }, b: { t: number; i: number }): boolean {
  return a.t > b.t || (a.t === b.t && a.i > b.i);
}

export class ClusterClock {
  private t = 0;
  private i = 0;
  /** The engine commit counter last reflected in the clock. */
  private seenCommit = -1;

  current(): Timestamp {
    return new Timestamp({ t: this.t, i: this.i });
  }

  /**
   * The time of the latest commit: ticks once for every new engine commit state it is shown, so a write's
   * operationTime is later than every time handed out before it. Seconds follow the wall clock, as mongod's do.
   */
  observe(engineCommit: number): Timestamp {
    if (engineCommit !== this.seenCommit) {
      this.seenCommit = engineCommit;
      const now = Math.floor(Date.now() / 1000);
      if (now > this.t) {
        this.t = now;
        this.i = 1;
      } else this.i++;
    }
    return this.current();
  }

  /** Takes a client's gossiped `$clusterTime` into account (mongod advances its clock to it). */
  gossipIn(value: unknown): void {
    const time = (value as Doc | undefined)?.clusterTime;
    if (!(time instanceof Timestamp)) return;
    const wall = Math.floor(Date.now() / 1000);
    if (time.t > wall + MAX_DRIFT_SECS)
      fail(
        ErrorCodes.ClusterTimeFailsRateLimiter,
        `New cluster time, ${time.t}, is too far from this node's wall clock time, ${wall}.`,
      );
    if (after(time, { t: this.t, i: this.i })) {
      this.t = time.t;
      this.i = time.i;
    }
  }

  gossipOut(): Doc {
    return { clusterTime: this.current(), signature: SIGNATURE };
  }

  /** Checks `readConcern.afterClusterTime`; every committed change up to the current time is visible. */
  checkAfterClusterTime(readConcern: unknown): void {
    if (readConcern === null || typeof readConcern !== 'object') return;
    const requested = (readConcern as Doc).afterClusterTime;
    if (requested === undefined) return;
    if (!(requested instanceof Timestamp))
      fail(
        ErrorCodes.TypeMismatch,
        "BSON field 'readConcern.afterClusterTime' is the wrong type, expected type 'timestamp'",
      );
    if (requested.t === 0 && requested.i === 0)
      fail(ErrorCodes.InvalidOptions, 'readConcern afterClusterTime value must not be a null timestamp');
    if (after(requested, { t: this.t, i: this.i }))
      fail(
        ErrorCodes.InvalidOptions,
        `readConcern afterClusterTime value must not be greater than the current clusterTime. ` +
          `Requested clusterTime: { ts: Timestamp(${requested.t}, ${requested.i}) }; ` +
          `current clusterTime: { ts: Timestamp(${this.t}, ${this.i}) }`,
      );
  }
}
