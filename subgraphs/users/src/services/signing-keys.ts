import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';

export interface SigningKey {
  /** Key id: the public key's RFC 7638 thumbprint, so it is stable wherever the key is loaded. */
  kid: string;
  privateKey: KeyObject;
  /** The public half as served in the JWKS. */
  publicJwk: JWK;
}

export interface SigningKeySource {
  /** Ed25519 private key as PKCS#8 PEM or a private JWK (JSON). */
  privateKey?: string | undefined;
  /** Where a generated key is kept when none is provided: `<dataDir>/keys`. */
  dataDir: string;
}

const KEY_FILE = 'users-signing-key.pem';

export async function loadSigningKey(source: SigningKeySource): Promise<SigningKey> {
  const privateKey = source.privateKey
    ? parsePrivateKey(source.privateKey)
    : await loadOrCreateKeyFile(join(source.dataDir, 'keys'));
  return describe(privateKey);
}

function parsePrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.startsWith('{')
    ? createPrivateKey({ key: JSON.parse(trimmed) as JWK & { kty: string }, format: 'jwk' })
    : createPrivateKey(trimmed);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(
      `JWT_PRIVATE_KEY must be an Ed25519 key, got ${key.asymmetricKeyType ?? 'a symmetric key'}`,
    );
  }
  return key;
}

/**
 * Reads the key file, or generates the key pair and publishes it with link(2), which fails when
 * the file exists: instances starting together on one data directory all end up with the same key.
 */
async function loadOrCreateKeyFile(dir: string): Promise<KeyObject> {
  const path = join(dir, KEY_FILE);
  try {
    return parsePrivateKey(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  // Unique per attempt: two instances of one process starting in the same millisecond shared the
  // name, and one's link then found the file the other had already removed (ENOENT).
  const temp = join(dir, `.${KEY_FILE}.${process.pid}.${randomBytes(8).toString('hex')}`);
  await writeFile(temp, pem, { mode: 0o600 });
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temp, { force: true });
  }
  return parsePrivateKey(await readFile(path, 'utf8'));
}

async function describe(privateKey: KeyObject): Promise<SigningKey> {
  const { kty, crv, x } = createPublicKey(privateKey).export({ format: 'jwk' });
  const bare = { kty: kty!, crv: crv!, x: x! };
  const kid = await calculateJwkThumbprint(bare);
  return { kid, privateKey, publicJwk: { ...bare, kid, alg: 'EdDSA', use: 'sig' } };
}
