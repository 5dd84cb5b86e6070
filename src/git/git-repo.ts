/**
 * One bare wiki repository behind the Repo port. Reads go through the repository's pooled `git cat-file` process;
 * commits write loose objects in-process and move `main` with a compare-and-swap under git's ref lock (ref-lock.ts);
 * history and blame spawn one git command each.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LRUCache } from 'lru-cache';
import { WikiError } from '../errors.js';
import { CatFileProcess, type ObjectInfo } from './cat-file.js';
import { corrupt, runGit } from './git-process.js';
import {
  GITLINK_MODE,
  checkSignature,
  compareTreeEntries,
  errorCode,
  formatIdent,
  isOid,
  isTreeMode,
  parseCommit,
  parseTree,
  serializeCommit,
  serializeTree,
  splitTreePath,
  writeLooseObject,
  type TreeEntry,
} from './objects.js';
import { LOG_FORMAT, parseBlamePorcelain, parseRawLog } from './output-parsers.js';
import type { ProcessPool } from './process-pool.js';
import { compareAndSwapRef } from './ref-lock.js';
import {
  RefConflictError,
  type BlameLine,
  type CommitInfo,
  type CommitRequest,
  type FileEntry,
  type LogEntry,
  type Repo,
} from './repo-store.js';
import { SpareFiles } from './spare-files.js';
import { applyTreeEdits } from './tree-edit.js';

/**
 * What all repositories of one store share. Cache keys are `<repo instance>\0<oid>`: no repository sees another's
 * objects, not even a deleted one's that was recreated at the same path.
 */
export interface RepoContext {
  pool: ProcessPool;
  trees: LRUCache<string, TreeEntry[]>;
  commits: LRUCache<string, CommitInfo>;
  sizes: LRUCache<string, number>;
  /** Page-sized blob contents: the pages being written are read again by the next write and view. */
  blobs: LRUCache<string, Buffer> | null;
  blames: LRUCache<string, BlameLine[]>;
}

export interface RepoProcessInfo {
  dir: string;
  kind: 'cat-file';
  pid: number | undefined;
}

const MAIN = 'refs/heads/main';
/** Blobs larger than this are not cached (pages are a few KB; attachments can be megabytes). */
const MAX_CACHED_BLOB = 256 * 1024;
const REV_RE = /^[0-9a-f]{4,40}$/;

const indexes = new WeakMap<TreeEntry[], Map<string, TreeEntry>>();

/** A cached tree's entries by name, built once per cached tree. */
function byName(entries: TreeEntry[]): Map<string, TreeEntry> {
  let index = indexes.get(entries);
  if (index === undefined) {
    index = new Map(entries.map((e) => [e.name, e]));
    indexes.set(entries, index);
  }
  return index;
}

