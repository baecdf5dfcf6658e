import { createHash, randomBytes } from 'node:crypto';
import { badUserInput, type Logger } from '@novamart/kit';
import { DocumentEvents, inTransaction } from '@novamart/events';
import { Types, type Connection } from 'mongoose';
import { userPasswordResetRequested } from '../events';
import { PASSWORD_RESETS_COLLECTION, type PasswordResetModel } from '../models/password-reset';
import type { UserModel, UserRecord } from '../models/user';
import type { ClientThrottle } from './client-throttle';
import type { SecretHasher } from './passwords';
import type { RefreshTokenService } from './refresh-tokens';
import { checkPasswordPolicy, parseEmail } from './validation';

export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;
/** Recognisable by secret scanners; the rest is 256 random bits. */
const TOKEN_PREFIX = 'nmpr_';
const LONGEST_TOKEN = 128;

export interface PasswordResetDeps {
  conn: Connection;
  users: UserModel;
  resets: PasswordResetModel;
  passwords: SecretHasher;
  refreshTokens: RefreshTokenService;
  throttle: ClientThrottle;
  logger: Logger;
  now?: () => Date;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/** "Forgot my password": a single-use, expiring token by mail, then a new password that ends every session. */
export class PasswordResetService {
  private readonly now: () => Date;

  constructor(private readonly deps: PasswordResetDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Sends a reset token to the account's address (`user.password_reset_requested`, mailed by the
   * notifications subgraph). The same answer whether or not the account exists; throttled per
   * client address (RATE_LIMITED) and per account (further requests are silently ignored).
   */
  async request(rawEmail: string, clientAddress: string | null = null): Promise<void> {
    const email = parseEmail(rawEmail);
    await this.deps.throttle.take('password-reset-request', clientAddress);
    const { users, resets, conn } = this.deps;
    const user = await users.findOne({ email }).lean<UserRecord>();
    if (!user) return;
    if (!(await this.deps.throttle.allowAccount('password-reset-request', user._id.toHexString()))) return;

    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.now().getTime() + PASSWORD_RESET_TTL_MS);
    // One insert: the reset carries its event (`DocumentEvents`), no transaction. Left unpublished
    // past `expiresAt`, the event goes with the reset (TTL index): its link would no longer work.
    const resetId = new Types.ObjectId();
    const events = new DocumentEvents([
      userPasswordResetRequested({
        userId: user._id.toHexString(),
        email: user.email,
        name: user.name,
        resetToken: token,
        expiresAt: expiresAt.toISOString(),
      }),
    ]);
    await resets.create([
      { _id: resetId, tokenHash: hashToken(token), userId: user._id, expiresAt, ...events.inserted() },
    ]);
    events.written(conn, PASSWORD_RESETS_COLLECTION, resetId);
    this.deps.logger.info({ userId: user._id.toHexString() }, 'password reset requested');
  }

  /** Sets a new password with a reset token; uses the token up and ends every session of the account. */
  async reset(token: string, newPassword: string): Promise<void> {
    const password = checkPasswordPolicy(newPassword, 'newPassword');
    const invalid = () => badUserInput('The reset token is wrong, used or expired', 'token');
    if (token.length === 0 || token.length > LONGEST_TOKEN) throw invalid();
    const { users, resets, conn, passwords } = this.deps;
    const passwordHash = await passwords.hash(password);
    const now = this.now();
    const { userId, ended } = await inTransaction(conn, async (session) => {
      const used = await resets
        .findOneAndUpdate(
          { tokenHash: hashToken(token), usedAt: null, expiresAt: { $gt: now } },
          { $set: { usedAt: now } },
          { session, returnDocument: 'after' },
        )
        .lean();
      if (!used) throw invalid();
      const updated = await users.updateOne({ _id: used.userId }, { $set: { passwordHash } }, { session });
      if (updated.matchedCount === 0) throw invalid();
      // Every other link sent before this reset stops working too.
      await resets.updateMany({ userId: used.userId, usedAt: null }, { $set: { usedAt: now } }, { session });
      // Every session ends with the same commit (the announcement follows it).
      const userId = used.userId.toHexString();
      const revoked = await this.deps.refreshTokens.revokeAll(userId, session);
      return { userId, ended: revoked.families };
    });
    await this.deps.refreshTokens.announceCommitted(userId, ended);
    this.deps.logger.info({ userId }, 'password reset; every session ended');
  }
}
