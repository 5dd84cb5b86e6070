/**
 * One commit as a reader sees it: message, author, date, and each file it changed with the diff of pages (text) and
 * the status of attachments. Backs the web wiki's `-/commit/<sha>` view.
 */
import type { Actor } from '../auth/actor.js';
import { diffHunks, diffStats, pagePathFromFile, type DiffHunk } from '../domain/index.js';
import { WikiError } from '../errors.js';
import { resolveRevision } from './page-lookup.js';
import type { Services } from './services.js';
import { openWiki, type WikiRef } from './wiki-access.js';

export interface CommitFileView {
  /** Page path for pages (no `.md`), file path for attachments. */
  path: string;
  kind: 'page' | 'attachment';
  status: 'A' | 'M' | 'D' | 'R';
  oldPath: string | null;
  /** Page changes only; null for attachments, and for pages too large to diff here. */
  hunks: DiffHunk[] | null;
  stats: { added: number; removed: number } | null;
}

/** Pages larger than this are listed without their diff (the page's own diff view still shows it). */
const MAX_DIFF_BYTES = 512 * 1024;
const MAX_DIFFED_FILES = 100;

export interface CommitViewInput extends WikiRef {
  commit: string;
}

export async function commitDetails(services: Services, actor: Actor, input: CommitViewInput) {
  const w = await openWiki(services, actor, input, 'read');
  const oid = resolveRevision(w, input.commit);
  const info = await w.repo.readCommit(oid);
  const entry = (await w.repo.log(info.parents[0] ?? null, oid)).find((e) => e.oid === oid);
  if (!entry) throw new WikiError('REVISION_NOT_FOUND', `Commit ${oid.slice(0, 7)} could not be read.`, { commit: oid });
  const text = async (blob: string | undefined) => (blob ? (await w.repo.readBlob(blob)).toString('utf8') : '');
  const files: CommitFileView[] = [];
  for (const [i, ch] of entry.changes.entries()) {
    const page = pagePathFromFile(ch.path);
    const oldPath = ch.oldPath === undefined ? null : (pagePathFromFile(ch.oldPath) ?? ch.oldPath);
    const base = { path: page ?? ch.path, kind: page === null ? ('attachment' as const) : ('page' as const), status: ch.status, oldPath };
    if (page === null || i >= MAX_DIFFED_FILES) {
      files.push({ ...base, hunks: null, stats: null });
      continue;
    }
    const [a, b] = await Promise.all([text(ch.oldOid), text(ch.newOid)]);
    if (a.length + b.length > MAX_DIFF_BYTES) files.push({ ...base, hunks: null, stats: null });
    else files.push({ ...base, hunks: diffHunks(a, b), stats: diffStats(a, b) });
  }
  return {
    oid,
    parents: info.parents,
    authorName: info.authorName,
    authorEmail: info.authorEmail,
    date: info.date,
    message: info.message,
    files,
  };
}
