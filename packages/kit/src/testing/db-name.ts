import { randomBytes } from 'node:crypto';

/** A database name no other test (file, worker or run) uses: `<prefix>_<random>`. */
export function uniqueDbName(prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  return `${safe}_${randomBytes(6).toString('hex')}`;
}
