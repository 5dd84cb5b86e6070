/**
 * One wiki's index in one SQLite file (better-sqlite3, WAL). `SqliteWikiIndex` is the handle callers keep; the
 * connection behind it can be closed by the store's LRU and is reopened on the next call. A file that is not a usable
 * index (older schema, garbage, missing) is recreated empty: everything here can be rebuilt from git.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { WikiError } from '../errors.js';
import { MARK_CLOSE, MARK_OPEN, snippetToHtml, stripMarkers, toFtsQuery } from './fts-query.js';
import type {
  ChangeSet,
  HistoryEntry,
  IndexBatch,
  IndexedChange,
  IndexedCommit,
  LinkRow,
  PageFilter,
  PageInput,
  PageRow,
  PageText,
  SearchHit,
  SearchQuery,
  WikiIndex,
} from './index-store.js';
import { RANK_FUNCTION, RANK_SQL, SCHEMA_SQL, SCHEMA_VERSION } from './sqlite-schema.js';

type Db = Database.Database;
type Stmt<R = unknown> = Database.Statement<unknown[], R>;

/** What a handle needs from the store that owns it. */
export interface WikiIndexHost {
  /** Called before every use: marks the handle most recently used and closes others beyond the limit. */
  touch(index: SqliteWikiIndex): void;
  /** Called when the handle closes its connection itself. */
  released(index: SqliteWikiIndex): void;
}

const SEARCH_LIMIT = { default: 20, max: 100 };
const HISTORY_LIMIT = { default: 50, max: 500 };
const RECENT_LIMIT = { default: 50, max: 500 };
const SNIPPET_TOKENS = 24;

interface CommitDbRow {
  seq: number;
  oid: string;
  parents: string;
  author_name: string;
  author_email: string;
  date: string;
  message: string;
}

interface PageDbRow {
  path: string;
  key: string;
  title: string;
  category: string | null;
  tags: string;
  frontmatter: string;
  last_updated: string | null;
  archived: number;
  word_count: number;
  blob: string;
  last_commit: string;
  c_parents: string | null;
  c_author_name: string | null;
  c_author_email: string | null;
  c_date: string | null;
  c_message: string | null;
}

interface LinkDbRow {
  source: string;
  target: string;
  anchor: string | null;
  kind: 'wikilink' | 'markdown';
  resolved: string | null;
}

interface HistoryDbRow extends CommitDbRow {
  status: IndexedChange['status'];
  change_path: string;
  old_path: string | null;
}

interface ChangeDbRow {
  commit_seq: number;
  status: IndexedChange['status'];
  path: string;
  old_path: string | null;
}

interface SearchDbRow {
  id: number;
  path: string;
  title: string;
  category: string | null;
  tags: string;
  relevance: number;
  /** Present when the ranking query computed it. */
  snippet?: string | null;
}

const PAGE_COLUMNS = `p.path, p.key, p.title, p.category, p.tags, p.frontmatter, p.last_updated, p.archived,
  p.word_count, p.blob, p.last_commit, c.parents AS c_parents, c.author_name AS c_author_name,
  c.author_email AS c_author_email, c.date AS c_date, c.message AS c_message`;
const PAGE_FROM = `pages p LEFT JOIN commits c ON c.oid = p.last_commit`;
const COMMIT_COLUMNS = `c.seq, c.oid, c.parents, c.author_name, c.author_email, c.date, c.message`;
// When several pages share the key (ambiguous spelling), prefer the exact spelling, then the first by path.
const RESOLVED = `(SELECT r.path FROM pages r WHERE r.key = l.target_key ORDER BY r.path = l.target DESC, r.path
  LIMIT 1) AS resolved`;
const SNIPPET_SQL = `snippet(pages_fts, 2, '${MARK_OPEN}', '${MARK_CLOSE}', '…', ${SNIPPET_TOKENS})`;
const LINK_SELECT = `SELECT s.path AS source, l.target, l.anchor, l.kind, ${RESOLVED}
  FROM links l JOIN pages s ON s.id = l.source_id`;

