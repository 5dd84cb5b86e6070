/**
 * Attachments: files of page `A/B` live in folder `A/B/` beside its sub-pages. Upload, list, download (also at a
 * revision), rename and delete, within the tier's size limits.
 */
import type { Actor } from '../auth/actor.js';
import { attachmentFolder, parseAttachmentName, pagePathFromFile } from '../domain/index.js';
import { WikiError } from '../errors.js';
import type { FileEntry, LogEntry } from '../git/repo-store.js';
import type { PageRow } from '../index/index-store.js';
import { commitMessage, commitPlanned, summarizeCommit } from './commit.js';
import { pageFileAt, requirePage, resolveRevision } from './page-lookup.js';
import type { Services } from './services.js';
import { tierLimits } from './tiers.js';
import { openWiki, type OpenWiki, type WikiRef } from './wiki-access.js';

export interface AttachmentInfo {
  name: string;
  /** File path in the repository. */
  path: string;
  size: number;
  mimeType: string;
  /** The content's blob id: it changes exactly when the content does (thumbnail URLs carry it to be cached for good). */
  oid: string;
}

/** Files directly in the page's folder that are not pages. */
export async function attachmentsOf(w: OpenWiki, commit: string, pagePath: string): Promise<AttachmentInfo[]> {
  const folder = attachmentFolder(pagePath);
  const files = await w.repo.listFiles(commit, folder.slice(0, -1), { recursive: false });
  return files.filter((f) => pagePathFromFile(f.path) === null).map((f) => toInfo(f, folder));
}

function toInfo(f: FileEntry, folder: string): AttachmentInfo {
  const name = f.path.slice(folder.length);
  return { name, path: f.path, size: f.size, mimeType: mimeTypeOf(name), oid: f.oid };
}

export interface AttachmentRef extends WikiRef {
  path: string;
}

export async function listAttachments(services: Services, actor: Actor, input: AttachmentRef): Promise<AttachmentInfo[]> {
  const w = await openWiki(services, actor, input, 'read');
  const page = requirePage(w, input.path);
  const head = w.repo.head();
  return head ? attachmentsOf(w, head, page.path) : [];
}

/** When an attachment last changed, and by whom (from the index's change log). */
export interface AttachmentChange {
  oid: string;
  date: string;
  authorName: string;
  message: string;
}

/** The page's attachments with the commit that last changed each: for listings that show dates. */
export async function listAttachmentDetails(
  services: Services,
  actor: Actor,
  input: AttachmentRef,
): Promise<Array<AttachmentInfo & { lastChange: AttachmentChange | null }>> {
  const w = await openWiki(services, actor, input, 'read');
  const page = requirePage(w, input.path);
  const head = w.repo.head();
  const list = head ? await attachmentsOf(w, head, page.path) : [];
  return list.map((a) => {
    const last = w.index.fileHistory(a.path, { limit: 1 })[0];
    return { ...a, lastChange: last ? { oid: last.oid, date: last.date, authorName: last.authorName, message: last.message } : null };
  });
}

export interface AttachmentHistoryInput extends AttachmentRef {
  filename: string;
  limit?: number | undefined;
}

/**
 * Commits that changed one attachment, newest first, following its renames; each with the name it had then (what
 * `downloadAttachment` takes with `revision`). A deleted attachment keeps its history.
 */
export async function attachmentHistory(services: Services, actor: Actor, input: AttachmentHistoryInput) {
  const name = parseAttachmentName(input.filename);
  const w = await openWiki(services, actor, input, 'read');
  const page = requirePage(w, input.path);
  const folder = attachmentFolder(page.path);
  const entries = w.index.fileHistory(folder + name, { limit: Math.min(Math.max(input.limit ?? 200, 1), 500) });
  if (entries.length === 0) {
    throw new WikiError('ATTACHMENT_NOT_FOUND', `Page "${page.path}" has no attachment "${name}", now or in its history.`, { path: page.path, filename: name });
  }
  return {
    path: page.path,
    name,
    entries: entries.map((e) => {
      const slash = e.path.lastIndexOf('/');
      return {
        oid: e.oid,
        date: e.date,
        authorName: e.authorName,
        message: e.message,
        status: e.status,
        /** The file name at that commit; its folder, when it was elsewhere (the page was renamed since). */
        name: e.path.slice(slash + 1),
        folder: slash < 0 ? '' : e.path.slice(0, slash),
        oldName: e.oldPath === null ? null : e.oldPath.slice(e.oldPath.lastIndexOf('/') + 1),
      };
    }),
  };
}

