import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Logger, SessionRevocations } from '@novamart/kit';
import { Types, type ClientSession } from 'mongoose';
import type { RefreshTokenModel } from '../models/refresh-token';
import { invalidRefreshToken } from './errors';

/** Recognisable by secret scanners; the rest is 256 random bits. */
const TOKEN_PREFIX = 'nmrt_';

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface Rotation {
  userId: string;
  refreshToken: string;
  /** The session (family) the token belongs to: the access token's `sid`. */
  sessionId: string;
}

export interface StartedSession {
  refreshToken: string;
  sessionId: string;
}

/** Where ended sessions are announced, so that their access tokens stop working at once. */
export interface SessionEnding {
  revocations: SessionRevocations;
  /** How long an access token lives: the revocation entry must outlive it. */
  accessTokenTtlSeconds: number;
}

/**
 * Opaque refresh tokens, stored hashed, rotated on every use. Each login starts a family; a token
 * that was already rotated and is presented again means it leaked (or the client raced itself), so
 * the whole family is revoked and both holders must sign in again.
 */
export class RefreshTokenService {
  constructor(
    private readonly tokens: RefreshTokenModel,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly ending: SessionEnding,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A token for a new session (a new family); inside the caller's transaction when `session` is given. */
  async startSession(userId: string, session?: ClientSession): Promise<StartedSession> {
    const sessionId = randomUUID();
    return { refreshToken: await this.issue(new Types.ObjectId(userId), sessionId, session), sessionId };
  }

  /** Exchanges a live token for its successor, or fails UNAUTHENTICATED (revoking on reuse). */
  async rotate(token: string): Promise<Rotation> {
    const tokenHash = hashRefreshToken(token);
    const now = this.now();
    // The filter makes the exchange single-use even when two requests present the token at once.
    const current = await this.tokens
      .findOneAndUpdate(
        { tokenHash, rotatedAt: null, revokedAt: null, expiresAt: { $gt: now } },
        { $set: { rotatedAt: now } },
        { returnDocument: 'after' },
      )
      .lean();
    if (!current) {
      const known = await this.tokens.findOne({ tokenHash }).lean();
      if (known?.rotatedAt && known.expiresAt > now) {
        await this.revokeFamily(known.familyId, now);
        this.logger.warn(
          { userId: known.userId.toString(), familyId: known.familyId },
          'refresh token reuse detected; session family revoked',
        );
      }
      throw invalidRefreshToken();
    }
    const refreshToken = await this.issue(current.userId, current.familyId);
    // Reuse detected between our exchange and the insert would otherwise leave this one alive.
    if (await this.tokens.exists({ familyId: current.familyId, revokedAt: { $ne: null } })) {
      await this.revokeFamily(current.familyId, now);
      throw invalidRefreshToken();
    }
    return { userId: current.userId.toString(), refreshToken, sessionId: current.familyId };
  }

  /** Ends the session the token belongs to; false when there was no live session to end. */
  async endSession(token: string): Promise<boolean> {
    const known = await this.tokens.findOne({ tokenHash: hashRefreshToken(token) }).lean();
    if (!known) return false;
    return (await this.revokeFamily(known.familyId, this.now())) > 0;
  }

  /**
   * Ends every session of a user (password change or reset, role change). Every family is
   * announced as ended, live or not: an access token outlives the refresh token it came with.
   */
  async endAllSessions(userId: string): Promise<number> {
    const { families, revoked } = await this.revokeAll(userId);
    await this.announceEnded(families);
    return revoked;
  }

  /**
   * The database half of endAllSessions, inside the caller's transaction: revokes every refresh
   * token of the user and returns the sessions to announce with `announceEnded` once it committed
   * (an announcement of a transaction that then aborts would sign the user out for nothing).
   */
  async revokeAll(userId: string, session?: ClientSession): Promise<{ families: string[]; revoked: number }> {
    const owner = new Types.ObjectId(userId);
    // Records leave with their expiry (TTL index), so this is every session that could hold a token.
    const families = (await this.tokens
      .distinct('familyId', { userId: owner })
      .session(session ?? null)) as string[];
    const result = await this.tokens.updateMany(
      { userId: owner, revokedAt: null },
      { $set: { revokedAt: this.now() } },
      { session },
    );
    return { families, revoked: result.modifiedCount };
  }

  /** Tells every subgraph that these sessions ended, so that their access tokens stop working at once. */
  announceEnded(familyIds: readonly string[]): Promise<void> {
    // A little longer than a token lives, so that clock skew cannot revive one.
    return this.ending.revocations.revoke(familyIds, this.ending.accessTokenTtlSeconds + 60);
  }

  /**
   * announceEnded for sessions a committed password change or reset revoked: the mutation has
   * written, so it must not answer an error now. Should the announcement fail, the refresh tokens
   * are revoked already and the access tokens expire within ACCESS_TOKEN_TTL_SECONDS; the log says so.
   */
  async announceCommitted(userId: string, familyIds: readonly string[]): Promise<void> {
    try {
      await this.announceEnded(familyIds);
    } catch (err) {
      this.logger.error({ err, userId, sessions: familyIds }, 'ended sessions could not be announced');
    }
  }

  private async issue(userId: Types.ObjectId, familyId: string, session?: ClientSession): Promise<string> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    await this.tokens.create(
      [
        {
          tokenHash: hashRefreshToken(token),
          familyId,
          userId,
          expiresAt: new Date(this.now().getTime() + this.ttlMs),
        },
      ],
      { session: session ?? null },
    );
    return token;
  }

  private async revokeFamily(familyId: string, at: Date): Promise<number> {
    const result = await this.tokens.updateMany({ familyId, revokedAt: null }, { $set: { revokedAt: at } });
    await this.announceEnded([familyId]);
    return result.modifiedCount;
  }
}
