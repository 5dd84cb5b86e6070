/**
 * History use cases: a page's history (following renames), diffs between revisions, blame, reverting a commit, and
 * the wiki's recent changes.
 */
import type { Actor } from '../auth/actor.js';
import { diffHunks, diffStats, mergeText, pagePathFromFile, unifiedDiff } from '../domain/index.js';
import { WikiError } from '../errors.js';
import type { BlameLine, FileChange, LogEntry, Repo, TreeEdit } from '../git/repo-store.js';
import type { HistoryEntry } from '../index/index-store.js';
import { commitMessage, commitPlanned, summarizeCommit } from './commit.js';
import { pageFileAt, pageTextAt, requirePage, resolveRevision } from './page-lookup.js';
import type { Services } from './services.js';
import { openWiki, type WikiRef } from './wiki-access.js';

export interface Paging {
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface PageHistoryInput extends WikiRef, Paging {
  path: string;
}

export async function pageHistory(services: Services, actor: Actor, input: PageHistoryInput): Promise<{ path: string; entries: HistoryEntry[] }> {
  const w = await openWiki(services, actor, input, 'read');
  const page = requirePage(w, input.path);
  const entries = w.index.history(page.path, { limit: clamp(input.limit, 50, 1000), offset: input.offset ?? 0 });
  return { path: page.path, entries };
}

export interface PageDiffInput extends WikiRef {
  path: string;
  from: string;
  to?: string | undefined;
}

/** The change to a page between two revisions (`to` defaults to the current one). */
export async function pageDiff(services: Services, actor: Actor, input: PageDiffInput) {
  const w = await openWiki(services, actor, input, 'read');
  const page = requirePage(w, input.path);
  const from = resolveRevision(w, input.from);
  const to = input.to !== undefined ? resolveRevision(w, input.to) : page.lastCommit.oid;
  const [a, b] = await Promise.all([pageTextAt(w, page, from), pageTextAt(w, page, to)]);
  if (a === null && b === null) {
    throw new WikiError('REVISION_NOT_FOUND', `Page "${page.path}" exists at neither ${from.slice(0, 7)} nor ${to.slice(0, 7)}.`, {
      from,
      to,
    });
  }
  const oldText = a ?? '';
  const newText = b ?? '';
  return {
    path: page.path,
    from,
    to,
    diff: unifiedDiff(oldText, newText, { oldLabel: `${page.path}@${from.slice(0, 7)}`, newLabel: `${page.path}@${to.slice(0, 7)}` }),
    hunks: diffHunks(oldText, newText),
    stats: diffStats(oldText, newText),
  };
}

export interface BlameInput extends WikiRef {
  path: string;
  revision?: string | undefined;
}

/** Each line of the page with the commit that last changed it. */
export async function pageBlame(services: Services, actor: Actor, input: BlameInput): Promise<{ path: string; revision: string; lines: BlameLine[] }> {
  const w = await openWiki(services, actor, input, 'read');
  const page = requirePage(w, input.path);
  const revision = input.revision !== undefined ? resolveRevision(w, input.revision) : page.lastCommit.oid;
  const file = await pageFileAt(w, page, revision);
  if (file) return { path: page.path, revision, lines: await w.repo.blame(revision, file.path) };
  throw new WikiError('REVISION_NOT_FOUND', `Page "${page.path}" did not exist at revision ${revision.slice(0, 7)}.`, { revision });
}

export interface RecentChangesInput extends WikiRef, Paging {
  since?: string | undefined;
}

export async function recentChanges(services: Services, actor: Actor, input: RecentChangesInput) {
  const w = await openWiki(services, actor, input, 'read');
  if (input.since !== undefined && Number.isNaN(Date.parse(input.since))) {
    throw new WikiError('INVALID_INPUT', `since must be an ISO date such as 2026-01-31, got "${input.since}".`);
  }
  const sets = w.index.recentChanges({
    limit: clamp(input.limit, 50, 500),
    offset: input.offset ?? 0,
    ...(input.since !== undefined ? { since: new Date(input.since).toISOString() } : {}),
  });
  return sets.map((c) => ({
    ...summarizeCommit(c),
    pages: c.changes.map((ch) => ({
      path: pagePathFromFile(ch.path) ?? ch.path,
      kind: pagePathFromFile(ch.path) === null ? ('attachment' as const) : ('page' as const),
      status: ch.status,
      oldPath: ch.oldPath === null ? null : (pagePathFromFile(ch.oldPath) ?? ch.oldPath),
    })),
  }));
}

export interface RevertInput extends WikiRef {
  commit: string;
  commitMessage?: string | undefined;
}

/**
 * Undoes one commit with a new commit. Files changed since are merged when the text allows it; otherwise the
 * revert is refused with the files that conflict, and nothing changes.
 */
export async function revertCommit(services: Services, actor: Actor, input: RevertInput) {
  const w = await openWiki(services, actor, input, 'write');
  const oid = resolveRevision(w, input.commit);
  const info = await w.repo.readCommit(oid);
  const entry = (await w.repo.log(info.parents[0] ?? null, oid)).find((e) => e.oid === oid);
  if (!entry) throw new WikiError('REVISION_NOT_FOUND', `Commit ${oid.slice(0, 7)} could not be read.`, { commit: oid });
  const subject = entry.message.split('\n')[0] ?? '';
  return commitPlanned(w, async (head) => {
    if (!head) throw new WikiError('NOTHING_TO_REVERT', 'The wiki is empty.');
    const edits: TreeEdit[] = [];
    const conflicts: string[] = [];
    for (const change of entry.changes) {
      const edit = await inverse(w.repo, head, change);
      if (edit === 'conflict') conflicts.push(change.path);
      else if (edit) edits.push(edit);
    }
    if (conflicts.length) {
      throw new WikiError('REVISION_CONFLICT', `Cannot revert ${oid.slice(0, 7)}: ${conflicts.join(', ')} changed since in ways that overlap.`, {
        commit: oid,
        files: conflicts,
      });
    }
    if (!edits.length) throw new WikiError('NOTHING_TO_REVERT', `Commit ${oid.slice(0, 7)} is already undone.`, { commit: oid });
    return {
      edits,
      message: commitMessage(actor, input.commitMessage, `Revert "${subject.replace(/^\[(api|mcp)\] /, '')}"\n\nThis reverts commit ${oid}.`, w.wiki),
      result: (commit: LogEntry | null) => ({
        reverted: oid,
        revision: commit?.oid ?? head,
        files: edits.map((e) => e.path),
        commit: commit ? summarizeCommit(commit) : null,
      }),
    };
  });
}


/** The edit that undoes one file change on top of `head`, null when already undone, or 'conflict'. */
async function inverse(repo: Repo, head: string, change: FileChange): Promise<TreeEdit | null | 'conflict'> {
  const current = await repo.readFile(head, change.path);
  const old = change.oldOid ? await repo.readBlob(change.oldOid) : null;
  switch (change.status) {
    case 'A':
      if (!current) return null;
      return current.oid === change.newOid ? { path: change.path, delete: true } : 'conflict';
    case 'D':
      if (current) return current.oid === change.oldOid ? null : 'conflict';
      return { path: change.path, content: old ?? Buffer.alloc(0) };
    case 'R': {
      const from = change.oldPath!;
      if (!current || current.oid !== change.newOid || (await repo.readFile(head, from))) return 'conflict';
      return { path: from, from: change.path, content: old ?? Buffer.alloc(0) };
    }
    case 'M': {
      if (!current) return 'conflict';
      if (current.oid === change.oldOid) return null;
      if (current.oid === change.newOid) return { path: change.path, content: old ?? Buffer.alloc(0) };
      if (pagePathFromFile(change.path) === null || !old || !change.newOid) return 'conflict';
      const base = (await repo.readBlob(change.newOid)).toString('utf8');
      const merged = mergeText(base, current.content.toString('utf8'), old.toString('utf8'));
      return merged.clean ? { path: change.path, content: merged.text } : 'conflict';
    }
  }
}

export function clamp(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new WikiError('INVALID_INPUT', `limit must be a positive whole number, got ${value}.`);
  return Math.min(value, max);
}