export interface UploadInput extends AttachmentRef {
  /** The name to store the file under (any name: the uploader may rename the file it picked). */
  filename: string;
  content: Buffer;
  commitMessage?: string | undefined;
  /** Whether a file of the same name is replaced (the default, as before) or the upload refused with PAGE_EXISTS. */
  replace?: boolean | undefined;
}

/**
 * Adds or replaces an attachment; refuses files over the tier's per-file or per-wiki limits, and with `replace: false`
 * a name the page already has.
 */
export async function uploadAttachment(services: Services, actor: Actor, input: UploadInput) {
  const name = parseAttachmentName(input.filename);
  const w = await openWiki(services, actor, input, 'upload');
  const limits = tierLimits(w);
  if (input.content.length > limits.attachmentBytes) {
    throw new WikiError(
      'PAYLOAD_TOO_LARGE',
      `${name} is ${input.content.length} bytes; the largest attachment this wiki's tier allows is ${limits.attachmentBytes} bytes.`,
      { limit: 'attachment_bytes', size: input.content.length, max: limits.attachmentBytes },
    );
  }
  return commitPlanned(w, async (head) => {
    const page = requirePage(w, input.path);
    const path = `${attachmentFolder(page.path)}${name}`;
    const all = head ? await w.repo.listFiles(head) : [];
    if (input.replace === false && all.some((f) => f.path === path)) {
      throw new WikiError('PAGE_EXISTS', `Page "${page.path}" already has an attachment "${name}": choose to replace it, or give the file another name.`, {
        path: page.path,
        filename: name,
      });
    }
    const used = all.filter((f) => pagePathFromFile(f.path) === null && f.path !== path).reduce((n, f) => n + f.size, 0);
    if (used + input.content.length > limits.attachmentBytesPerWiki) {
      throw new WikiError(
        'QUOTA_EXCEEDED',
        `Attachments would take ${used + input.content.length} bytes; this wiki's tier allows ${limits.attachmentBytesPerWiki}.`,
        { limit: 'attachment_bytes_per_wiki', usage: used, max: limits.attachmentBytesPerWiki },
      );
    }
    return {
      edits: [{ path, content: input.content }],
      message: commitMessage(actor, input.commitMessage, `Upload: ${path}`, w.wiki),
      result: (commit: LogEntry | null) => ({
        name,
        path,
        size: input.content.length,
        mimeType: mimeTypeOf(name),
        changed: commit !== null,
        commit: commit ? summarizeCommit(commit) : null,
      }),
    };
  });
}

export interface DownloadInput extends AttachmentRef {
  filename: string;
  revision?: string | undefined;
}

/** Where one attachment is, now or at a revision, after the read check: shared by downloads and thumbnails. */
interface AttachmentLocation {
  w: OpenWiki;
  name: string;
  /** File path in the repository at `commit`. */
  path: string;
  commit: string | null;
  notFound: () => WikiError;
}

async function locateAttachment(services: Services, actor: Actor, input: DownloadInput): Promise<AttachmentLocation> {
  const name = parseAttachmentName(input.filename);
  const w = await openWiki(services, actor, input, 'read');
  const page = requirePage(w, input.path);
  const commit = input.revision !== undefined ? resolveRevision(w, input.revision) : w.repo.head();
  const folderPage = commit && input.revision !== undefined ? await pagePathAt(w, page, commit) : page.path;
  const path = `${attachmentFolder(folderPage)}${name}`;
  const notFound = () => {
    const at = input.revision !== undefined && commit ? ` at revision ${input.revision.trim()}` : '';
    const then = folderPage !== page.path ? ` (the page was "${folderPage}" then)` : '';
    return new WikiError('ATTACHMENT_NOT_FOUND', `Page "${page.path}" has no attachment "${name}"${at}${then}.`, {
      path: page.path,
      filename: name,
      ...(input.revision !== undefined && commit ? { revision: commit } : {}),
    });
  };
  return { w, name, path, commit, notFound };
}

