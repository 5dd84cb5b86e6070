/**
 * Finding pages and revisions the way people name them: any case, spaces or underscores, short commit ids.
 */
import { pageFile, pageKey, parsePagePath } from '../domain/index.js';
import { WikiError } from '../errors.js';
import type { HistoryEntry, PageRow } from '../index/index-store.js';
import type { OpenWiki } from './wiki-access.js';

/** The page at `path` (exact spelling first, then a unique case-insensitive match), or null. */
export function findPage(w: OpenWiki, path: string): PageRow | null {
  const exact = w.index.getPage(path);
  if (exact) return exact;
  const matches = w.index.findByKey(pageKey(path));
  return matches.length === 1 ? matches[0]! : null;
}

/** Like findPage, but a missing page is PAGE_NOT_FOUND with the closest existing paths as suggestions. */
export function requirePage(w: OpenWiki, rawPath: string): PageRow {
  const path = parsePagePath(rawPath);
  const page = findPage(w, path);
  if (page) return page;
  const suggestions = closestPaths(w, path);
  const hint = suggestions.length ? ` Closest existing pages: ${suggestions.join(', ')}.` : '';
  throw new WikiError('PAGE_NOT_FOUND', `There is no page "${path}" in ${w.base.owner}/${w.base.wiki}.${hint}`, {
    path,
    suggestions,
  });
}

/** Up to five existing paths that look like `path` (same last name, shared prefix, or a small edit away). */
export function closestPaths(w: OpenWiki, path: string): string[] {
  const key = pageKey(path);
  const leaf = key.split('/').pop() ?? key;
  const scored = w.index
    .listPages({ limit: 20_000 })
    .map((p) => {
      const pLeaf = p.key.split('/').pop() ?? p.key;
      let score = editDistance(leaf, pLeaf, 4);
      if (p.key.includes(leaf) || leaf.includes(pLeaf)) score = Math.min(score, 1);
      return { path: p.path, score };
    })
    .filter((s) => s.score <= 3)
    .sort((a, b) => a.score - b.score || a.path.localeCompare(b.path));
  return scored.slice(0, 5).map((s) => s.path);
}

/** Levenshtein distance, giving up (returning `limit`) once it exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best >= limit) return limit;
    prev = cur;
  }
  return Math.min(prev[b.length]!, limit);
}

/** A full commit id for a revision the caller gave (7 to 40 hex characters). */
export function resolveRevision(w: OpenWiki, revision: string): string {
  const rev = revision.trim().toLowerCase();
  if (!/^[0-9a-f]{7,40}$/.test(rev)) {
    throw new WikiError('REVISION_NOT_FOUND', `"${revision}" is not a revision: give 7 to 40 hexadecimal characters of a commit id.`, {
      revision,
    });
  }
  const matches = w.index.resolveCommit(rev);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new WikiError('REVISION_NOT_FOUND', `Revision ${rev} is ambiguous: give more characters.`, { revision, matches });
  }
  throw new WikiError('REVISION_NOT_FOUND', `There is no revision ${rev} in ${w.base.owner}/${w.base.wiki}.`, { revision });
}

/** The page's whole history, newest first, read in the index's largest pages (a long-lived page has thousands). */
function* wholeHistory(w: OpenWiki, page: PageRow): Generator<HistoryEntry> {
  const PAGE = 500;
  for (let offset = 0; ; offset += PAGE) {
    const entries = w.index.history(page.path, { limit: PAGE, offset });
    yield* entries;
    if (entries.length < PAGE) return;
  }
}

/** The page's history entry for commit `oid`, or null when that commit did not change the page. */
function findInHistory(w: OpenWiki, page: PageRow, oid: string): HistoryEntry | null {
  for (const entry of wholeHistory(w, page)) if (entry.oid === oid) return entry;
  return null;
}

/** The page's file at `commit`, whatever the page was called then (following renames back), or null. */
export async function pageFileAt(w: OpenWiki, page: PageRow, commit: string): Promise<{ path: string; content: Buffer } | null> {
  const names = new Set([page.path]);
  for (const entry of wholeHistory(w, page)) names.add(entry.path);
  for (const name of names) {
    const file = await w.repo.readFile(commit, pageFile(name));
    if (file) return { path: pageFile(name), content: file.content };
  }
  return null;
}

/** The page's text at `commit` (following renames back), or null when the page did not exist then. */
export async function pageTextAt(w: OpenWiki, page: PageRow, commit: string): Promise<string | null> {
  return (await pageFileAt(w, page, commit))?.content.toString('utf8') ?? null;
}

/**
 * The page's text at a revision that must be one of its own revisions (a commit that changed it) — what a write's
 * base revision has to be.
 */
export async function baseTextAt(w: OpenWiki, page: PageRow, revision: string): Promise<string> {
  const oid = resolveRevision(w, revision);
  const entry = findInHistory(w, page, oid);
  if (!entry || entry.status === 'D') {
    throw new WikiError('REVISION_NOT_FOUND', `Revision ${oid.slice(0, 7)} is not a revision of page "${page.path}".`, {
      revision,
      path: page.path,
    });
  }
  const file = await w.repo.readFile(oid, pageFile(entry.path));
  if (!file) throw new WikiError('REVISION_NOT_FOUND', `Page "${page.path}" has no content at revision ${oid.slice(0, 7)}.`, { revision });
  return file.content.toString('utf8');
}
