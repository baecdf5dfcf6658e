import { badUserInput, conflict, type Logger } from '@novamart/kit';
import { inTransaction, isDuplicateKeyError } from '@novamart/events';
import { Types, type Connection } from 'mongoose';
import { userEmailVerified, userRegistered } from '../events';
import type { UserModel, UserRecord, UserSecrets } from '../models/user';
import type { SecretHasher } from './passwords';
import { checkPasswordPolicy, normalizeEmail, parseEmail, parseName } from './validation';
import {
  generateVerificationCode,
  isWellFormedCode,
  VERIFICATION_CODE_TTL_MS,
  VERIFICATION_MAX_ATTEMPTS,
} from './verification-codes';

export interface RegistrationDeps {
  conn: Connection;
  users: UserModel;
  passwords: SecretHasher;
  codes: SecretHasher;
  logger: Logger;
  now?: () => Date;
}

export interface RegisterInput {
  email: string;
  password: string;
  name?: string | null;
}

/** Sign-up and email verification. */
export class RegistrationService {
  private readonly now: () => Date;

  constructor(private readonly deps: RegistrationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Creates a CUSTOMER account and, in the same transaction, the `user.registered` event carrying
   * the verification code for the notifications subgraph to deliver.
   */
  async register(input: RegisterInput): Promise<UserRecord> {
    const email = parseEmail(input.email);
    const password = checkPasswordPolicy(input.password);
    const name = parseName(input.name);
    const { users, conn, passwords, codes } = this.deps;

    // Only saves the hashing work on an obvious duplicate; the unique index is what decides.
    if (await users.exists({ email })) throw emailTaken();
    const passwordHash = await passwords.hash(password);
    const code = generateVerificationCode();
    const codeHash = await codes.hash(code);
    const codeExpiresAt = new Date(this.now().getTime() + VERIFICATION_CODE_TTL_MS);
    const _id = new Types.ObjectId();

    try {
      await inTransaction(conn, async (session, outbox) => {
        await users.create(
          [
            {
              _id,
              email,
              name,
              passwordHash,
              role: 'CUSTOMER',
              verification: { codeHash, expiresAt: codeExpiresAt, attempts: 0 },
            },
          ],
          { session },
        );
        outbox.add(
          userRegistered({
            userId: _id.toHexString(),
            email,
            name,
            role: 'CUSTOMER',
            verificationCode: code,
            codeExpiresAt: codeExpiresAt.toISOString(),
          }),
        );
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw emailTaken();
      throw error;
    }
    this.deps.logger.info({ userId: _id.toHexString() }, 'user registered');
    return (await users.findById(_id).lean<UserRecord>())!;
  }

  /**
   * Marks the address verified when the code matches. A code is good for 24 hours and 5 attempts;
   * verifying an already verified address returns the user unchanged.
   */
  async verifyEmail(rawEmail: string, rawCode: string): Promise<UserRecord> {
    const code = rawCode.trim();
    if (!isWellFormedCode(code)) throw badUserInput('The verification code is 6 digits', 'code');
    const { users, conn, codes } = this.deps;
    const user = await users
      .findOne({ email: normalizeEmail(rawEmail) })
      .select('+verification')
      .lean<UserRecord & Pick<UserSecrets, 'verification'>>();
    // An unknown address gets the same answer as a wrong code.
    if (!user) throw wrongCode(VERIFICATION_MAX_ATTEMPTS - 1);
    if (user.emailVerifiedAt) return withoutSecrets(user);

    const pending = user.verification;
    if (!pending || pending.expiresAt <= this.now()) throw codeExpired();
    // Claim one attempt before comparing, so that parallel guesses share the same five.
    const claimed = await users.updateOne(
      {
        _id: user._id,
        'verification.codeHash': pending.codeHash,
        'verification.attempts': { $lt: VERIFICATION_MAX_ATTEMPTS },
      },
      { $inc: { 'verification.attempts': 1 } },
    );
    if (claimed.modifiedCount === 0) throw tooManyAttempts();
    if (!(await codes.verify(code, pending.codeHash))) {
      throw wrongCode(Math.max(0, VERIFICATION_MAX_ATTEMPTS - pending.attempts - 1));
    }

    const verified = await inTransaction(conn, async (session, outbox) => {
      const updated = await users
        .findOneAndUpdate(
          { _id: user._id, emailVerifiedAt: null },
          { $set: { emailVerifiedAt: this.now(), verification: null } },
          { returnDocument: 'after', session },
        )
        .lean<UserRecord>();
      // null: a concurrent call with the same code got there first and published the event.
      if (updated) {
        outbox.add(userEmailVerified({ userId: user._id.toHexString(), email: user.email, name: user.name }));
      }
      return updated;
    });
    if (verified) this.deps.logger.info({ userId: user._id.toHexString() }, 'email verified');
    return verified ?? (await users.findById(user._id).lean<UserRecord>())!;
  }
}

function withoutSecrets<T extends UserRecord>(user: T): UserRecord {
  const {
    verification: _v,
    passwordHash: _p,
    ...rest
  } = user as T & { verification?: unknown; passwordHash?: unknown };
  return rest;
}

function emailTaken() {
  return conflict('An account with this email address already exists', { field: 'email' });
}

function wrongCode(attemptsLeft: number) {
  return badUserInput('The verification code is wrong', 'code', { reason: 'WRONG_CODE', attemptsLeft });
}

function codeExpired() {
  return badUserInput('The verification code has expired', 'code', { reason: 'CODE_EXPIRED' });
}

function tooManyAttempts() {
  return badUserInput('Too many wrong codes; this code no longer works', 'code', {
    reason: 'TOO_MANY_ATTEMPTS',
  });
}
