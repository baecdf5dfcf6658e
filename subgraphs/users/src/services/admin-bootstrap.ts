import { ConfigError, type Logger, isDuplicateKeyError } from '@novamart/kit';
import { inTransaction } from '@novamart/events';
import { Types, type Connection } from 'mongoose';
import { userRegistered, userRoleChanged } from '../events';
import type { UserModel, UserRecord } from '../models/user';
import type { SecretHasher } from './passwords';
import { checkPasswordPolicy, parseEmail } from './validation';

export interface AdminCredentials {
  email: string;
  password: string;
}

/** ADMIN_EMAIL / ADMIN_PASSWORD checked like a registration: both or neither, a valid address, a strong password. */
export function adminCredentialsFromConfig(config: {
  ADMIN_EMAIL?: string | undefined;
  ADMIN_PASSWORD?: string | undefined;
}): AdminCredentials | null {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = config;
  if (!email && !password) return null;
  if (!email)
    throw new ConfigError([{ variable: 'ADMIN_EMAIL', message: 'required when ADMIN_PASSWORD is set' }]);
  if (!password)
    throw new ConfigError([{ variable: 'ADMIN_PASSWORD', message: 'required when ADMIN_EMAIL is set' }]);
  const problem = (check: () => unknown) => {
    try {
      check();
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  };
  const emailProblem = problem(() => parseEmail(email));
  if (emailProblem) throw new ConfigError([{ variable: 'ADMIN_EMAIL', message: emailProblem }]);
  const passwordProblem = problem(() => checkPasswordPolicy(password));
  if (passwordProblem) throw new ConfigError([{ variable: 'ADMIN_PASSWORD', message: passwordProblem }]);
  return { email: parseEmail(email), password };
}

export type BootstrapOutcome = 'created' | 'promoted' | 'unchanged';

/**
 * Makes sure the configured administrator exists: creates the account (its address counts as
 * verified: the operator vouches for it) or promotes an existing one. Idempotent, and safe when
 * several instances start at once. An existing account keeps its password: the variable only
 * seeds the first one.
 */
export async function ensureAdmin(
  deps: { conn: Connection; users: UserModel; passwords: SecretHasher; logger: Logger },
  admin: AdminCredentials,
): Promise<BootstrapOutcome> {
  const { conn, users, passwords, logger } = deps;
  for (;;) {
    const existing = await users.findOne({ email: admin.email }).lean<UserRecord>();
    if (existing) {
      if (existing.role === 'ADMIN') return 'unchanged';
      const promoted = await inTransaction(conn, async (session, outbox) => {
        const result = await users.updateOne(
          { _id: existing._id, role: { $ne: 'ADMIN' } },
          { $set: { role: 'ADMIN' } },
          { session },
        );
        if (result.modifiedCount === 1) {
          outbox.add(
            userRoleChanged({
              userId: existing._id.toHexString(),
              email: existing.email,
              role: 'ADMIN',
              previousRole: existing.role,
              changedBy: null,
            }),
          );
        }
        return result.modifiedCount === 1;
      });
      if (promoted)
        logger.info({ userId: existing._id.toHexString() }, 'administrator promoted from ADMIN_EMAIL');
      return promoted ? 'promoted' : 'unchanged';
    }

    const _id = new Types.ObjectId();
    const passwordHash = await passwords.hash(admin.password);
    try {
      await inTransaction(conn, async (session, outbox) => {
        await users.create(
          [{ _id, email: admin.email, name: null, passwordHash, role: 'ADMIN', emailVerifiedAt: new Date() }],
          { session },
        );
        outbox.add(
          userRegistered({
            userId: _id.toHexString(),
            email: admin.email,
            name: null,
            role: 'ADMIN',
            verificationCode: null,
            codeExpiresAt: null,
          }),
        );
      });
      logger.info({ userId: _id.toHexString() }, 'administrator created from ADMIN_EMAIL');
      return 'created';
    } catch (error) {
      // Another instance created it between our read and insert: look again.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
}
