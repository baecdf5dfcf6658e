import { badUserInput, conflict, type Logger, type Viewer } from '@novamart/kit';
import { inTransaction } from '@novamart/events';
import type { Connection } from 'mongoose';
import { userPasswordChanged } from '../events';
import type { UserModel, UserRecord, UserSecrets } from '../models/user';
import type { AccessTokenIssuer } from './access-tokens';
import type { Session } from './authentication';
import { invalidCredentials } from './errors';
import type { LoginThrottle } from './login-throttle';
import type { SecretHasher } from './passwords';
import type { RefreshTokenService } from './refresh-tokens';
import { checkPasswordPolicy, PASSWORD_MAX } from './validation';

export interface PasswordChangeDeps {
  conn: Connection;
  users: UserModel;
  passwords: SecretHasher;
  /** The login throttle: a stolen access token must not make a faster password oracle than login. */
  throttle: LoginThrottle;
  accessTokens: AccessTokenIssuer;
  refreshTokens: RefreshTokenService;
  logger: Logger;
  now?: () => Date;
}

/**
 * A signed-in user's password change. The current password is checked under the login throttle
 * (same keys, same delays); the new one under the password policy. Every session of the account
 * ends, the caller's own included, and the caller gets a new one: whoever else held the old
 * session (its refresh token stolen along with the password the user is now replacing) is out
 * too, while the user who changed it stays signed in. The change, the revocation of every refresh
 * token, the new session and `user.password_changed` (notifications mails the owner) are one
 * transaction: an answered error wrote nothing.
 */
export class PasswordChangeService {
  private readonly now: () => Date;

  constructor(private readonly deps: PasswordChangeDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async change(
    viewer: Viewer,
    currentPassword: string,
    newPassword: string,
    clientAddress: string | null,
  ): Promise<Session> {
    const password = checkPasswordPolicy(newPassword, 'newPassword');
    if (currentPassword.length === 0)
      throw badUserInput('The current password is required', 'currentPassword');
    if (currentPassword === newPassword)
      throw badUserInput('The new password must differ from the current one', 'newPassword');
    const { users, passwords, throttle, conn, refreshTokens, logger } = this.deps;

    const found = await users
      .findById(viewer.id)
      .select('+passwordHash')
      .lean<UserRecord & Pick<UserSecrets, 'passwordHash'>>();
    // The token names an account that is gone: the same answer as a token that no longer works.
    if (!found) throw invalidCredentials();
    const attempt = await throttle.begin(found.email, clientAddress);
    const valid =
      currentPassword.length <= PASSWORD_MAX && (await passwords.verify(currentPassword, found.passwordHash));
    if (!valid) {
      logger.info({ userId: viewer.id, clientAddress }, 'password change refused: wrong current password');
      throw badUserInput('The current password is wrong', 'currentPassword');
    }
    await attempt.succeeded();

    const passwordHash = await passwords.hash(password);
    const changedAt = this.now();
    const { started, ended } = await inTransaction(conn, async (session, outbox) => {
      // Conditional on the hash just verified: a concurrent change or reset wins, this one writes nothing.
      const updated = await users.updateOne(
        { _id: found._id, passwordHash: found.passwordHash },
        { $set: { passwordHash } },
        { session },
      );
      if (updated.modifiedCount === 0) throw conflict('The password was changed meanwhile; sign in again');
      const revoked = await refreshTokens.revokeAll(viewer.id, session);
      const fresh = await refreshTokens.startSession(viewer.id, session);
      outbox.add(
        userPasswordChanged({
          userId: viewer.id,
          email: found.email,
          name: found.name,
          changedAt: changedAt.toISOString(),
        }),
      );
      return { started: fresh, ended: revoked.families };
    });
    await refreshTokens.announceCommitted(viewer.id, ended);
    const { passwordHash: _old, ...user } = found;
    const access = await this.deps.accessTokens.issue({
      id: viewer.id,
      role: user.role,
      sessionId: started.sessionId,
    });
    logger.info(
      { userId: viewer.id, sessionsEnded: ended.length },
      'password changed; every other session ended',
    );
    return { ...access, refreshToken: started.refreshToken, user };
  }
}
