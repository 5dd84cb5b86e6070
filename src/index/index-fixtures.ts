/**
 * Builders of index input for tests and the index benchmark: commits, changes and pages the way the catch-up from
 * git would produce them, without a repository.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IndexBatch, IndexedChange, IndexedCommit, IndexedLink, PageInput } from './index-store.js';
import { SqliteIndexStore } from './sqlite-index-store.js';

/** A store in a fresh temp folder; `dispose` closes it and removes the folder. */
export function tempStore(maxOpen?: number): { store: SqliteIndexStore; root: string; dispose: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'wikibot-index-'));
  const store = new SqliteIndexStore(maxOpen === undefined ? { root } : { root, maxOpen });
  return {
    store,
    root,
    dispose: () => {
      store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A deterministic 40-hex commit id for a label. */
export function oidOf(label: string): string {
  return createHash('sha1').update(label).digest('hex');
}

/** A commit labelled `label`, dated `date` (ISO). */
export function makeCommit(label: string, date: string, overrides: Partial<IndexedCommit> = {}): IndexedCommit {
  return {
    oid: oidOf(label),
    parents: [],
    authorName: 'Ada',
    authorEmail: 'ada@example.org',
    date,
    message: `Update: ${label}`,
    ...overrides,
  };
}

export function makeChange(
  commit: IndexedCommit,
  status: IndexedChange['status'],
  page: string,
  oldPage: string | null = null,
): IndexedChange {
  return { commit: commit.oid, status, path: `${page}.md`, oldPath: oldPage === null ? null : `${oldPage}.md` };
}

export function wikiLink(target: string, anchor: string | null = null): IndexedLink {
  return { target, targetKey: target.toLowerCase(), anchor, kind: 'wikilink' };
}

/** A page at `path` last changed by `commit`, with sensible defaults for everything else. */
export function makePage(path: string, commit: IndexedCommit, overrides: Partial<PageInput> = {}): PageInput {
  const body = overrides.body ?? `Notes about ${path.replaceAll('_', ' ')}.`;
  return {
    path,
    key: path.toLowerCase(),
    title: path.split('/').pop()?.replaceAll('_', ' ') ?? path,
    category: null,
    tags: [],
    frontmatter: {},
    lastUpdated: null,
    archived: false,
    wordCount: body.split(/\s+/u).filter(Boolean).length,
    blob: oidOf(`${path}:${body}`),
    body,
    links: [],
    lastCommit: commit.oid,
    ...overrides,
  };
}

/** One commit that adds or modifies `pages` (status A unless given). */
export function commitPages(
  label: string,
  date: string,
  pages: (Omit<Partial<PageInput>, 'path'> & { path: string; status?: IndexedChange['status'] })[],
): IndexBatch {
  const commit = makeCommit(label, date);
  return {
    head: commit.oid,
    commits: [commit],
    changes: pages.map((p) => makeChange(commit, p.status ?? 'A', p.path)),
    upserts: pages.map(({ status: _status, ...p }) => makePage(p.path, commit, p)),
    deletes: [],
  };
}

/**
 * Deterministic word soup: pseudo-words with a Zipf-like frequency, so some are in nearly every page and most in few.
 * `common` is in every page; `zanzibar` in five pages whatever the size, so rare-word searches compare across sizes.
 */
export function corpus(pages: number, wordsPerPage: number, seed = 1): { path: string; title: string; body: string }[] {
  let state = seed >>> 0 || 1;
  const rand = (): number => {
    // xorshift32: fast and reproducible.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  const syllables = ['ka', 'ro', 'mi', 'sel', 'tan', 'vu', 'lor', 'pe', 'dri', 'mos', 'ex', 'al', 'gon', 'tri', 'qua'];
  const syllable = (): string => syllables[Math.floor(rand() * syllables.length)] ?? 'ka';
  const vocab = new Set<string>();
  while (vocab.size < 20_000) {
    const n = 2 + Math.floor(rand() * 3);
    vocab.add(Array.from({ length: n }, syllable).join(''));
  }
  const words = [...vocab];
  const word = (): string => words[Math.floor(words.length ** rand()) - 1] ?? 'common';
  const folders = ['Actors', 'Events', 'Trends', 'Hypotheses', 'Variables', 'References'];
  const rare = new Set(Array.from({ length: 5 }, (_, i) => Math.floor((i * pages) / 5)));
  return Array.from({ length: pages }, (_, i) => {
    const folder = folders[i % folders.length] ?? 'Misc';
    const body = Array.from({ length: wordsPerPage }, word);
    body.push('common');
    if (rare.has(i)) body.push('zanzibar');
    return { path: `${folder}/Page_${i}`, title: `Page ${i} ${word()}`, body: body.join(' ') };
  });
}
