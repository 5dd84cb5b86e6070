/**
 * GitRepoStore: the RepoStore on local bare repositories at `<root>/<owner>/<slug>.git`. It owns the bounded pool
 * of long-lived git processes and the parsed-object caches every repository of this node shares.
 */
import { existsSync, mkdirSync, rmSync, rmdirSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LRUCache } from 'lru-cache';
import { WikiError } from '../errors.js';
import { errorCode, type TreeEntry } from './objects.js';
import { runGit } from './git-process.js';
import { GitRepo, checkRepoLayout, type RepoContext, type RepoProcessInfo } from './git-repo.js';
import { ProcessPool } from './process-pool.js';
import type { BlameLine, CommitInfo, Repo, RepoStore } from './repo-store.js';

export interface GitRepoStoreOptions {
  /** Directory holding `<owner>/<slug>.git`. */
  root: string;
  /** Most long-lived `git cat-file` processes alive at once across all repositories. */
  maxProcesses?: number;
  /** A process unused this long is closed. */
  idleMs?: number;
  /** Memory for recently written and read page contents, shared by all repositories (default 32 MiB; 0: none). */
  blobCacheBytes?: number;
}

/** Settings every new repository gets. */
const REPO_CONFIG = `[receive]
\tdenyNonFastForwards = true
\tdenyDeletes = true
[core]
\tlogAllRefUpdates = false
`;

export class GitRepoStore implements RepoStore {
  readonly root: string;
  private readonly ctx: RepoContext;
  private readonly repos = new Map<string, GitRepo>();
  private closed = false;

  constructor(options: GitRepoStoreOptions) {
    this.root = resolve(options.root);
    const max = options.maxProcesses ?? 64;
    const idleMs = options.idleMs ?? 30_000;
    if (!Number.isInteger(max) || max < 1) throw new WikiError('INVALID_INPUT', 'maxProcesses must be at least 1');
    if (!(idleMs > 0)) throw new WikiError('INVALID_INPUT', 'idleMs must be positive');
    const blobCacheBytes = options.blobCacheBytes ?? 32 * 1024 * 1024;
    if (!Number.isInteger(blobCacheBytes) || blobCacheBytes < 0)
      throw new WikiError('INVALID_INPUT', 'blobCacheBytes must be a whole number');
    this.ctx = {
      pool: new ProcessPool(max, idleMs),
      // Bounded by entries held, not trees: one 500-file folder weighs as much as 500 small ones.
      trees: new LRUCache<string, TreeEntry[]>({ maxSize: 200_000, sizeCalculation: (v) => Math.max(1, v.length) }),
      commits: new LRUCache<string, CommitInfo>({ max: 20_000 }),
      sizes: new LRUCache<string, number>({ max: 200_000 }),
      blobs:
        blobCacheBytes > 0
          ? new LRUCache<string, Buffer>({ maxSize: blobCacheBytes, sizeCalculation: (b) => Math.max(1, b.length) })
          : null,
      // Blame at a commit never changes; bounded by lines held.
      blames: new LRUCache<string, BlameLine[]>({ maxSize: 500_000, sizeCalculation: (v) => Math.max(1, v.length) }),
    };
  }

  async create(owner: string, slug: string): Promise<Repo> {
    this.ensureOpen();
    const dir = this.repoDir(owner, slug);
    mkdirSync(join(this.root, owner), { recursive: true });
    try {
      // Creating the directory itself is the claim: two concurrent creates cannot both initialize it.
      mkdirSync(dir);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') {
        throw new WikiError('WIKI_EXISTS', `repository ${owner}/${slug} already exists`, { owner, slug });
      }
      throw error;
    }
    const result = await runGit(dir, ['init', '--bare', '--quiet', '-b', 'main']);
    if (result.code !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new WikiError('INTERNAL', `git init failed for ${dir}: ${result.stderr.trim()}`, { dir });
    }
    appendFileSync(join(dir, 'config'), REPO_CONFIG);
    return this.open(owner, slug);
  }

  open(owner: string, slug: string): Repo {
    return this.openGitRepo(owner, slug);
  }

  /** Like `open`, typed as the implementation (for diagnostics such as `processes()`). */
  openGitRepo(owner: string, slug: string): GitRepo {
    this.ensureOpen();
    const dir = this.repoDir(owner, slug);
    if (!existsSync(dir)) {
      throw new WikiError('WIKI_NOT_FOUND', `repository ${owner}/${slug} does not exist`, { owner, slug });
    }
    checkRepoLayout(dir);
    let repo = this.repos.get(dir);
    if (repo === undefined) {
      repo = new GitRepo(dir, this.ctx);
      this.repos.set(dir, repo);
    }
    repo.head();
    return repo;
  }

  exists(owner: string, slug: string): boolean {
    return existsSync(this.repoDir(owner, slug));
  }

  async delete(owner: string, slug: string): Promise<void> {
    this.ensureOpen();
    const dir = this.repoDir(owner, slug);
    if (!existsSync(dir)) {
      throw new WikiError('WIKI_NOT_FOUND', `repository ${owner}/${slug} does not exist`, { owner, slug });
    }
    const repo = this.repos.get(dir);
    this.repos.delete(dir);
    await repo?.shutdown(new WikiError('WIKI_NOT_FOUND', `repository ${owner}/${slug} was deleted`, { owner, slug }));
    rmSync(dir, { recursive: true, force: true });
    try {
      rmdirSync(join(this.root, owner));
    } catch {
      // the owner has other repositories
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const reason = new WikiError('INTERNAL', 'the repository store is closed');
    await Promise.all([...this.repos.values()].map((repo) => repo.shutdown(reason)));
    await this.ctx.pool.closeAll();
    this.repos.clear();
  }

  /** Every long-lived git process alive now (for metrics and tests). */
  processes(): RepoProcessInfo[] {
    return [...this.repos.values()].flatMap((repo) => repo.processes());
  }

  private repoDir(owner: string, slug: string): string {
    checkName(owner, 'owner');
    checkName(slug, 'wiki slug');
    return join(this.root, owner, `${slug}.git`);
  }

  private ensureOpen(): void {
    if (this.closed) throw new WikiError('INTERNAL', 'the repository store is closed');
  }
}

/** Names are validated above this layer; this is the last line against a name that would leave the root. */
function checkName(name: string, what: string): void {
  if (
    typeof name !== 'string' ||
    name === '' ||
    name.includes('/') ||
    name.includes('\\') ||
    name.includes('..') ||
    name.includes('\0') ||
    name.startsWith('.')
  ) {
    throw new WikiError('INVALID_INPUT', `invalid ${what} ${JSON.stringify(name)}`, { name });
  }
}
