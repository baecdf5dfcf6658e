import { describe, expect, it } from 'vitest';
import { PASSWORD_SCRYPT, SecretHasher } from '../src/services/passwords';

const cheap = new SecretHasher({ logN: 10, r: 8, p: 1 });

describe('SecretHasher', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await cheap.hash('Correct-horse1');
    expect(await cheap.verify('Correct-horse1', hash)).toBe(true);
    expect(await cheap.verify('correct-horse1', hash)).toBe(false);
    expect(await cheap.verify('', hash)).toBe(false);
  });

  it('salts: the same password never hashes the same way twice, and the hash does not contain it', async () => {
    const [a, b] = await Promise.all([cheap.hash('Password123'), cheap.hash('Password123')]);
    expect(a).not.toBe(b);
    expect(a).not.toContain('Password123');
    expect(a).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
  });

  it('keeps verifying hashes made with other parameters and asks for a rehash', async () => {
    const old = await cheap.hash('Password123');
    const current = new SecretHasher({ logN: 11, r: 8, p: 1 });
    expect(await current.verify('Password123', old)).toBe(true);
    expect(current.needsRehash(old)).toBe(true);
    expect(current.needsRehash(await current.hash('Password123'))).toBe(false);
  });

  it('refuses malformed stored hashes instead of throwing', async () => {
    expect(await cheap.verify('x', 'plain-text-password')).toBe(false);
    expect(await cheap.verify('x', '$scrypt$ln=10,r=8,p=1$c2FsdA$')).toBe(false);
  });

  it('spends a real hash on unknown accounts', async () => {
    expect(await cheap.verifyNothing('whatever')).toBe(false);
  });

  it('uses a slow profile for passwords by default', () => {
    // 2^15 * 8 * 3: OWASP's scrypt recommendation; lowering it must be a deliberate change.
    expect(PASSWORD_SCRYPT).toEqual({ logN: 15, r: 8, p: 3 });
    expect(new SecretHasher().params).toBe(PASSWORD_SCRYPT);
  });
});
