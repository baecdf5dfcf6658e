import { badUserInput, conflict, type Logger, isDuplicateKeyError } from '@novamart/kit';
import type { ClientThrottle } from './client-throttle';
import { DocumentEvents } from '@novamart/events';
import { Types, type Connection } from 'mongoose';
import { userEmailVerified, userRegistered, userVerificationRequested } from '../events';
import { USERS_COLLECTION, type UserModel, type UserRecord, type UserSecrets } from '../models/user';
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
  /** Per client address and per account limits on the answers that could be used to probe accounts. */
  throttle: ClientThrottle;
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
   * Creates a CUSTOMER account and, in the same insert (the account carries it, `DocumentEvents`),
   * the `user.registered` event carrying the verification code for the notifications subgraph to
   * deliver.
   */
  async register(input: RegisterInput, clientAddress: string | null = null): Promise<UserRecord> {
    // Named as sent: the fields of register's `input`.
    const email = parseEmail(input.email, 'input.email');
    const password = checkPasswordPolicy(input.password, 'input.password');
    const name = parseName(input.name, 'input.name');
    // "Already registered" tells whether an address has an account: one client address gets only a
    // few such answers per window, so that a list of addresses cannot be checked at speed.
    const probe = await this.deps.throttle.take('register-conflict', clientAddress);
    let conflicted = false;
    try {
      return await this.create(email, password, name);
    } catch (error) {
      conflicted = (error as { extensions?: { code?: unknown } }).extensions?.code === 'CONFLICT';
      throw error;
    } finally {
      if (!conflicted) await probe.undo();
    }
  }

  private async create(email: string, password: string, name: string | null): Promise<UserRecord> {
    const { users, conn, passwords, codes } = this.deps;
    // Only saves the hashing work on an obvious duplicate; the unique index is what decides.
    if (await users.exists({ email })) throw emailTaken();
    const passwordHash = await passwords.hash(password);
    const code = generateVerificationCode();
    const codeHash = await codes.hash(code);
    const codeExpiresAt = new Date(this.now().getTime() + VERIFICATION_CODE_TTL_MS);
    const _id = new Types.ObjectId();

    const events = new DocumentEvents([
      userRegistered({
        userId: _id.toHexString(),
        email,
        name,
        role: 'CUSTOMER',
        verificationCode: code,
        codeExpiresAt: codeExpiresAt.toISOString(),
      }),
    ]);
    try {
      await users.create([
        {
          _id,
          email,
          name,
          passwordHash,
          role: 'CUSTOMER',
          verification: { codeHash, expiresAt: codeExpiresAt, attempts: 0 },
          ...events.inserted(),
        },
      ]);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw emailTaken();
      throw error;
    }
    events.written(conn, USERS_COLLECTION, _id);
    this.deps.logger.info({ userId: _id.toHexString() }, 'user registered');
    return (await users.findById(_id).lean<UserRecord>())!;
  }

  /**
   * Marks the address verified when the code matches. A stranger learns nothing: a wrong code, an
   * expired or used-up code, an address that is already verified and an unknown address all get the
   * same error, without data. Attempts are counted per code (a new code starts again) and per
   * client address.
   */
  async verifyEmail(
    rawEmail: string,
    rawCode: string,
    clientAddress: string | null = null,
  ): Promise<UserRecord> {
    const code = rawCode.trim();
    if (!isWellFormedCode(code)) throw badUserInput('The verification code is 6 digits', 'code');
    await this.deps.throttle.take('verify-attempt', clientAddress);
    const { users, conn, codes } = this.deps;
    const user = await users
      .findOne({ email: normalizeEmail(rawEmail) })
      .select('+verification')
      .lean<UserRecord & Pick<UserSecrets, 'verification'>>();
    const pending = user && !user.emailVerifiedAt ? user.verification : null;
    if (!user || !pending || pending.expiresAt <= this.now()) {
      // The same work as a real comparison, so that timing does not tell the cases apart either.
      await codes.verifyNothing(code);
      throw invalidCode();
    }
    // Claim one attempt before comparing, so that parallel guesses share the same five.
    const claimed = await users.updateOne(
      {
        _id: user._id,
        'verification.codeHash': pending.codeHash,
        'verification.attempts': { $lt: VERIFICATION_MAX_ATTEMPTS },
      },
      { $inc: { 'verification.attempts': 1 } },
    );
    const matches = await codes.verify(code, pending.codeHash);
    if (claimed.modifiedCount === 0 || !matches) throw invalidCode();

    // One write carrying its event (`DocumentEvents`): the filter (still unverified, this code)
    // decides whether the address is verified, and the event goes with that write only.
    const events = new DocumentEvents([
      userEmailVerified({ userId: user._id.toHexString(), email: user.email, name: user.name }),
    ]);
    const verified = await users
      .findOneAndUpdate(
        { _id: user._id, emailVerifiedAt: null, 'verification.codeHash': pending.codeHash },
        events.update({ $set: { emailVerifiedAt: this.now(), verification: null } }),
        { returnDocument: 'after' },
      )
      .lean<UserRecord>();
    if (verified) events.written(conn, USERS_COLLECTION, verified._id);
    // null: a concurrent call with the same code got there first; it has the answer, not this one.
    if (!verified) throw invalidCode();
    this.deps.logger.info({ userId: user._id.toHexString() }, 'email verified');
    return verified;
  }

  /**
   * Sends a fresh code to an unverified account (`user.verification_requested`, which the
   * notifications subgraph mails); the previous code stops working. The answer is the same whether
   * or not the account exists or is verified. Throttled per client address (RATE_LIMITED) and per
   * account (further requests are silently ignored, so the answer stays the same).
   */
  async requestEmailVerification(rawEmail: string, clientAddress: string | null = null): Promise<void> {
    const email = parseEmail(rawEmail);
    await this.deps.throttle.take('verification-request', clientAddress);
    const { users, conn, codes } = this.deps;
    const user = await users.findOne({ email }).lean<UserRecord>();
    if (!user || user.emailVerifiedAt) return;
    if (!(await this.deps.throttle.allowAccount('verification-request', user._id.toHexString()))) return;

    const code = generateVerificationCode();
    const codeHash = await codes.hash(code);
    const codeExpiresAt = new Date(this.now().getTime() + VERIFICATION_CODE_TTL_MS);
    // One write carrying its event (`DocumentEvents`): written only while the address is unverified.
    const events = new DocumentEvents([
      userVerificationRequested({
        userId: user._id.toHexString(),
        email: user.email,
        name: user.name,
        verificationCode: code,
        codeExpiresAt: codeExpiresAt.toISOString(),
      }),
    ]);
    const updated = await users.updateOne(
      { _id: user._id, emailVerifiedAt: null },
      events.update({ $set: { verification: { codeHash, expiresAt: codeExpiresAt, attempts: 0 } } }),
    );
    if (updated.modifiedCount === 1) events.written(conn, USERS_COLLECTION, user._id);
    this.deps.logger.info({ userId: user._id.toHexString() }, 'verification code sent again');
  }
}

function emailTaken() {
  // Says no more than it must; the answer is throttled per client address (register).
  return conflict('This email address cannot be registered; if it is yours, sign in or reset your password', {
    field: 'input.email',
  });
}

/** One answer for every way a verification can fail: it must not tell accounts apart. */
function invalidCode() {
  return badUserInput('The verification code is wrong or no longer valid', 'code', {
    reason: 'INVALID_CODE',
  });
}
