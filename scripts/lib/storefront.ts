/**
 * The storefront's built assets, (re)built when its sources changed. `npm start` and the browser
 * tests call this, so a bare clone needs no separate build step and never serves stale files:
 * the build is skipped when `dist/.source-hash` matches a hash of everything the build reads.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { repoRoot } from './supergraph-config';

export const storefrontDir = resolve(repoRoot, 'storefront');
export const storefrontDist = join(storefrontDir, 'dist');
const HASH_FILE = '.source-hash';
// Everything the build reads besides node_modules (pinned by the lock file, which is hashed too).
const INPUTS = [
  'index.html',
  'vite.config.ts',
  'package.json',
  'tsconfig.json',
  'src',
  'public',
  '../package-lock.json',
];

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

export function storefrontSourceHash(): string {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of filesUnder(join(storefrontDir, input))) {
      hash.update(file.slice(storefrontDir.length)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

export function storefrontIsBuilt(): boolean {
  const stamp = join(storefrontDist, HASH_FILE);
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === storefrontSourceHash();
}

/**
 * Returns the directory to serve, building first when it is missing or stale. The build goes to a
 * temporary folder that replaces dist/ only once complete, so a concurrent reader never sees half
 * a build. Throws with vite's output when the build fails.
 */
export function ensureStorefrontBuilt(log: (message: string) => void = () => {}): string {
  if (storefrontIsBuilt()) return storefrontDist;
  const hash = storefrontSourceHash();
  const vite = resolve(
    createRequire(join(storefrontDir, 'package.json')).resolve('vite/package.json'),
    '..',
    'bin',
    'vite.js',
  );
  const outDir = join(storefrontDir, `.dist-${process.pid}-${Date.now()}`);
  log('building the storefront (storefront/dist is missing or older than its sources)');
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: storefrontDir,
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  if (result.status !== 0) {
    rmSync(outDir, { recursive: true, force: true });
    throw new Error(`The storefront build failed:\n${result.stdout}${result.stderr}`);
  }
  writeFileSync(join(outDir, HASH_FILE), `${hash}\n`);
  rmSync(storefrontDist, { recursive: true, force: true });
  renameSync(outDir, storefrontDist);
  log(`storefront built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return storefrontDist;
}
