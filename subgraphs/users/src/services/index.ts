import {
  processSessionRevocations,
  type Logger,
  type SessionRevocations,
  type SubgraphClient,
} from '@novamart/kit';
import type { Connection } from 'mongoose';
import { passwordResetModel } from '../models/password-reset';
import { refreshTokenModel } from '../models/refresh-token';
import { userModel, type UserModel } from '../models/user';
import { AccessTokenIssuer } from './access-tokens';
import {
  MemoryAttemptCounters,
  RedisAttemptCounters,
  type AttemptCounters,
  type RedisLike,
} from './attempt-counters';
import { AccountData } from './account-data';
import { AuthenticationService } from './authentication';
import { ClientThrottle } from './client-throttle';
import { UserDirectory } from './directory';
import { LoginThrottle, type ThrottleLimits } from './login-throttle';
import { PasswordChangeService } from './password-change';
import { PasswordResetService } from './password-reset';
import { CODE_SCRYPT, PASSWORD_SCRYPT, SecretHasher, type ScryptParams } from './passwords';
import { RefreshTokenService } from './refresh-tokens';
import { RegistrationService } from './registration';
import type { SigningKey } from './signing-keys';

export interface UsersServiceOptions {
  conn: Connection;
  logger: Logger;
  signingKey: SigningKey;
  /** Login failures are counted in Redis when given (shared by every instance), in memory otherwise. */
  throttleRedis?: { client: RedisLike; keyPrefix: string } | null;
  accessTokenTtlSeconds: number;
  refreshTokenTtlMs: number;
  throttle: ThrottleLimits;
  requireEmailVerification: boolean;
  /** Where ended sessions are announced; default this process's list (no Redis). */
  revocations?: SessionRevocations;
  /** The products subgraph: wishlist additions ask it whether the product exists; absent: not asked. */
  catalog?: SubgraphClient | null;
  /** Tests lower the cost; production keeps the defaults. */
  passwordHashing?: ScryptParams;
  codeHashing?: ScryptParams;
}

export interface UsersServices {
  users: UserModel;
  passwords: SecretHasher;
  accessTokens: AccessTokenIssuer;
  refreshTokens: RefreshTokenService;
  registration: RegistrationService;
  passwordReset: PasswordResetService;
  passwordChange: PasswordChangeService;
  authentication: AuthenticationService;
  directory: UserDirectory;
  accountData: AccountData;
}

/** Wires the users services on a connection; resolves once the unique indexes exist. */
export async function createUsersServices(options: UsersServiceOptions): Promise<UsersServices> {
  const { conn, logger } = options;
  const users = userModel(conn);
  const tokens = refreshTokenModel(conn);
  const resets = passwordResetModel(conn);
  // register, rotation and resets rely on the unique indexes: they must exist before the first request.
  await Promise.all([users.init(), tokens.init(), resets.init()]);

  const passwords = new SecretHasher(options.passwordHashing ?? PASSWORD_SCRYPT);
  const codes = new SecretHasher(options.codeHashing ?? CODE_SCRYPT);
  const counters: AttemptCounters = options.throttleRedis
    ? new RedisAttemptCounters(options.throttleRedis.client, options.throttleRedis.keyPrefix)
    : new MemoryAttemptCounters();
  const accessTokens = new AccessTokenIssuer(options.signingKey, options.accessTokenTtlSeconds);
  const refreshTokens = new RefreshTokenService(tokens, options.refreshTokenTtlMs, logger, {
    revocations: options.revocations ?? processSessionRevocations,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
  });
  const throttle = new ClientThrottle(counters);
  // One throttle for both places a password is guessed: login and changePassword.
  const loginThrottle = new LoginThrottle(counters, options.throttle);

  return {
    users,
    passwords,
    accessTokens,
    refreshTokens,
    registration: new RegistrationService({ conn, users, passwords, codes, throttle, logger }),
    passwordReset: new PasswordResetService({
      conn,
      users,
      resets,
      passwords,
      refreshTokens,
      throttle,
      logger,
    }),
    passwordChange: new PasswordChangeService({
      conn,
      users,
      passwords,
      throttle: loginThrottle,
      accessTokens,
      refreshTokens,
      logger,
    }),
    authentication: new AuthenticationService({
      users,
      passwords,
      throttle: loginThrottle,
      accessTokens,
      refreshTokens,
      requireEmailVerification: options.requireEmailVerification,
      logger,
    }),
    accountData: new AccountData({ conn, users, catalog: options.catalog ?? null }),
    directory: new UserDirectory({
      conn,
      users,
      endAllSessions: (userId) => refreshTokens.endAllSessions(userId),
      logger,
    }),
  };
}
