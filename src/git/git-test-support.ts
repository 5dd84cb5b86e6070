/**
 * Helpers for this folder's tests: a store in a temp directory that is always cleaned up, and the git CLI pointed
 * at a repository the way a person (or another process) would use it behind the store's back.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRepoStore, type GitRepoStoreOptions } from './git-repo-store.js';

export const ALICE = { name: 'Alice Example', email: 'alice@example.org' };

/** Runs `fn` with a fresh store under a new temp root; closes the store and removes the root afterwards. */
export async function withStore(
  fn: (store: GitRepoStore, root: string) => Promise<void>,
  options: Omit<GitRepoStoreOptions, 'root'> = {},
): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'wikibot-git-'));
  const store = new GitRepoStore({ root, ...options });
  try {
    await fn(store, root);
  } finally {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The git CLI on `gitDir`, isolated from the user's configuration. Returns trimmed stdout. */
export function cli(gitDir: string, args: string[], input?: string | Buffer): string {
  return execFileSync('git', args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: tmpdir(),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_DIR: gitDir,
      GIT_AUTHOR_NAME: 'Cli Person',
      GIT_AUTHOR_EMAIL: 'cli@example.org',
      GIT_COMMITTER_NAME: 'Cli Person',
      GIT_COMMITTER_EMAIL: 'cli@example.org',
    },
    input: input ?? '',
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();
}

/** Makes a commit on main with the CLI: `files` replace the whole tree. Returns the new commit id. */
export function cliCommit(gitDir: string, files: Record<string, string>, message: string, parents: string[]): string {
  const index = join(mkdtempSync(join(tmpdir(), 'wikibot-index-')), 'index');
  try {
    const env = (args: string[], input?: string): string =>
      execFileSync('git', args, {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: tmpdir(),
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_DIR: gitDir,
          GIT_INDEX_FILE: index,
          GIT_AUTHOR_NAME: 'Cli Person',
          GIT_AUTHOR_EMAIL: 'cli@example.org',
          GIT_COMMITTER_NAME: 'Cli Person',
          GIT_COMMITTER_EMAIL: 'cli@example.org',
        },
        input: input ?? '',
        encoding: 'utf8',
      }).trim();
    for (const [path, content] of Object.entries(files)) {
      const oid = env(['hash-object', '-w', '--stdin'], content);
      env(['update-index', '--add', '--cacheinfo', `100644,${oid},${path}`]);
    }
    const tree = env(['write-tree']);
    const commit = env(['commit-tree', tree, '-m', message, ...parents.flatMap((p) => ['-p', p])]);
    env(['update-ref', 'refs/heads/main', commit, parents[0] ?? '0'.repeat(40)]);
    return commit;
  } finally {
    rmSync(join(index, '..'), { recursive: true, force: true });
  }
}

/** Number of loose objects in a repository. */
export function countLooseObjects(gitDir: string): number {
  let count = 0;
  for (const fanout of readdirSync(join(gitDir, 'objects'))) {
    if (/^[0-9a-f]{2}$/.test(fanout)) {
      count += readdirSync(join(gitDir, 'objects', fanout)).filter((f) => !f.startsWith('tmp_')).length;
    }
  }
  return count;
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the process is gone (up to `ms`); returns whether it is. */
export async function waitForExit(pid: number | undefined, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !isAlive(pid);
}