/**
 * One attachment's bytes, now or at `revision`. At a revision the page's folder is the one it had then: a page renamed
 * since kept its files under its old name in older commits.
 */
export async function downloadAttachment(services: Services, actor: Actor, input: DownloadInput) {
  const { w, name, path, commit, notFound } = await locateAttachment(services, actor, input);
  const file = commit ? await w.repo.readFile(commit, path) : null;
  if (!file) throw notFound();
  return { name, path, content: file.content, size: file.content.length, mimeType: mimeTypeOf(name), oid: file.oid };
}

/**
 * One attachment's name, size and blob id (now or at `revision`, with the same access rule as `downloadAttachment`),
 * and a way to read its bytes: for callers that decide from the size or blob id before reading (thumbnails).
 */
export async function attachmentEntry(services: Services, actor: Actor, input: DownloadInput) {
  const { w, path, commit, notFound } = await locateAttachment(services, actor, input);
  const slash = path.lastIndexOf('/');
  const entry = commit ? (await w.repo.listFiles(commit, path.slice(0, slash), { recursive: false })).find((f) => f.path === path) : undefined;
  if (!entry) throw notFound();
  return { ...toInfo(entry, path.slice(0, slash + 1)), read: () => w.repo.readBlob(entry.oid) };
}

/** The page's path at `commit` (following renames back); its current path when it did not exist then. */
async function pagePathAt(w: OpenWiki, page: PageRow, commit: string): Promise<string> {
  const file = await pageFileAt(w, page, commit);
  return (file && pagePathFromFile(file.path)) ?? page.path;
}

export interface ChangeAttachmentInput extends AttachmentRef {
  filename: string;
  commitMessage?: string | undefined;
}

export async function deleteAttachment(services: Services, actor: Actor, input: ChangeAttachmentInput) {
  const name = parseAttachmentName(input.filename);
  const w = await openWiki(services, actor, input, 'upload');
  return commitPlanned(w, async (head) => {
    const page = requirePage(w, input.path);
    const path = `${attachmentFolder(page.path)}${name}`;
    if (!head || !(await w.repo.readFile(head, path))) {
      throw new WikiError('ATTACHMENT_NOT_FOUND', `Page "${page.path}" has no attachment "${name}".`, { path: page.path, filename: name });
    }
    return {
      edits: [{ path, delete: true as const }],
      message: commitMessage(actor, input.commitMessage, `Delete attachment: ${path}`, w.wiki),
      result: (commit: LogEntry | null) => ({ name, path, commit: commit ? summarizeCommit(commit) : null }),
    };
  });
}

export async function renameAttachment(services: Services, actor: Actor, input: ChangeAttachmentInput & { newFilename: string }) {
  const name = parseAttachmentName(input.filename);
  const newName = parseAttachmentName(input.newFilename);
  const w = await openWiki(services, actor, input, 'upload');
  return commitPlanned(w, async (head) => {
    const page = requirePage(w, input.path);
    const folder = attachmentFolder(page.path);
    if (!head || !(await w.repo.readFile(head, folder + name))) {
      throw new WikiError('ATTACHMENT_NOT_FOUND', `Page "${page.path}" has no attachment "${name}".`, { path: page.path, filename: name });
    }
    if (await w.repo.readFile(head, folder + newName)) {
      throw new WikiError('PAGE_EXISTS', `Page "${page.path}" already has an attachment "${newName}".`, { filename: newName });
    }
    return {
      edits: [{ path: folder + newName, from: folder + name }],
      message: commitMessage(actor, input.commitMessage, `Rename attachment: ${folder + name} -> ${newName}`, w.wiki),
      result: (commit: LogEntry | null) => ({ name: newName, path: folder + newName, commit: commit ? summarizeCommit(commit) : null }),
    };
  });
}

const MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  txt: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  zip: 'application/zip',
};

export function mimeTypeOf(name: string): string {
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  return MIME[ext] ?? 'application/octet-stream';
}
