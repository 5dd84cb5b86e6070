/**
 * The derived index: what this folder offers. The port (`IndexStore`, `WikiIndex` and their row types) and its
 * SQLite implementation; the catch-up from git lives with the integrator.
 */
export type {
  ChangeSet,
  HistoryEntry,
  IndexBatch,
  IndexedChange,
  IndexedCommit,
  IndexedLink,
  IndexStore,
  LinkRow,
  PageFilter,
  PageInput,
  PageRow,
  PageText,
  SearchHit,
  SearchQuery,
  WikiIndex,
} from './index-store.js';
export { SqliteIndexStore, type SqliteIndexStoreOptions } from './sqlite-index-store.js';
export { SqliteWikiIndex } from './sqlite-wiki-index.js';
export { MAX_QUERY_LENGTH, snippetToHtml, toFtsQuery } from './fts-query.js';
