import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

/**
 * OWASP's scrypt profile N=2^15, r=8, p=3: about 0.3 s of CPU and 32 MiB per hash, which bounds
 * memory under concurrent logins while keeping an offline guess expensive.
 */
export const PASSWORD_SCRYPT: ScryptParams = { logN: 15, r: 8, p: 3 };

/**
 * Verification codes live 24 hours and allow 5 attempts; the hash only has to make a leaked
 * database not hand the codes over for free, so a lighter profile keeps registration fast.
 */
export const CODE_SCRYPT: ScryptParams = { logN: 14, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(secret: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Salted scrypt hashes in a PHC-style string, `$scrypt$ln=15,r=8,p=3$<salt>$<hash>`, so that the
 * parameters can be raised later while the stored hashes keep verifying (and get rehashed on login).
 */
export class SecretHasher {
  private dummy: Promise<string> | undefined;

  constructor(readonly params: ScryptParams = PASSWORD_SCRYPT) {}

  async hash(secret: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const key = await derive(secret, salt, this.params);
    const { logN, r, p } = this.params;
    return `$scrypt$ln=${logN},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async verify(secret: string, stored: string): Promise<boolean> {
    const parsed = parseHash(stored);
    if (!parsed) return false;
    const key = await derive(secret, parsed.salt, parsed.params);
    return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  }

  /**
   * Spends the same time as verifying a real hash, for callers without one (an unknown email), so
   * that response times do not tell which accounts exist.
   */
  async verifyNothing(secret: string): Promise<false> {
    this.dummy ??= this.hash('novamart-timing-equaliser');
    await this.verify(secret, await this.dummy);
    return false;
  }

  needsRehash(stored: string): boolean {
    const parsed = parseHash(stored);
    if (!parsed) return true;
    const { logN, r, p } = parsed.params;
    return logN !== this.params.logN || r !== this.params.r || p !== this.params.p;
  }
}

function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const match = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!match) return null;
  const [, logN, r, p, salt, key] = match;
  return {
    params: { logN: Number(logN), r: Number(r), p: Number(p) },
    salt: Buffer.from(salt!, 'base64url'),
    key: Buffer.from(key!, 'base64url'),
  };
}
