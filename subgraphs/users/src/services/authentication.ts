import { badUserInput, type Logger } from '@novamart/kit';
import type { UserModel, UserRecord, UserSecrets } from '../models/user';
import type { AccessTokenIssuer } from './access-tokens';
import { emailNotVerified, invalidCredentials, invalidRefreshToken } from './errors';
import type { LoginThrottle } from './login-throttle';
import type { SecretHasher } from './passwords';
import type { RefreshTokenService } from './refresh-tokens';
import { parseEmail, PASSWORD_MAX } from './validation';

export interface AuthenticationDeps {
  users: UserModel;
  passwords: SecretHasher;
  throttle: LoginThrottle;
  accessTokens: AccessTokenIssuer;
  refreshTokens: RefreshTokenService;
  /** REQUIRE_EMAIL_VERIFICATION: refuse login until the address is verified. */
  requireEmailVerification: boolean;
  logger: Logger;
}

export interface Session {
  accessToken: string;
  /** Seconds until accessToken expires. */
  expiresIn: number;
  refreshToken: string;
  user: UserRecord;
}

const LONGEST_REFRESH_TOKEN = 128;

/** Login, token refresh and logout. */
export class AuthenticationService {
  constructor(private readonly deps: AuthenticationDeps) {}

  async login(rawEmail: string, password: string, clientAddress: string | null): Promise<Session> {
    const email = parseEmail(rawEmail);
    if (password.length === 0) throw badUserInput('Password is required', 'password');
    const { users, passwords, throttle, logger } = this.deps;

    const attempt = await throttle.begin(email, clientAddress);
    const found = await users
      .findOne({ email })
      .select('+passwordHash')
      .lean<UserRecord & Pick<UserSecrets, 'passwordHash'>>();
    const valid =
      password.length <= PASSWORD_MAX &&
      (found
        ? await passwords.verify(password, found.passwordHash)
        : await passwords.verifyNothing(password));
    if (!found || !valid) {
      logger.info({ userId: found?._id.toHexString() ?? null, clientAddress }, 'login failed');
      throw invalidCredentials();
    }
    await attempt.succeeded();

    const { passwordHash, ...user } = found;
    if (this.deps.requireEmailVerification && !user.emailVerifiedAt) throw emailNotVerified();
    if (passwords.needsRehash(passwordHash)) {
      await users.updateOne({ _id: user._id }, { $set: { passwordHash: await passwords.hash(password) } });
    }
    const session = await this.startSession(user);
    logger.info({ userId: user._id.toHexString() }, 'login succeeded');
    return session;
  }

  /** Exchanges a refresh token for a new pair; the role comes from the account as it is now. */
  async refresh(refreshToken: string): Promise<Session> {
    if (refreshToken.length === 0 || refreshToken.length > LONGEST_REFRESH_TOKEN) throw invalidRefreshToken();
    const { userId, refreshToken: next, sessionId } = await this.deps.refreshTokens.rotate(refreshToken);
    const user = await this.deps.users.findById(userId).lean<UserRecord>();
    if (!user) {
      await this.deps.refreshTokens.endAllSessions(userId);
      throw invalidRefreshToken();
    }
    const access = await this.deps.accessTokens.issue({ id: userId, role: user.role, sessionId });
    return { ...access, refreshToken: next, user };
  }

  /** Ends the session of the refresh token; false when there was no live session to end. */
  async logout(refreshToken: string): Promise<boolean> {
    if (refreshToken.length === 0 || refreshToken.length > LONGEST_REFRESH_TOKEN) return false;
    return this.deps.refreshTokens.endSession(refreshToken);
  }

  private async startSession(user: UserRecord): Promise<Session> {
    const id = user._id.toHexString();
    const { refreshToken, sessionId } = await this.deps.refreshTokens.startSession(id);
    const access = await this.deps.accessTokens.issue({ id, role: user.role, sessionId });
    return { ...access, refreshToken, user };
  }
}