/** Throws REPOSITORY_CORRUPT unless `dir` has the files git needs to treat it as a repository. */
export function checkRepoLayout(dir: string): void {
  let head: string;
  try {
    head = readFileSync(join(dir, 'HEAD'), 'utf8');
  } catch (error) {
    throw corrupt(dir, `HEAD is unreadable (${errorCode(error) ?? String(error)})`);
  }
  if (!/^(ref: refs\/\S+|[0-9a-f]{40})\n?$/.test(head)) throw corrupt(dir, 'HEAD is not a valid reference');
  for (const sub of ['objects', 'refs']) {
    let isDir = false;
    try {
      isDir = statSync(join(dir, sub)).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw corrupt(dir, `${sub} directory is missing`);
  }
}

let instances = 0;

/** How many commits between two `git gc --auto` checks. */
const GC_EVERY = 256;

export class GitRepo implements Repo {
  private readonly cacheKey = `${++instances}`;
  private catFile: CatFileProcess | null = null;
  private casChain: Promise<void> = Promise.resolve();
  private closedBecause: WikiError | null = null;
  /** Commits written since the last housekeeping, and the housekeeping under way. */
  private commitsSinceGc = 0;
  private housekeeping: Promise<unknown> | null = null;
  private readonly spares: SpareFiles;
  private readonly takeSpare = (): string | null => this.spares.take();

  constructor(
    readonly dir: string,
    private readonly ctx: RepoContext,
  ) {
    this.spares = new SpareFiles(join(dir, 'objects'));
  }

  head(): string | null {
    return this.readMain();
  }

  /** main as the files say; the compare-and-swap reads it here, under the ref's lock. */
  private readMain(): string | null {
    const loose = this.readRefFile(join(this.dir, 'refs', 'heads', 'main'));
    if (loose !== null) {
      const oid = loose.trim();
      if (!isOid(oid)) throw corrupt(this.dir, `${MAIN} holds ${JSON.stringify(oid.slice(0, 60))}`);
      return oid;
    }
    const packed = this.readRefFile(join(this.dir, 'packed-refs'));
    if (packed === null) return null;
    for (const line of packed.split('\n')) {
      if (line.endsWith(` ${MAIN}`)) {
        const oid = line.slice(0, -MAIN.length - 1);
        if (!isOid(oid)) throw corrupt(this.dir, `packed-refs has a bad line for ${MAIN}`);
        return oid;
      }
    }
    return null;
  }

  async resolveCommit(rev: string): Promise<string | null> {
    if (typeof rev !== 'string' || !REV_RE.test(rev.toLowerCase())) return null;
    // `^{commit}` makes git consider only commits when a short prefix is shared with blobs or trees.
    const info = await this.cat().info(`${rev.toLowerCase()}^{commit}`);
    return info?.type === 'commit' ? info.oid : null;
  }

  async readCommit(oid: string): Promise<CommitInfo> {
    const key = this.key(oid);
    const cached = this.ctx.commits.get(key);
    if (cached !== undefined) return cached;
    if (typeof oid !== 'string' || !isOid(oid)) throw this.noRevision(oid);
    const object = await this.cat().contents(oid);
    if (object === null) throw this.missingCommit(oid);
    if (object.type !== 'commit') throw this.noRevision(oid);
    let info: CommitInfo;
    try {
      info = parseCommit(oid, object.content);
    } catch (error) {
      throw corrupt(this.dir, String(error), { oid });
    }
    this.ctx.commits.set(key, info);
    return info;
  }

  async readBlob(oid: string): Promise<Buffer> {
    if (typeof oid !== 'string' || !isOid(oid)) throw this.noRevision(oid);
    // Blob ids come from trees, commits or the index, never from callers: a missing one means damage.
    return this.blobContent(oid, () => corrupt(this.dir, `blob ${oid} is missing or damaged`, { oid }));
  }

  async readFile(commit: string, path: string): Promise<{ oid: string; content: Buffer } | null> {
    const segments = splitTreePath(path);
    // Resolving the path through cached trees leaves one cat-file round trip for a warm read, and none for a miss.
    const entry = await this.findEntry((await this.readCommit(commit)).tree, segments);
    if (entry === null || isTreeMode(entry.mode) || entry.mode === GITLINK_MODE) return null;
    // git also answers "missing" for an object it cannot inflate.
    const content = await this.blobContent(entry.oid, () =>
      corrupt(this.dir, `object ${entry.oid} (${path}) is missing or damaged`, { oid: entry.oid, path }),
    );
    return { oid: entry.oid, content };
  }

  /** A blob's content from memory, else from git (then kept if page-sized); `damaged` is thrown when git has none. */
  private async blobContent(oid: string, damaged: () => WikiError): Promise<Buffer> {
    const cached = this.ctx.blobs?.get(this.key(oid));
    if (cached !== undefined) return cached;
    const object = await this.cat().contents(oid);
    if (object === null || object.type !== 'blob') throw damaged();
    this.remember(oid, object.content);
    return object.content;
  }

  /** Keeps a page-sized blob's content (attachments are read rarely and may be large). */
  private remember(oid: string, content: Buffer): void {
    if (content.length <= MAX_CACHED_BLOB) this.ctx.blobs?.set(this.key(oid), content);
  }

  /** The tree entry at `segments` below `tree`, or null. */
  private async findEntry(tree: string, segments: string[]): Promise<TreeEntry | null> {
    let oid = tree;
    for (let i = 0; i < segments.length; i++) {
      const entry = byName(await this.loadTree(oid)).get(segments[i]!);
      if (entry === undefined) return null;
      if (i === segments.length - 1) return entry;
      if (!isTreeMode(entry.mode)) return null;
      oid = entry.oid;
    }
    return null;
  }

  async listFiles(commit: string, dir = '', options: { recursive?: boolean } = {}): Promise<FileEntry[]> {
    const recursive = options.recursive ?? true;
    let tree = (await this.readCommit(commit)).tree;
    let prefix = '';
    if (dir !== '') {
      const entry = await this.findEntry(tree, splitTreePath(dir));
      if (entry === null || !isTreeMode(entry.mode)) return [];
      tree = entry.oid;
      prefix = `${dir}/`;
    }
    const collect = async (oid: string, base: string): Promise<Omit<FileEntry, 'size'>[]> => {
      const entries = await this.loadTree(oid);
      const parts = await Promise.all(
        entries.map(async (entry) => {
          if (isTreeMode(entry.mode)) return recursive ? collect(entry.oid, `${base}${entry.name}/`) : [];
          if (entry.mode === GITLINK_MODE) return [];
          return [{ path: base + entry.name, oid: entry.oid, mode: entry.mode }];
        }),
      );
      return parts.flat();
    };
    const files = await collect(tree, prefix);
    const sizes = await Promise.all(files.map((file) => this.blobSize(file.oid)));
    return files.map((file, i) => ({ ...file, size: sizes[i]! }));
  }

  async commit(request: CommitRequest): Promise<LogEntry> {
    this.ensureOpen();
    const { parent, edits, message } = request;
    checkSignature(request.author, 'author');
    const committer = request.committer ?? request.author;
    checkSignature(committer, 'committer');
    if (parent !== null && (typeof parent !== 'string' || !isOid(parent))) throw this.noRevision(String(parent));
    if (typeof message !== 'string' || message.includes('\0')) {
      throw new WikiError('INVALID_INPUT', 'a commit message must be text without NUL characters');
    }
    if (!Array.isArray(edits)) throw new WikiError('INVALID_INPUT', 'edits must be a list');
    // Cheap early refusal; the compare-and-swap below is what actually guarantees it.
    const current = this.head();
    if (current !== parent) throw new RefConflictError(parent, current);

    const baseTree = parent === null ? null : (await this.readCommit(parent)).tree;
    const { tree, changes } = await applyTreeEdits(
      {
        loadTree: (oid) => this.loadTree(oid),
        writeBlob: (content) => {
          const oid = writeLooseObject(this.dir, 'blob', content, this.takeSpare);
          this.remember(oid, content);
          return oid;
        },
        writeTree: (entries) => {
          // Cached right away: the next write re-reads exactly these trees.
          const sorted = [...entries].sort(compareTreeEntries);
          const oid = writeLooseObject(this.dir, 'tree', serializeTree(sorted), this.takeSpare);
          this.ctx.trees.set(this.key(oid), sorted);
          return oid;
        },
      },
      baseTree,
      edits,
    );
    const now = Date.now();
    const authorSeconds = Math.floor((request.author.date?.getTime() ?? now) / 1000);
    const committerSeconds = Math.floor((committer.date?.getTime() ?? now) / 1000);
    // Trailing blank lines are dropped and one newline ends the message, as `git commit` stores it.
    const stored = `${message.replace(/\n+$/, '')}\n`;
    const parents = parent === null ? [] : [parent];
    const oid = writeLooseObject(
      this.dir,
      'commit',
      serializeCommit({
        tree,
        parents,
        author: formatIdent(request.author, authorSeconds),
        committer: formatIdent(committer, committerSeconds),
        message: stored,
      }),
      this.takeSpare,
    );
    await this.moveMain(oid, parent);
    const info: CommitInfo = {
      oid,
      tree,
      parents,
      authorName: request.author.name,
      authorEmail: request.author.email,
      date: new Date(authorSeconds * 1000).toISOString(),
      message: stored.slice(0, -1),
    };
    this.ctx.commits.set(this.key(oid), info);
    this.maybeHousekeep();
    return { ...info, changes };
  }

  /**
   * Every write leaves a few loose objects; every GC_EVERY commits, `git gc --auto` packs them in the background once
   * git's own threshold is passed (it exits at once below it). Loose objects younger than two weeks are never pruned,
   * so this is safe while writes go on.
   */
  private maybeHousekeep(): void {
    if (++this.commitsSinceGc < GC_EVERY || this.housekeeping !== null) return;
    this.commitsSinceGc = 0;
    this.housekeeping = runGit(this.dir, ['-c', 'gc.autoDetach=false', 'gc', '--auto', '--quiet']).finally(() => {
      this.housekeeping = null;
    });
  }

  async log(from: string | null, to: string): Promise<LogEntry[]> {
    await this.readCommit(to);
    if (from !== null) await this.readCommit(from);
    const args = ['-c', 'log.showSignature=false', 'log', '--reverse', '--raw', '-z', '-M', '--no-abbrev', '-m'];
    args.push('--first-parent', '--root', '--no-color', `--format=${LOG_FORMAT}`, to);
    if (from !== null) args.push(`^${from}`);
    args.push('--');
    const result = await this.git(args);
    try {
      return parseRawLog(result.stdout);
    } catch (error) {
      throw corrupt(this.dir, `unreadable git log output: ${String(error)}`);
    }
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    await this.readCommit(ancestor);
    await this.readCommit(descendant);
    const result = await this.git(['merge-base', '--is-ancestor', ancestor, descendant], [0, 1]);
    return result.code === 0;
  }

  async blame(commit: string, path: string): Promise<BlameLine[]> {
    splitTreePath(path);
    await this.readCommit(commit);
    const info: ObjectInfo | null = await this.cat().info(`${commit}:${path}`);
    if (info?.type !== 'blob') {
      throw new WikiError('PAGE_NOT_FOUND', `no file ${path} at ${commit}`, { path, commit });
    }
    const key = this.key(`${commit}:${path}`);
    const cached = this.ctx.blames.get(key);
    if (cached) return cached;
    const result = await this.git(['blame', '--porcelain', commit, '--', path]);
    const lines = parseBlamePorcelain(result.stdout.toString('utf8'));
    this.ctx.blames.set(key, lines);
    return lines;
  }

  /** The long-lived processes this repository has now. */
  processes(): RepoProcessInfo[] {
    const out: RepoProcessInfo[] = [];
    if (this.catFile?.alive) out.push({ dir: this.dir, kind: 'cat-file', pid: this.catFile.pid });
    return out;
  }

  /** Ends this repository's processes; later calls fail with `reason`. */
  async shutdown(reason: WikiError): Promise<void> {
    this.closedBecause = reason;
    const cat = this.catFile;
    const waits: Promise<void>[] = [];
    if (cat !== null) {
      this.ctx.pool.remove(cat);
      waits.push(cat.close());
    }
    if (this.housekeeping !== null) waits.push(this.housekeeping.then(() => undefined));
    waits.push(this.spares.close());
    await Promise.all(waits);
  }

  private ensureOpen(): void {
    if (this.closedBecause !== null) throw this.closedBecause;
  }

  private cat(): CatFileProcess {
    this.ensureOpen();
    let cat = this.catFile;
    if (cat === null || !cat.alive) {
      cat = new CatFileProcess(this.dir, (ended) => {
        this.ctx.pool.remove(ended);
        if (this.catFile === ended) this.catFile = null;
      });
      this.catFile = cat;
      this.ctx.pool.add(cat);
    } else {
      this.ctx.pool.touch(cat);
    }
    return cat;
  }

  /** Compare-and-swap of main, one at a time per repository (they all target the same ref anyway). */
  private moveMain(newOid: string, parent: string | null): Promise<void> {
    const swap = () =>
      compareAndSwapRef({
        gitDir: this.dir,
        ref: MAIN,
        newOid,
        expected: parent,
        current: () => this.readMain(),
        spare: this.takeSpare,
      });
    const run = this.casChain.then(swap);
    this.casChain = run.catch(() => undefined);
    return run;
  }

  private async loadTree(oid: string): Promise<TreeEntry[]> {
    const key = this.key(oid);
    const cached = this.ctx.trees.get(key);
    if (cached !== undefined) return cached;
    const object = await this.cat().contents(oid);
    if (object === null) throw corrupt(this.dir, `tree ${oid} is missing`, { oid });
    if (object.type !== 'tree') throw corrupt(this.dir, `${oid} is a ${object.type}, expected a tree`, { oid });
    let entries: TreeEntry[];
    try {
      entries = parseTree(object.content);
    } catch (error) {
      throw corrupt(this.dir, `tree ${oid}: ${String(error)}`, { oid });
    }
    this.ctx.trees.set(key, entries);
    return entries;
  }

  private async blobSize(oid: string): Promise<number> {
    const key = this.key(oid);
    const cached = this.ctx.sizes.get(key);
    if (cached !== undefined) return cached;
    const info = await this.cat().info(oid);
    if (info === null) throw corrupt(this.dir, `object ${oid} is missing`, { oid });
    this.ctx.sizes.set(key, info.size);
    return info.size;
  }

  private async git(args: string[], okCodes: number[] = [0]) {
    this.ensureOpen();
    const result = await runGit(this.dir, args);
    if (result.code === null || !okCodes.includes(result.code)) {
      throw corrupt(this.dir, result.stderr.trim() || `git ${args[0] ?? ''} failed`, { stderr: result.stderr });
    }
    return result;
  }

  private key(oid: string): string {
    return `${this.cacheKey}\0${oid}`;
  }

  private noRevision(rev: string): WikiError {
    return new WikiError('REVISION_NOT_FOUND', `no commit ${String(rev)} in this repository`, { rev });
  }

  /** A commit git says is missing: the caller's mistake, unless it is main's own commit or the layout is broken. */
  private missingCommit(oid: string): WikiError {
    checkRepoLayout(this.dir);
    if (this.head() === oid) return corrupt(this.dir, `the commit of ${MAIN} (${oid}) is missing`, { oid });
    return this.noRevision(oid);
  }

  private readRefFile(file: string): string | null {
    try {
      return readFileSync(file, 'latin1');
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') return null;
      throw corrupt(this.dir, `cannot read ${file}: ${code ?? String(error)}`);
    }
  }
}