/** An open database and the statements prepared on it once. */
class Connection {
  private readonly dynamic = new Map<string, Stmt>();
  readonly s;
  readonly applyTx: (batch: IndexBatch) => void;
  readonly resetTx: () => void;

  constructor(readonly db: Db) {
    const p = <R>(sql: string): Stmt<R> => db.prepare<unknown[], R>(sql);
    this.s = {
      getMeta: p<string>(`SELECT value FROM meta WHERE key = ?`).pluck(),
      setMeta: p(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      maxSeq: p<number>(`SELECT coalesce(max(seq), 0) FROM commits`).pluck(),
      commitSeq: p<number>(`SELECT seq FROM commits WHERE oid = ?`).pluck(),
      insertCommit: p(`INSERT INTO commits (seq, oid, parents, author_name, author_email, date, date_ms, message)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      insertChange: p(`INSERT OR REPLACE INTO changes (commit_seq, status, path, old_path) VALUES (?, ?, ?, ?)`),
      pageId: p<number>(`SELECT id FROM pages WHERE path = ?`).pluck(),
      pageKey: p<string>(`SELECT key FROM pages WHERE path = ?`).pluck(),
      insertPage: p(`INSERT INTO pages (path, path_lower, key, title, category, tags, frontmatter, last_updated,
        last_updated_ms, archived, word_count, blob, last_commit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      updatePage: p(`UPDATE pages SET path = ?, path_lower = ?, key = ?, title = ?, category = ?, tags = ?,
        frontmatter = ?, last_updated = ?, last_updated_ms = ?, archived = ?, word_count = ?, blob = ?,
        last_commit = ? WHERE id = ?`),
      deletePage: p(`DELETE FROM pages WHERE id = ?`),
      insertTag: p(`INSERT OR IGNORE INTO page_tags (page_id, tag) VALUES (?, ?)`),
      deleteTags: p(`DELETE FROM page_tags WHERE page_id = ?`),
      insertLink: p(`INSERT INTO links (source_id, target, target_key, anchor, kind) VALUES (?, ?, ?, ?, ?)`),
      deleteLinks: p(`DELETE FROM links WHERE source_id = ?`),
      insertFts: p(`INSERT INTO pages_fts (rowid, title, path, body) VALUES (?, ?, ?, ?)`),
      deleteFts: p(`DELETE FROM pages_fts WHERE rowid = ?`),
      getPage: p<PageDbRow>(`SELECT ${PAGE_COLUMNS} FROM ${PAGE_FROM} WHERE p.path = ?`),
      findByKey: p<PageDbRow>(`SELECT ${PAGE_COLUMNS} FROM ${PAGE_FROM} WHERE p.key = ? ORDER BY p.path`),
      snippet: p<string>(`SELECT ${SNIPPET_SQL} FROM pages_fts WHERE pages_fts MATCH ? AND rowid = ?`).pluck(),
      linksFrom: p<LinkDbRow>(`${LINK_SELECT} WHERE s.path = ? ORDER BY l.id`),
      linksTo: p<LinkDbRow>(`${LINK_SELECT} WHERE l.target_key = ? ORDER BY s.path, l.id`),
      allLinks: p<LinkDbRow>(`${LINK_SELECT} ORDER BY s.path, l.id`),
      brokenLinks: p<LinkDbRow>(`SELECT s.path AS source, l.target, l.anchor, l.kind, NULL AS resolved
        FROM links l JOIN pages s ON s.id = l.source_id
        WHERE l.target_key NOT IN (SELECT key FROM pages) ORDER BY s.path, l.id`),
      orphans: p<PageDbRow>(`SELECT ${PAGE_COLUMNS} FROM ${PAGE_FROM} WHERE p.key <> ?
        AND NOT EXISTS (SELECT 1 FROM links l WHERE l.target_key = p.key AND l.source_id <> p.id) ORDER BY p.path`),
      stale: p<PageDbRow>(`SELECT ${PAGE_COLUMNS} FROM ${PAGE_FROM}
        WHERE coalesce(p.last_updated_ms, c.date_ms) < ? ORDER BY coalesce(p.last_updated_ms, c.date_ms), p.path`),
      history: p<HistoryDbRow>(`SELECT ${COMMIT_COLUMNS}, ch.status, ch.path AS change_path, ch.old_path
        FROM changes ch JOIN commits c ON c.seq = ch.commit_seq
        WHERE ch.path = ? AND ch.commit_seq < ? ORDER BY ch.commit_seq DESC LIMIT ?`),
      recent: p<CommitDbRow>(`SELECT ${COMMIT_COLUMNS} FROM commits c ORDER BY c.seq DESC LIMIT ? OFFSET ?`),
      recentSince: p<CommitDbRow>(`SELECT ${COMMIT_COLUMNS} FROM commits c WHERE c.date_ms >= ?
        ORDER BY c.seq DESC LIMIT ? OFFSET ?`),
      changesBetween: p<ChangeDbRow>(`SELECT commit_seq, status, path, old_path FROM changes
        WHERE commit_seq BETWEEN ? AND ? ORDER BY commit_seq, id`),
      resolveCommit: p<string>(`SELECT oid FROM commits WHERE oid >= ? AND oid < ? ORDER BY oid`).pluck(),
      getCommit: p<CommitDbRow>(`SELECT ${COMMIT_COLUMNS} FROM commits c WHERE c.oid = ?`),
    };
    // IMMEDIATE: take the write lock up front (waiting up to the busy timeout) rather than failing on upgrade when
    // another process wrote in between.
    const apply = db.transaction((batch: IndexBatch) => applyBatch(this, batch));
    this.applyTx = (batch) => apply.immediate(batch);
    const reset = db.transaction(() => {
      db.exec(`DELETE FROM meta; DELETE FROM commits; DELETE FROM changes; DELETE FROM pages;
        DELETE FROM page_tags; DELETE FROM links; DELETE FROM pages_fts;`);
    });
    this.resetTx = () => reset.immediate();
  }

  /** A statement whose SQL depends on which filters are set, prepared once per distinct shape. */
  stmt<R>(sql: string): Stmt<R> {
    let s = this.dynamic.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.dynamic.set(sql, s);
    }
    return s as Stmt<R>;
  }

  close(): void {
    this.dynamic.clear();
    this.db.close();
  }
}

/** The handle of one wiki's index. Create it through `SqliteIndexStore.open`. */
export class SqliteWikiIndex implements WikiIndex {
  private conn: Connection | null = null;
  private deleted = false;
  /**
   * Set when an index with content was discarded (damage, another schema version, file deleted) and nobody has read
   * `indexedCommit()` or called `reset()` since: an incremental batch computed before would leave pages missing.
   */
  private discarded = false;

  constructor(
    /** `owner/slug`. */
    readonly wiki: string,
    readonly file: string,
    private readonly host: WikiIndexHost,
  ) {}

  get isOpen(): boolean {
    return this.conn !== null;
  }

  /**
   * Open the connection now (the store does this in `open`, so a bad file is repaired up front). A live connection
   * whose file was deleted meanwhile would keep writing to the unlinked file: it is replaced by a new, empty one.
   */
  connect(): void {
    if (this.conn !== null && !existsSync(this.file)) {
      this.release();
      this.discarded = true;
    }
    this.connection();
  }

  /** Close the connection (LRU eviction, store shutdown); the next call reopens it. */
  release(): void {
    if (this.conn === null) return;
    const conn = this.conn;
    this.conn = null;
    conn.close();
  }

  /** The wiki's index was deleted: close and refuse further use. */
  markDeleted(): void {
    this.release();
    this.deleted = true;
  }

  indexedCommit(): string | null {
    const head = this.read((c) => c.s.getMeta.get('head') ?? null);
    this.discarded = false;
    return head;
  }

  /**
   * Write one catch-up. If the file had to be recreated since the caller last read `indexedCommit()`, the batch was
   * computed against content that is gone: it is refused with INTERNAL (`data.indexRecreated`), and the caller
   * catches up again from `indexedCommit()` (now null).
   */
  apply(batch: IndexBatch): void {
    const conn = this.connection();
    if (this.discarded) throw this.recreatedError();
    try {
      conn.applyTx(batch);
    } catch (err) {
      if (!isCorruption(err)) throw err;
      this.recreate();
      throw this.recreatedError();
    }
  }

  reset(): void {
    const conn = this.connection();
    try {
      conn.resetTx();
    } catch (err) {
      if (!isCorruption(err)) throw err;
      this.recreate();
    }
    this.discarded = false;
  }

  getPage(path: string): PageRow | null {
    return this.read((c) => {
      const row = c.s.getPage.get(path);
      return row === undefined ? null : toPageRow(row);
    });
  }

  findByKey(key: string): PageRow[] {
    return this.read((c) => c.s.findByKey.all(keyOf(key)).map(toPageRow));
  }

  listPages(filter: PageFilter = {}): PageRow[] {
    const limit = checkLimit('limit', filter.limit, -1, Infinity);
    const offset = checkOffset(filter.offset);
    const where = pageWhere(filter);
    const sql = `SELECT ${PAGE_COLUMNS} FROM ${PAGE_FROM}${where.sql} ORDER BY p.path LIMIT ? OFFSET ?`;
    return this.read((c) =>
      c
        .stmt<PageDbRow>(sql)
        .all(...where.params, limit, offset)
        .map(toPageRow),
    );
  }

  countPages(filter: Omit<PageFilter, 'limit' | 'offset'> = {}): number {
    const where = pageWhere(filter);
    const from = where.needsCommit ? PAGE_FROM : 'pages p';
    const sql = `SELECT count(*) FROM ${from}${where.sql}`;
    return this.read(
      (c) =>
        (c
          .stmt<{ n: number }>(sql)
          .pluck()
          .get(...where.params) as number | undefined) ?? 0,
    );
  }

  search(query: SearchQuery): SearchHit[] {
    const fts = toFtsQuery(query.query);
    const limit = checkLimit('limit', query.limit, SEARCH_LIMIT.default, SEARCH_LIMIT.max);
    const offset = checkOffset(query.offset);
    const where = pageWhere(query);
    const filters = where.conds.map((c) => ` AND ${c}`).join('');
    // Two plans, measured (see bench/index-store.ts): plain terms rank fastest with bm25() over FTS5 alone (joining pages
    // first when filtering), then take a snippet per hit; prefix terms let FTS5 sort by rank itself so snippet() runs
    // in the same query, for returned rows only, because re-running a prefix query per hit is what costs.
    let sql: string;
    if (fts.hasPrefix) {
      sql = `SELECT p.id, p.path, p.title, p.category, p.tags, f.rank AS relevance, ${SNIPPET_SQL} AS snippet
        FROM pages_fts f JOIN pages p ON p.id = f.rowid
        WHERE pages_fts MATCH ? AND f.rank MATCH '${RANK_FUNCTION}'${filters} ORDER BY f.rank LIMIT ? OFFSET ?`;
    } else if (filters === '') {
      sql = `SELECT p.id, p.path, p.title, p.category, p.tags, t.relevance
        FROM (SELECT rowid, ${RANK_SQL} AS relevance FROM pages_fts WHERE pages_fts MATCH ?
          ORDER BY relevance LIMIT ? OFFSET ?) t
        JOIN pages p ON p.id = t.rowid ORDER BY t.relevance`;
    } else {
      sql = `SELECT p.id, p.path, p.title, p.category, p.tags, ${RANK_SQL} AS relevance
        FROM pages_fts JOIN pages p ON p.id = pages_fts.rowid
        WHERE pages_fts MATCH ?${filters} ORDER BY relevance LIMIT ? OFFSET ?`;
    }
    return this.read((c) => {
      try {
        return c
          .stmt<SearchDbRow>(sql)
          .all(fts.match, ...where.params, limit, offset)
          .map((r) => ({
            path: r.path,
            title: r.title,
            category: r.category,
            tags: parseJson<string[]>(r.tags, []),
            score: -r.relevance,
            snippet: snippetToHtml(r.snippet ?? c.s.snippet.get(fts.match, r.id) ?? ''),
          }));
      } catch (err) {
        // toFtsQuery only emits quoted strings, so this is a safety net, not a path we expect.
        if (err instanceof Database.SqliteError && err.code === 'SQLITE_ERROR') {
          throw new WikiError('INVALID_INPUT', 'search query could not be understood; use plain words', {
            query: query.query,
          });
        }
        throw err;
      }
    });
  }

  pageTexts(filter: Omit<PageFilter, 'limit' | 'offset' | 'updatedSince'> = {}): PageText[] {
    const where = pageWhere(filter);
    const sql = `SELECT p.path, p.title, p.category, p.tags, f.body FROM pages p JOIN pages_fts f ON f.rowid = p.id${where.sql}
      ORDER BY p.path`;
    return this.read((c) =>
      c
        .stmt<{ path: string; title: string; category: string | null; tags: string; body: string }>(sql)
        .all(...where.params)
        .map((r) => ({ path: r.path, title: r.title, category: r.category, tags: parseJson<string[]>(r.tags, []), body: r.body })),
    );
  }

  linksFrom(path: string): LinkRow[] {
    return this.read((c) => c.s.linksFrom.all(path).map(toLinkRow));
  }

  linksTo(path: string): LinkRow[] {
    return this.read((c) => {
      // A missing page can still be linked to (a "create" link); derive its key the way paths are keyed.
      const key = c.s.pageKey.get(path) ?? keyOf(path);
      return c.s.linksTo.all(key).map(toLinkRow);
    });
  }

  allLinks(): LinkRow[] {
    return this.read((c) => c.s.allLinks.all().map(toLinkRow));
  }

  orphans(home = 'Home'): PageRow[] {
    return this.read((c) => c.s.orphans.all(keyOf(home)).map(toPageRow));
  }

  brokenLinks(): LinkRow[] {
    return this.read((c) => c.s.brokenLinks.all().map(toLinkRow));
  }

  stale(before: string): PageRow[] {
    const ms = parseDate('before', before);
    return this.read((c) => c.s.stale.all(ms).map(toPageRow));
  }

  history(path: string, options: { limit?: number; offset?: number } = {}): HistoryEntry[] {
    return this.historyOfFile(`${path}.md`, options);
  }

  fileHistory(file: string, options: { limit?: number; offset?: number } = {}): HistoryEntry[] {
    return this.historyOfFile(file, options);
  }

  private historyOfFile(start: string, options: { limit?: number; offset?: number }): HistoryEntry[] {
    const limit = checkLimit('limit', options.limit, HISTORY_LIMIT.default, HISTORY_LIMIT.max);
    const offset = checkOffset(options.offset);
    const want = offset + limit;
    return this.read((c) => {
      const out: HistoryEntry[] = [];
      let file: string | null = start;
      let below = Number.MAX_SAFE_INTEGER;
      // Each rename met switches to the old name for strictly older commits, so this ends.
      while (file !== null && out.length < want) {
        const rows = c.s.history.all(file, below, want - out.length);
        file = null;
        for (const row of rows) {
          out.push({
            ...toCommit(row),
            path: stripMd(row.change_path),
            status: row.status,
            oldPath: row.old_path === null ? null : stripMd(row.old_path),
          });
          if (row.status === 'R' && row.old_path !== null) {
            file = row.old_path;
            below = row.seq;
            break;
          }
        }
      }
      return out.slice(offset, offset + limit);
    });
  }

  recentChanges(options: { limit?: number; offset?: number; since?: string } = {}): ChangeSet[] {
    const limit = checkLimit('limit', options.limit, RECENT_LIMIT.default, RECENT_LIMIT.max);
    const offset = checkOffset(options.offset);
    const since = options.since === undefined ? null : parseDate('since', options.since);
    return this.read((c) => {
      const commits = since === null ? c.s.recent.all(limit, offset) : c.s.recentSince.all(since, limit, offset);
      if (commits.length === 0) return [];
      const bySeq = new Map<number, ChangeSet>();
      let lo = Infinity;
      let hi = -Infinity;
      const out = commits.map((row) => {
        const set: ChangeSet = { ...toCommit(row), changes: [] };
        bySeq.set(row.seq, set);
        lo = Math.min(lo, row.seq);
        hi = Math.max(hi, row.seq);
        return set;
      });
      for (const ch of c.s.changesBetween.iterate(lo, hi)) {
        bySeq.get(ch.commit_seq)?.changes.push({ status: ch.status, path: ch.path, oldPath: ch.old_path });
      }
      return out;
    });
  }

  resolveCommit(prefix: string): string[] {
    const p = prefix.toLowerCase();
    if (!/^[0-9a-f]+$/u.test(p)) return [];
    // Every oid starting with p sorts in [p, p + 'g'): 'g' follows every hex digit.
    return this.read((c) => c.s.resolveCommit.all(p, `${p}g`));
  }

  getCommit(oid: string): IndexedCommit | null {
    return this.read((c) => {
      const row = c.s.getCommit.get(oid.toLowerCase());
      return row === undefined ? null : toCommit(row);
    });
  }

  close(): void {
    if (this.conn === null) return;
    this.release();
    this.host.released(this);
  }

  private connection(): Connection {
    if (this.deleted) {
      throw new WikiError('WIKI_NOT_FOUND', `the index of ${this.wiki} was deleted`, { wiki: this.wiki });
    }
    this.host.touch(this);
    this.conn ??= this.openConnection();
    return this.conn;
  }

  private openConnection(): Connection {
    const opened = openDatabase(this.file);
    if (opened.discarded) this.discarded = true;
    try {
      return new Connection(opened.db);
    } catch (err) {
      // Preparing statements reads the schema and the FTS5 configuration: damage can show up here first.
      opened.db.close();
      if (!isCorruption(err)) throw err;
      removeDatabase(this.file);
      this.discarded = true;
      return new Connection(openDatabase(this.file).db);
    }
  }

  /** Run a query; if the file turns out to be damaged, recreate it empty and answer from that. */
  private read<T>(fn: (c: Connection) => T): T {
    const conn = this.connection();
    try {
      return fn(conn);
    } catch (err) {
      if (!isCorruption(err)) throw err;
      this.recreate();
      return fn(this.connection());
    }
  }

  private recreate(): void {
    this.release();
    removeDatabase(this.file);
    this.discarded = true;
  }

  private recreatedError(): WikiError {
    return new WikiError(
      'INTERNAL',
      `the index of ${this.wiki} was unreadable and has been recreated empty; catch it up from git again`,
      { wiki: this.wiki, indexRecreated: true },
    );
  }
}

function applyBatch(c: Connection, batch: IndexBatch): void {
  if (typeof batch.head !== 'string' || batch.head === '') {
    throw new WikiError('INVALID_INPUT', 'index batch has no head commit', {});
  }
  const s = c.s;
  let seq = s.maxSeq.get() ?? 0;
  const seqOf = new Map<string, number>();
  for (const commit of batch.commits) {
    const oid = commit.oid.toLowerCase();
    const known = s.commitSeq.get(oid);
    if (known !== undefined) {
      seqOf.set(oid, known);
      continue;
    }
    const dateMs = Date.parse(commit.date);
    if (Number.isNaN(dateMs)) {
      throw new WikiError('INVALID_INPUT', `commit ${commit.oid} has an unreadable date: ${commit.date}`, {
        oid: commit.oid,
      });
    }
    seq += 1;
    s.insertCommit.run(
      seq,
      oid,
      commit.parents.map((p) => p.toLowerCase()).join(' '),
      commit.authorName,
      commit.authorEmail,
      commit.date,
      dateMs,
      commit.message,
    );
    seqOf.set(oid, seq);
  }
  for (const change of batch.changes) {
    const oid = change.commit.toLowerCase();
    const commitSeq = seqOf.get(oid) ?? s.commitSeq.get(oid);
    if (commitSeq === undefined) {
      throw new WikiError(
        'INVALID_INPUT',
        `change of ${change.path} names commit ${change.commit}, which is not indexed`,
        {
          commit: change.commit,
        },
      );
    }
    s.insertChange.run(commitSeq, change.status, change.path, change.oldPath);
  }
  for (const path of batch.deletes) {
    const id = s.pageId.get(path);
    if (id === undefined) continue;
    s.deleteTags.run(id);
    s.deleteLinks.run(id);
    s.deleteFts.run(id);
    s.deletePage.run(id);
  }
  for (const page of batch.upserts) upsertPage(c, page);
  s.setMeta.run('head', batch.head);
}

function upsertPage(c: Connection, page: PageInput): void {
  if (typeof page.path !== 'string' || page.path === '') {
    throw new WikiError('INVALID_INPUT', 'index batch has a page without a path', {});
  }
  const s = c.s;
  const lastUpdatedMs = page.lastUpdated === null ? null : Date.parse(page.lastUpdated);
  const values = [
    page.path,
    page.path.toLowerCase(),
    page.key,
    page.title,
    page.category,
    JSON.stringify(page.tags),
    toJson(page.frontmatter),
    page.lastUpdated,
    lastUpdatedMs === null || Number.isNaN(lastUpdatedMs) ? null : lastUpdatedMs,
    page.archived ? 1 : 0,
    page.wordCount,
    page.blob,
    page.lastCommit.toLowerCase(),
  ];
  let id = s.pageId.get(page.path);
  if (id === undefined) {
    id = Number(s.insertPage.run(...values).lastInsertRowid);
  } else {
    s.updatePage.run(...values, id);
    s.deleteTags.run(id);
    s.deleteLinks.run(id);
    s.deleteFts.run(id);
  }
  for (const tag of page.tags) s.insertTag.run(id, tag);
  for (const l of page.links) s.insertLink.run(id, l.target, l.targetKey, l.anchor, l.kind);
  s.insertFts.run(id, stripMarkers(page.title), page.path, stripMarkers(page.body));
}

interface Where {
  /** ` WHERE …`, or '' without filters. */
  sql: string;
  conds: string[];
  params: unknown[];
  needsCommit: boolean;
}

function pageWhere(filter: Omit<PageFilter, 'limit' | 'offset'>): Where {
  const conds: string[] = [];
  const params: unknown[] = [];
  let needsCommit = false;
  if (filter.prefix !== undefined && filter.prefix !== '') {
    // Paths store spaces as `_`; a range on the lowercased path uses its index. U+10FFFF sorts after any text.
    const lo = filter.prefix.replaceAll(' ', '_').toLowerCase();
    conds.push('p.path_lower >= ? AND p.path_lower < ?');
    params.push(lo, `${lo}\u{10FFFF}`);
  }
  if (filter.category !== undefined) {
    conds.push('p.category = ? COLLATE NOCASE');
    params.push(filter.category);
  }
  if (filter.tag !== undefined) {
    conds.push('p.id IN (SELECT page_id FROM page_tags WHERE tag = ?)');
    params.push(filter.tag);
  }
  if (filter.updatedSince !== undefined) {
    conds.push('c.date_ms >= ?');
    params.push(parseDate('updatedSince', filter.updatedSince));
    needsCommit = true;
  }
  return { sql: conds.length === 0 ? '' : ` WHERE ${conds.join(' AND ')}`, conds, params, needsCommit };
}

function checkLimit(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new WikiError('INVALID_INPUT', `${name} must be a whole number of 0 or more`, { [name]: value });
  }
  return Math.min(value, max);
}

function checkOffset(value: number | undefined): number {
  return checkLimit('offset', value, 0, Number.MAX_SAFE_INTEGER);
}

function parseDate(name: string, value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new WikiError('INVALID_INPUT', `${name} must be an ISO 8601 date, got "${value}"`, { [name]: value });
  }
  return ms;
}

