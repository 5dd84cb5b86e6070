/**
 * Keeps a wiki's index equal to its repository: whatever made the commits (this process, another process, a push),
 * the index replays `indexed..HEAD` and records the commit it reflects. Deleting the index rebuilds it from git.
 */
import { analyzePage, pageKey, pagePathFromFile, type WikiBase } from '../domain/index.js';
import { isWikiError } from '../errors.js';
import type { LogEntry, Repo } from '../git/repo-store.js';
import type { IndexBatch, PageInput, WikiIndex } from '../index/index-store.js';
import type { WikiRuntime } from './runtime.js';

/** Brings the index up to the repository's head. Call inside the wiki's exclusive section. */
export async function catchUp(repo: Repo, index: WikiIndex, runtime: WikiRuntime, base: WikiBase): Promise<void> {
  const head = repo.head();
  let indexed = index.indexedCommit();
  if (head === indexed) return;
  if (head === null) {
    index.reset();
    runtime.pageSetVersion++;
    return;
  }
  if (indexed !== null && !(await repo.isAncestor(indexed, head))) {
    // History was rewritten under us: start over rather than trust a diff against an unrelated commit.
    index.reset();
    indexed = null;
  }
  const entries = await repo.log(indexed, head);
  try {
    await applyEntries(repo, index, runtime, base, entries, head);
  } catch (err) {
    // The index file was recreated empty under us (deleted or damaged): replay everything once.
    if (!isWikiError(err, 'INTERNAL') || err.data.indexRecreated !== true || indexed === null) throw err;
    index.reset();
    await applyEntries(repo, index, runtime, base, await repo.log(null, head), head);
  }
}

/**
 * Records commits in the index: every commit and change, and the final state of each page they touched (pages are
 * parsed once, at their newest version, however many of the commits changed them).
 */
export async function applyEntries(
  repo: Repo,
  index: WikiIndex,
  runtime: WikiRuntime,
  base: WikiBase,
  entries: LogEntry[],
  head: string,
): Promise<void> {
  const latest = new Map<string, { oid: string; commit: string } | null>();
  const batch: IndexBatch = { head, commits: [], changes: [], upserts: [], deletes: [] };
  let pageSetChanged = index.indexedCommit() === null;
  for (const entry of entries) {
    batch.commits.push({
      oid: entry.oid,
      parents: entry.parents,
      authorName: entry.authorName,
      authorEmail: entry.authorEmail,
      date: entry.date,
      message: entry.message,
    });
    for (const change of entry.changes) {
      batch.changes.push({ commit: entry.oid, status: change.status, path: change.path, oldPath: change.oldPath ?? null });
      if (change.status === 'R' && change.oldPath !== undefined) {
        const old = pagePathFromFile(change.oldPath);
        if (old !== null) latest.set(old, null);
      }
      const page = pagePathFromFile(change.path);
      if (page === null) continue;
      if (change.status !== 'M') pageSetChanged = true;
      latest.set(page, change.status === 'D' || change.newOid === undefined ? null : { oid: change.newOid, commit: entry.oid });
    }
  }
  const upserts = [...latest].filter((e): e is [string, { oid: string; commit: string }] => e[1] !== null);
  const blobs = await Promise.all(upserts.map(([, v]) => repo.readBlob(v.oid)));
  upserts.forEach(([path, v], i) => {
    const text = blobs[i]!.toString('utf8');
    const page = analyzePage(path, text, base);
    const input: PageInput = {
      path,
      key: pageKey(path),
      title: page.title,
      category: page.category,
      tags: page.tags,
      frontmatter: page.frontmatter,
      lastUpdated: page.lastUpdated,
      archived: page.archived,
      wordCount: page.wordCount,
      blob: v.oid,
      body: page.body,
      links: page.links.map((l) => ({ target: l.target, targetKey: l.targetKey, anchor: l.anchor, kind: l.kind })),
      lastCommit: v.commit,
    };
    batch.upserts.push(input);
  });
  for (const [path, v] of latest) if (v === null) batch.deletes.push(path);
  index.apply(batch);
  if (pageSetChanged) runtime.pageSetVersion++;
}
