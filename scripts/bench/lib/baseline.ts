/**
 * A build of another git ref to benchmark against (`npm run bench -- --baseline-ref main`): a
 * detached worktree of the ref in the temp directory, with this tree's node_modules hard-linked in
 * (workspace links are relative, so they resolve to the baseline's own packages) and this tree's
 * benchmark child scripts copied over when the ref lacks them. Kept per commit for reuse.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../lib/supergraph-config';

export interface Baseline {
  ref: string;
  commit: string;
  dir: string;
}

const CHILD_SCRIPTS = [
  'scripts/bench/lib/all-in-one.ts',
  'scripts/bench/lib/checkout-child.ts',
  'scripts/bench/lib/cpu-profile.ts',
];

export function prepareBaseline(ref: string, log: (line: string) => void): Baseline {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const dir = join(tmpdir(), `novamart-bench-${commit.slice(0, 12)}`);
  if (!existsSync(join(dir, 'package.json'))) {
    log(`baseline: worktree of ${ref} (${commit.slice(0, 12)}) in ${dir}`);
    git('worktree', 'prune');
    git('worktree', 'add', '--detach', '--force', dir, commit);
  }
  if (!existsSync(join(dir, 'node_modules'))) {
    log('baseline: linking node_modules');
    try {
      execFileSync('cp', ['-al', resolve(repoRoot, 'node_modules'), join(dir, 'node_modules')]);
    } catch {
      cpSync(resolve(repoRoot, 'node_modules'), join(dir, 'node_modules'), {
        recursive: true,
        verbatimSymlinks: true,
      });
    }
  }
  for (const script of CHILD_SCRIPTS) {
    const target = join(dir, script);
    if (!existsSync(target)) {
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(resolve(repoRoot, script), target);
    }
  }
  return { ref, commit, dir };
}
