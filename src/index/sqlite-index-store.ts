/**
 * The indexes of every wiki on this node: one SQLite file per wiki at `<root>/<owner>/<slug>.sqlite`. A node serves
 * thousands of wikis, so at most `maxOpen` connections stay open; the least recently used is closed and reopened
 * transparently when its handle is used again.
 */
import { join } from 'node:path';
import { WikiError } from '../errors.js';
import type { IndexStore } from './index-store.js';
import { removeDatabase, SqliteWikiIndex, type WikiIndexHost } from './sqlite-wiki-index.js';

export interface SqliteIndexStoreOptions {
  /** Folder holding `<owner>/<slug>.sqlite`. */
  root: string;
  /** Most connections open at once (default 256). */
  maxOpen?: number;
}

// Owner names and wiki slugs as DESIGN.md defines them; checking here also keeps file names inside `root`.
const NAME = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/u;

export class SqliteIndexStore implements IndexStore {
  readonly root: string;
  readonly maxOpen: number;
  /** Every handle given out, so `open` returns the same one for a wiki even after its connection was evicted. */
  private readonly handles = new Map<string, SqliteWikiIndex>();
  /** Handles with an open connection, least recently used first (Map keeps insertion order). */
  private readonly live = new Map<string, SqliteWikiIndex>();
  private readonly host: WikiIndexHost = {
    touch: (index) => this.touch(index),
    released: (index) => this.live.delete(index.wiki),
  };

  constructor(options: SqliteIndexStoreOptions) {
    const maxOpen = options.maxOpen ?? 256;
    if (!Number.isInteger(maxOpen) || maxOpen < 1) {
      throw new WikiError('INVALID_INPUT', 'maxOpen must be a whole number of 1 or more', { maxOpen });
    }
    this.root = options.root;
    this.maxOpen = maxOpen;
  }

  /** The index of `owner/slug`, created empty if it does not exist yet. */
  open(owner: string, slug: string): SqliteWikiIndex {
    const wiki = wikiId(owner, slug);
    let index = this.handles.get(wiki);
    if (index === undefined) {
      index = new SqliteWikiIndex(wiki, this.fileOf(owner, slug), this.host);
      this.handles.set(wiki, index);
    }
    index.connect();
    return index;
  }

  /** Delete a wiki's index file; handles already given out refuse further use. */
  delete(owner: string, slug: string): void {
    const wiki = wikiId(owner, slug);
    const index = this.handles.get(wiki);
    if (index !== undefined) {
      index.markDeleted();
      this.handles.delete(wiki);
      this.live.delete(wiki);
    }
    removeDatabase(this.fileOf(owner, slug));
  }

  /** Close every connection. Handles stay usable and reopen on their next call. */
  close(): void {
    for (const index of this.live.values()) index.release();
    this.live.clear();
  }

  /** How many connections are open (for metrics and tests). */
  openCount(): number {
    return this.live.size;
  }

  private fileOf(owner: string, slug: string): string {
    return join(this.root, owner, `${slug}.sqlite`);
  }

  private touch(index: SqliteWikiIndex): void {
    const live = this.live;
    // Re-inserting moves the handle to the most recently used end.
    live.delete(index.wiki);
    live.set(index.wiki, index);
    while (live.size > this.maxOpen) {
      const oldest = live.keys().next().value;
      if (oldest === undefined) break;
      live.get(oldest)?.release();
      live.delete(oldest);
    }
  }
}

function wikiId(owner: string, slug: string): string {
  if (!NAME.test(owner) || !NAME.test(slug)) {
    throw new WikiError('INVALID_INPUT', `not a valid wiki name: ${owner}/${slug}`, { owner, slug });
  }
  return `${owner}/${slug}`;
}
