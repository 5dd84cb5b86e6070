/**
 * The repository port: every wiki is a bare git repository with one branch, `main`. Use cases read files at a commit
 * and write commits that end in a compare-and-swap of `refs/heads/main`; nothing above this port knows git's layout.
 */

export interface Signature {
  name: string;
  email: string;
  /** Defaults to now. */
  date?: Date;
}

/** One commit as read back from the repository. */
export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  /** Author date, ISO 8601 in UTC (`2026-11-27T06:50:21.000Z`). */
  date: string;
  /** Full message, trailing newline removed. */
  message: string;
}

/** How one file changed in a commit, relative to its first parent. Paths are file paths (`Actors/Iran.md`). */
export interface FileChange {
  status: 'A' | 'M' | 'D' | 'R';
  path: string;
  /** Set for `R`: the path before the rename. */
  oldPath?: string;
  /** Blob before (absent for `A`). */
  oldOid?: string;
  /** Blob after (absent for `D`). */
  newOid?: string;
}

export interface LogEntry extends CommitInfo {
  changes: FileChange[];
}

/** A change to the tree of the parent commit. Directories are created and pruned as needed. */
export type TreeEdit =
  /** Write a file (create or replace). */
  | { path: string; content: string | Buffer }
  /** Move a file, optionally with new content; reported as `R` in the resulting changes. */
  | { path: string; from: string; content?: string | Buffer }
  /** Remove a file. */
  | { path: string; delete: true };

export interface CommitRequest {
  /** The head the edits apply to, and the expected current value of `main` (null: the repository is empty). */
  parent: string | null;
  edits: TreeEdit[];
  message: string;
  author: Signature;
  /** Defaults to the author. */
  committer?: Signature;
}

export interface FileEntry {
  /** File path relative to the repository root (`Actors/Iran.md`). */
  path: string;
  oid: string;
  mode: string;
  size: number;
}

export interface BlameLine {
  /** 1-based line number in the file at the blamed commit. */
  line: number;
  content: string;
  commit: string;
  authorName: string;
  authorEmail: string;
  date: string;
  summary: string;
}

/** Thrown by `Repo.commit` when `main` moved away from `parent` (another writer won the compare-and-swap). */
export class RefConflictError extends Error {
  override readonly name = 'RefConflictError';
  constructor(
    readonly expected: string | null,
    readonly actual: string | null,
  ) {
    super(`refs/heads/main moved: expected ${expected ?? '(none)'}, found ${actual ?? '(none)'}`);
  }
}

/** One open wiki repository. Reads go through a pooled long-lived `git cat-file` process. */
export interface Repo {
  readonly dir: string;
  /** Current commit of `main` (read from the ref files, no process spawned), or null when the repository is empty. */
  head(): string | null;
  /** Full commit id for a commit id or unique prefix (4+ hex); null when there is no such commit. */
  resolveCommit(rev: string): Promise<string | null>;
  readCommit(oid: string): Promise<CommitInfo>;
  /** A blob named by a tree, commit or the index; a missing one is REPOSITORY_CORRUPT. */
  readBlob(oid: string): Promise<Buffer>;
  /** The file at `path` in `commit`, or null when it does not exist there (or is a directory). */
  readFile(commit: string, path: string): Promise<{ oid: string; content: Buffer } | null>;
  /** Files (not directories) under `dir` ('' = root) in `commit`; recursive unless `recursive: false`. */
  listFiles(commit: string, dir?: string, options?: { recursive?: boolean }): Promise<FileEntry[]>;
  /** Write objects and move `main` from `parent` to the new commit atomically; throws RefConflictError if it moved. */
  commit(request: CommitRequest): Promise<LogEntry>;
  /** Commits reachable from `to` and not from `from` (all when from is null), oldest first, with renames detected. */
  log(from: string | null, to: string): Promise<LogEntry[]>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  blame(commit: string, path: string): Promise<BlameLine[]>;
}

/** All repositories of one node, at `<root>/<owner>/<slug>.git`. */
export interface RepoStore {
  /** Create an empty bare repository (branch `main`); fails if it exists. */
  create(owner: string, slug: string): Promise<Repo>;
  /** Open an existing repository; throws WikiError REPOSITORY_CORRUPT if it is not a usable git repository. */
  open(owner: string, slug: string): Repo;
  exists(owner: string, slug: string): boolean;
  delete(owner: string, slug: string): Promise<void>;
  /** Stop every git process. */
  close(): Promise<void>;
}