function toCommit(row: CommitDbRow): IndexedCommit {
  return {
    oid: row.oid,
    parents: row.parents === '' ? [] : row.parents.split(' '),
    authorName: row.author_name,
    authorEmail: row.author_email,
    date: row.date,
    message: row.message,
  };
}

function toPageRow(row: PageDbRow): PageRow {
  return {
    path: row.path,
    key: row.key,
    title: row.title,
    category: row.category,
    tags: parseJson<string[]>(row.tags, []),
    frontmatter: parseJson<Record<string, unknown>>(row.frontmatter, {}),
    lastUpdated: row.last_updated,
    archived: row.archived === 1,
    wordCount: row.word_count,
    blob: row.blob,
    // A page whose last commit was never indexed (a partial batch) still answers, with what is known.
    lastCommit: {
      oid: row.last_commit,
      parents: row.c_parents === null || row.c_parents === '' ? [] : row.c_parents.split(' '),
      authorName: row.c_author_name ?? '',
      authorEmail: row.c_author_email ?? '',
      date: row.c_date ?? '',
      message: row.c_message ?? '',
    },
  };
}

function toLinkRow(row: LinkDbRow): LinkRow {
  return { source: row.source, target: row.target, anchor: row.anchor, kind: row.kind, resolved: row.resolved };
}

