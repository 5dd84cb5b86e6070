/**
 * The SQLite schema of one wiki's index. The index is derived from git, so there are no migrations: a file whose
 * `user_version` is not `SCHEMA_VERSION` is deleted and recreated empty, and the caller rebuilds it from git.
 */

/** Bump on any change below; existing files are then recreated and rebuilt. */
export const SCHEMA_VERSION = 1;

/**
 * The FTS5 ranking expression (lower is better): bm25 with column weights title 10, path 5, body 1, so a title match
 * outweighs ten body matches. Called explicitly rather than configured as the table's `rank`: measured 1.5–2× faster
 * per match that way.
 */
export const RANK_SQL = 'bm25(pages_fts, 10.0, 5.0, 1.0)';

export const SCHEMA_SQL = `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- seq is the order commits were applied in (oldest first within a batch); history and recent changes sort by it.
CREATE TABLE commits (
  seq INTEGER PRIMARY KEY,
  oid TEXT NOT NULL UNIQUE,
  parents TEXT NOT NULL,
  author_name TEXT NOT NULL,
  author_email TEXT NOT NULL,
  date TEXT NOT NULL,
  date_ms INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX commits_date ON commits (date_ms);

-- id is also the rowid of the page's row in pages_fts; an upsert keeps it.
-- path_lower serves case-insensitive prefix filters; *_ms columns hold parsed dates for comparisons.
CREATE TABLE pages (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  path_lower TEXT NOT NULL,
  key TEXT NOT NULL,
  title TEXT NOT NULL,
  category TEXT,
  tags TEXT NOT NULL,
  frontmatter TEXT NOT NULL,
  last_updated TEXT,
  last_updated_ms INTEGER,
  archived INTEGER NOT NULL,
  word_count INTEGER NOT NULL,
  blob TEXT NOT NULL,
  last_commit TEXT NOT NULL
);
CREATE INDEX pages_key ON pages (key);
CREATE INDEX pages_path_lower ON pages (path_lower);
CREATE INDEX pages_category ON pages (category COLLATE NOCASE);

CREATE TABLE page_tags (
  page_id INTEGER NOT NULL,
  tag TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (page_id, tag)
) WITHOUT ROWID;
CREATE INDEX page_tags_tag ON page_tags (tag, page_id);

-- id keeps the order links appear in the page.
CREATE TABLE links (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL,
  target TEXT NOT NULL,
  target_key TEXT NOT NULL,
  anchor TEXT,
  kind TEXT NOT NULL
);
CREATE INDEX links_source ON links (source_id);
CREATE INDEX links_target_key ON links (target_key, source_id);

-- One row per file a commit touched; path is the file after the change (the new name for a rename).
CREATE TABLE changes (
  id INTEGER PRIMARY KEY,
  commit_seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  path TEXT NOT NULL,
  old_path TEXT,
  UNIQUE (commit_seq, path)
);
CREATE INDEX changes_path ON changes (path, commit_seq);
CREATE INDEX changes_old_path ON changes (old_path);

-- A regular (content-storing) FTS5 table: snippet() needs the text, and the body is stored nowhere else.
CREATE VIRTUAL TABLE pages_fts USING fts5 (title, path, body, tokenize = 'unicode61 remove_diacritics 2');
`;
