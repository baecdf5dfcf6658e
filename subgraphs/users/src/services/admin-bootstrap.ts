import { ConfigError, type Logger, isDuplicateKeyError } from '@novamart/kit';
import { DocumentEvents } from '@novamart/events';
import { Types, type Connection } from 'mongoose';
import { userRegistered, userRoleChanged } from '../events';
import { USERS_COLLECTION, type UserModel, type UserRecord } from '../models/user';
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

/** Starting instances that keep losing their race for the account give up (the start fails). */
const MAX_ATTEMPTS = 5;

/**
 * Makes sure the configured administrator exists: creates the account (its address counts as
 * verified: the operator vouches for it) or promotes an existing one. Idempotent, and safe when
 * several instances start at once. An existing account keeps its password: the variable only
 * seeds the first one. Either is one write of the account carrying its event (`DocumentEvents`).
 */
export async function ensureAdmin(
  deps: { conn: Connection; users: UserModel; passwords: SecretHasher; logger: Logger },
  admin: AdminCredentials,
): Promise<BootstrapOutcome> {
  const { conn, users, passwords, logger } = deps;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const existing = await users.findOne({ email: admin.email }).lean<UserRecord>();
    if (existing) {
      if (existing.role === 'ADMIN') return 'unchanged';
      const userId = existing._id.toHexString();
      const events = new DocumentEvents([
        userRoleChanged({
          userId,
          email: existing.email,
          role: 'ADMIN',
          previousRole: existing.role,
          changedBy: null,
        }),
      ]);
      // A compare-and-set of the role read, so that the event's previousRole is the one replaced.
      const result = await users.updateOne(
        { _id: existing._id, role: existing.role },
        events.update({ $set: { role: 'ADMIN' } }),
      );
      // Its role changed meanwhile (another instance promoted it): look again.
      if (result.modifiedCount !== 1) continue;
      events.written(conn, USERS_COLLECTION, existing._id);
      logger.info({ userId }, 'administrator promoted from ADMIN_EMAIL');
      return 'promoted';
    }

    const _id = new Types.ObjectId();
    const passwordHash = await passwords.hash(admin.password);
    const events = new DocumentEvents([
      userRegistered({
        userId: _id.toHexString(),
        email: admin.email,
        name: null,
        role: 'ADMIN',
        verificationCode: null,
        codeExpiresAt: null,
      }),
    ]);
    try {
      await users.create([
        {
          _id,
          email: admin.email,
          name: null,
          passwordHash,
          role: 'ADMIN',
          emailVerifiedAt: new Date(),
          ...events.inserted(),
        },
      ]);
    } catch (error) {
      // Another instance created it between our read and insert: look again.
      if (!isDuplicateKeyError(error)) throw error;
      continue;
    }
    events.written(conn, USERS_COLLECTION, _id);
    logger.info({ userId: _id.toHexString() }, 'administrator created from ADMIN_EMAIL');
    return 'created';
  }
  throw new Error('The account of ADMIN_EMAIL kept changing while it was being set up; start again');
}
