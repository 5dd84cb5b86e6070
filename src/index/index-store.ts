/**
 * The index port: a derived, per-wiki view of the repository (pages, front matter, links, full text, commits) that
 * records the commit it reflects. It never holds anything that cannot be rebuilt from git.
 */

export interface IndexedCommit {
  oid: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  /** ISO 8601 UTC. */
  date: string;
  message: string;
}

/** One file change of one commit (file paths, `.md` included). */
export interface IndexedChange {
  commit: string;
  status: 'A' | 'M' | 'D' | 'R';
  path: string;
  oldPath: string | null;
}

export interface IndexedLink {
  /** Page path the link points to, stored spelling as written but with spaces as `_` (`Actors/Iran_Regime`). */
  target: string;
  /** Case-insensitive key of the target (see domain `pageKey`). */
  targetKey: string;
  anchor: string | null;
  kind: 'wikilink' | 'markdown';
}

/** Everything the index keeps about the current version of a page. */
export interface PageInput {
  /** Page path, stored spelling (`Actors/Iran_Regime`). */
  path: string;
  /** Case-insensitive key (`actors/iran_regime`). */
  key: string;
  title: string;
  category: string | null;
  tags: string[];
  frontmatter: Record<string, unknown>;
  /** `last_updated` from front matter, as written (ISO date), or null. */
  lastUpdated: string | null;
  archived: boolean;
  wordCount: number;
  blob: string;
  /** Markdown body without front matter: what full-text search reads. */
  body: string;
  links: IndexedLink[];
  /** The commit that last changed this page. */
  lastCommit: string;
}

export interface PageRow {
  path: string;
  key: string;
  title: string;
  category: string | null;
  tags: string[];
  frontmatter: Record<string, unknown>;
  lastUpdated: string | null;
  archived: boolean;
  wordCount: number;
  blob: string;
  lastCommit: IndexedCommit;
}

export interface PageFilter {
  /** Path prefix, case-insensitive (`Actors/`). */
  prefix?: string;
  category?: string;
  tag?: string;
  /** Only pages whose last change is at or after this ISO date. */
  updatedSince?: string;
  limit?: number;
  offset?: number;
}

export interface SearchQuery extends Omit<PageFilter, 'updatedSince' | 'offset'> {
  /** User syntax: words (all must match), "quoted phrases", prefix terms ending in `*`. */
  query: string;
  offset?: number;
}

export interface SearchHit {
  path: string;
  title: string;
  category: string | null;
  tags: string[];
  /** Higher is better. */
  score: number;
  /** HTML-escaped text around the best match, matches wrapped in `<mark>…</mark>`. */
  snippet: string;
}

/** A page's searchable text, for searches FTS5 cannot answer (exact case, regular expressions). */
export interface PageText {
  path: string;
  title: string;
  category: string | null;
  tags: string[];
  /** Markdown body without front matter, as indexed. */
  body: string;
}

export interface LinkRow {
  source: string;
  target: string;
  anchor: string | null;
  kind: 'wikilink' | 'markdown';
  /** Stored spelling of the target page when it exists, else null (a broken link). */
  resolved: string | null;
}

export interface HistoryEntry extends IndexedCommit {
  /** The page's path at that commit (differs from today's after a rename). */
  path: string;
  status: 'A' | 'M' | 'D' | 'R';
  oldPath: string | null;
}

export interface ChangeSet extends IndexedCommit {
  changes: Omit<IndexedChange, 'commit'>[];
}

/** What one catch-up writes, in one transaction. */
export interface IndexBatch {
  /** The commit the index reflects afterwards. */
  head: string;
  commits: IndexedCommit[];
  changes: IndexedChange[];
  upserts: PageInput[];
  /** Page paths that no longer exist. */
  deletes: string[];
}

/** The index of one wiki. Every query is confined to that wiki. */
export interface WikiIndex {
  /** The commit the index reflects, or null when it is empty. */
  indexedCommit(): string | null;
  apply(batch: IndexBatch): void;
  /** Forget everything (before a full rebuild). */
  reset(): void;
  getPage(path: string): PageRow | null;
  /** Pages whose key equals `key` (case-insensitive lookup; more than one means the spelling is ambiguous). */
  findByKey(key: string): PageRow[];
  listPages(filter?: PageFilter): PageRow[];
  countPages(filter?: Omit<PageFilter, 'limit' | 'offset'>): number;
  search(query: SearchQuery): SearchHit[];
  /** Every page under the filter with its title and body, by path (what a scanning search reads). */
  pageTexts(filter?: Omit<PageFilter, 'limit' | 'offset' | 'updatedSince'>): PageText[];
  linksFrom(path: string): LinkRow[];
  /** Links pointing at this page (by key, so any spelling counts). */
  linksTo(path: string): LinkRow[];
  allLinks(): LinkRow[];
  /** Pages nobody links to, but the wiki's home page (`Home` unless given). */
  orphans(home?: string): PageRow[];
  brokenLinks(): LinkRow[];
  /** Pages whose `last_updated` (or, without one, last change) is before `before` (ISO date). */
  stale(before: string): PageRow[];
  /** Commits that changed the page, newest first, following renames back through its earlier paths. */
  history(path: string, options?: { limit?: number; offset?: number }): HistoryEntry[];
  /** The same for any file (an attachment): `path`/`oldPath` are file paths as stored, `.md` stripped. */
  fileHistory(file: string, options?: { limit?: number; offset?: number }): HistoryEntry[];
  recentChanges(options?: { limit?: number; offset?: number; since?: string }): ChangeSet[];
  /** Full ids of indexed commits starting with `prefix`. */
  resolveCommit(prefix: string): string[];
  getCommit(oid: string): IndexedCommit | null;
  close(): void;
}

/** The indexes of every wiki on this node, one SQLite file each at `<root>/<owner>/<slug>.sqlite`. */
export interface IndexStore {
  open(owner: string, slug: string): WikiIndex;
  delete(owner: string, slug: string): void;
  close(): void;
}