/** Same rule as the domain's `pageKey` (space and `_` are one character, case ignored); idempotent on keys. */
function keyOf(path: string): string {
  return path.replaceAll(' ', '_').toLowerCase();
}

function stripMd(file: string): string {
  return file.endsWith('.md') ? file.slice(0, -3) : file;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Front matter comes from YAML: it may hold values JSON cannot carry (bigint), which must not fail a catch-up. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '{}';
}

function isCorruption(err: unknown): boolean {
  return err instanceof Database.SqliteError && (err.code.startsWith('SQLITE_CORRUPT') || err.code === 'SQLITE_NOTADB');
}

/**
 * Open (creating if needed) the index file with the current schema. Anything else — garbage bytes, an unknown
 * schema version — is deleted and recreated empty; `discarded` says so.
 */
export function openDatabase(file: string): { db: Db; discarded: boolean } {
  mkdirSync(dirname(file), { recursive: true });
  let db: Db | null = null;
  try {
    db = connectFile(file);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return { db, discarded: false };
    const tables = db.prepare(`SELECT count(*) FROM sqlite_schema`).pluck().get() as number;
    if (version === 0 && tables === 0) {
      createSchema(db);
      return { db, discarded: false };
    }
  } catch (err) {
    if (!(err instanceof Database.SqliteError)) throw err;
  }
  db?.close();
  removeDatabase(file);
  db = connectFile(file);
  createSchema(db);
  return { db, discarded: true };
}

function connectFile(file: string): Db {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function createSchema(db: Db): void {
  db.transaction(() => {
    db.exec(SCHEMA_SQL);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/** Remove an index file and its WAL companions. */
export function removeDatabase(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
}
