/**
 * Page use cases: read, write with a base revision, edit by exact string or by section, delete and rename.
 * Every door (REST, MCP, web, git) goes through these, so the rules live here once.
 */
import type { Actor } from '../auth/actor.js';
import {
  editSection,
  mergeText,
  pageFile,
  pageKey,
  parsePagePath,
  readSection,
  renderMarkdown,
  replaceUnique,
  rewriteLinks,
  splitFrontmatter,
} from '../domain/index.js';
import { WikiError } from '../errors.js';
import type { LogEntry, TreeEdit } from '../git/repo-store.js';
import type { PageRow } from '../index/index-store.js';
import { attachmentsOf } from './attachments.js';
import { commitMessage, commitPlanned, summarizeCommit, type CommitSummary } from './commit.js';
import { baseTextAt, findPage, pageTextAt, requirePage, resolveRevision } from './page-lookup.js';
import { renderCached } from './render-cache.js';
import type { Services } from './services.js';
import { tierLimits } from './tiers.js';
import { openWiki, type OpenWiki, type WikiRef } from './wiki-access.js';


export interface PageView {
  path: string;
  title: string;
  /** Markdown: the whole file (front matter included), or the requested section. */
  content: string;
  frontmatter: Record<string, unknown>;
  /** The commit that last changed the page (or the requested revision): pass it back when writing. */
  revision: string;
  /** Set when a revision other than the current one was read. */
  currentRevision: string;
  section: string | null;
  html?: string;
  toc?: Array<{ level: number; text: string; id: string }>;
  linksTo: Array<{ target: string; anchor: string | null; exists: boolean }>;
  linkedFrom: string[];
  lastCommit: CommitSummary;
  /** The spelling the caller asked for when it differed from the stored one. */
  requestedPath: string | null;
}

export interface ReadPageInput extends WikiRef {
  path: string;
  revision?: string | undefined;
  section?: string | undefined;
  format?: 'markdown' | 'html' | undefined;
}


export async function readPage(services: Services, actor: Actor, input: ReadPageInput): Promise<PageView> {
  const w = await openWiki(services, actor, input, 'read');
  const page = requirePage(w, input.path);
  let text: string;
  let revision = page.lastCommit.oid;
  let commit = page.lastCommit;
  let blob = page.blob;
  if (input.revision !== undefined) {
    revision = resolveRevision(w, input.revision);
    const at = await pageTextAt(w, page, revision);
    if (at === null) {
      throw new WikiError('REVISION_NOT_FOUND', `Page "${page.path}" did not exist at revision ${revision.slice(0, 7)}.`, {
        path: page.path,
        revision: input.revision,
      });
    }
    text = at;
    commit = w.index.getCommit(revision) ?? commit;
    blob = `${revision}:${page.path}`;
  } else {
    const file = await w.repo.readBlob(page.blob);
    text = file.toString('utf8');
  }
  const { frontmatter, body } = splitFrontmatter(text);
  const section = input.section?.trim() ? input.section.trim() : null;
  const content = section === null ? text : readSection(body, section);
  const view: PageView = {
    path: page.path,
    title: page.title,
    content,
    frontmatter: input.revision === undefined ? page.frontmatter : frontmatter,
    revision,
    currentRevision: page.lastCommit.oid,
    section,
    linksTo: w.index.linksFrom(page.path).map((l) => ({ target: l.resolved ?? l.target, anchor: l.anchor, exists: l.resolved !== null })),
    linkedFrom: [...new Set(w.index.linksTo(page.path).map((l) => l.source))].filter((s) => s !== page.path),
    lastCommit: summarizeCommit(commit),
    requestedPath: page.path === input.path ? null : input.path,
  };
  if (input.format === 'html') {
    const rendered = renderCached(w, section === null ? blob : `${blob}#${section}`, section === null ? body : content);
    view.html = rendered.html;
    view.toc = rendered.toc;
  }
  return view;
}

/** Renders markdown of this wiki (links resolved against its pages), for previews. */
export async function renderPreview(services: Services, actor: Actor, ref: WikiRef, markdown: string) {
  const w = await openWiki(services, actor, ref, 'read');
  const { body } = splitFrontmatter(markdown);
  return renderMarkdown(body, { ...w.base, resolvePage: (key) => w.index.findByKey(key)[0]?.path ?? null });
}

export interface WriteResult {
  path: string;
  revision: string;
  created: boolean;
  /** False when the content was already the same (nothing committed). */
  changed: boolean;
  /** True when the write was based on an older revision and merged with changes made since. */
  merged: boolean;
  commit: CommitSummary | null;
}

export interface WritePageInput extends WikiRef {
  path: string;
  content: string;
  revision?: string | undefined;
  commitMessage?: string | undefined;
}

/**
 * Creates or updates a page. Updating needs the revision the caller read: unchanged since → written; changed by
 * someone else → three-way merged when clean, else REVISION_CONFLICT with the current revision.
 */
export async function writePage(services: Services, actor: Actor, input: WritePageInput): Promise<WriteResult> {
  const path = parsePagePath(input.path);
  checkContent(services, input.content);
  const w = await openWiki(services, actor, input, 'write');
  return writeMerged(w, path, input.revision, input.commitMessage, input.content, () => input.content);
}

export interface EditPageInput extends WikiRef {
  path: string;
  revision: string;
  oldString: string;
  newString: string;
  commitMessage?: string | undefined;
}

/**
 * Replaces one exact, unique string. The match is made against the revision the caller read, then merged into
 * the current page, so an edit is never applied to text its author has not seen.
 */
export async function editPage(services: Services, actor: Actor, input: EditPageInput): Promise<WriteResult> {
  const path = parsePagePath(input.path);
  checkContent(services, input.newString);
  const w = await openWiki(services, actor, input, 'write');
  return writeMerged(w, path, input.revision, input.commitMessage, null, async (page) => {
    const base = await baseTextAt(w, page, input.revision);
    const next = replaceUnique(base, input.oldString, input.newString);
    checkContent(services, next);
    return next;
  });
}

export interface EditSectionInput extends WikiRef {
  path: string;
  revision: string;
  section: string;
  mode: 'replace' | 'append' | 'prepend';
  content: string;
  commitMessage?: string | undefined;
}

/** Replaces, appends to or prepends to one section (by heading path), based on the revision the caller read. */
export async function editPageSection(services: Services, actor: Actor, input: EditSectionInput): Promise<WriteResult> {
  const path = parsePagePath(input.path);
  checkContent(services, input.content);
  const w = await openWiki(services, actor, input, 'write');
  return writeMerged(w, path, input.revision, input.commitMessage, null, async (page) => {
    const base = await baseTextAt(w, page, input.revision);
    const { body } = splitFrontmatter(base);
    const head = base.slice(0, base.length - body.length);
    const next = head + editSection(body, input.section, input.mode, input.content);
    checkContent(services, next);
    return next;
  });
}

/**
 * The shared write path: decide against the current head, merge when the base is stale, commit. `createContent` is
 * what a missing page is created with (null: the page must exist); `contentFor` gives the wanted text of an existing
 * page, computed from the caller's base revision.
 */
async function writeMerged(
  w: OpenWiki,
  path: string,
  revision: string | undefined,
  message: string | undefined,
  createContent: string | null,
  contentFor: (page: PageRow) => string | Promise<string>,
): Promise<WriteResult> {
  return commitPlanned(w, async () => {
    const page = findPage(w, path);
    if (!page) {
      if (createContent === null) requirePage(w, path);
      if (revision !== undefined) {
        resolveRevision(w, revision);
        throw new WikiError('REVISION_CONFLICT', `Page "${path}" no longer exists (it was deleted or renamed after revision ${revision}).`, {
          path,
          current_revision: null,
        });
      }
      const limits = tierLimits(w);
      const count = w.index.countPages();
      if (count >= limits.pagesPerWiki) {
        throw new WikiError('QUOTA_EXCEEDED', `This wiki has ${count} pages, the limit of its tier (${limits.pagesPerWiki}).`, {
          limit: 'pages_per_wiki',
          usage: count,
          max: limits.pagesPerWiki,
        });
      }
      return planWrite(w, path, createContent ?? '', null, message, true, false);
    }
    const current = (await w.repo.readBlob(page.blob)).toString('utf8');
    if (revision === undefined) {
      throw new WikiError(
        'REVISION_CONFLICT',
        `Page "${page.path}" already exists (revision ${short(page)}). Read it and pass its revision to overwrite it.`,
        { path: page.path, current_revision: page.lastCommit.oid },
      );
    }
    const wanted = await contentFor(page);
    const oid = resolveRevision(w, revision);
    // Same text as now: nothing to commit (the repository would otherwise record an empty commit).
    if (wanted === current) return planWrite(w, page.path, wanted, page, message, false, false, true);
    if (oid === page.lastCommit.oid) return planWrite(w, page.path, wanted, page, message, false, false);
    const base = await baseTextAt(w, page, oid);
    const merge = mergeText(base, current, wanted);
    if (!merge.clean) {
      throw new WikiError(
        'REVISION_CONFLICT',
        `Page "${page.path}" changed since revision ${oid.slice(0, 7)} (now at ${short(page)}) and the changes overlap. Read it again and reapply your change.`,
        { path: page.path, current_revision: page.lastCommit.oid, your_revision: oid },
      );
    }
    return planWrite(w, page.path, merge.text, page, message, false, true, merge.text === current);
  });
}

function planWrite(
  w: OpenWiki,
  path: string,
  content: string,
  page: PageRow | null,
  message: string | undefined,
  created: boolean,
  merged: boolean,
  unchanged = false,
) {
  const verb = created ? 'Create' : 'Update';
  return {
    edits: unchanged ? [] : [{ path: pageFile(path), content }],
    // Nothing to commit needs no message (a wiki that requires one must not refuse a save that changes nothing).
    message: unchanged ? '' : commitMessage(w.actor, message, `${verb}: ${path}`, w.wiki),
    result: (commit: LogEntry | null): WriteResult => {
      const now = page && !commit ? page.lastCommit.oid : (commit?.oid ?? '');
      return {
        path,
        revision: now,
        created: created && commit !== null,
        changed: commit !== null,
        merged: merged && commit !== null,
        commit: commit ? summarizeCommit(commit) : page ? summarizeCommit(page.lastCommit) : null,
      };
    },
  };
}

const short = (page: PageRow) => page.lastCommit.oid.slice(0, 7);

/** Refuses content that is too long or not well-formed text. */
export function checkContent(services: Services, content: string): void {
  if (typeof content !== 'string') throw new WikiError('INVALID_INPUT', 'content must be a string.');
  const max = services.config.maxPageChars;
  if (content.length > max) {
    throw new WikiError('PAYLOAD_TOO_LARGE', `The page is ${content.length} characters long; the limit is ${max}.`, {
      length: content.length,
      max,
    });
  }
  if (!content.isWellFormed()) throw new WikiError('INVALID_INPUT', 'The content is not valid Unicode text (lone surrogate).');
  if (content.includes('\0')) throw new WikiError('INVALID_INPUT', 'The content contains a NUL character; pages are text.');
}

export interface DeletePageInput extends WikiRef {
  path: string;
  revision?: string | undefined;
  commitMessage?: string | undefined;
  /** Also delete every page below this one (`Path/…`) with their attachments (default false). */
  withSubpages?: boolean | undefined;
}

/**
 * Deletes a page and its attachments in one commit, and with `withSubpages` every page below it with theirs. With a
 * revision, refuses if the page changed since.
 */
export async function deletePage(services: Services, actor: Actor, input: DeletePageInput) {
  const w = await openWiki(services, actor, input, 'write');
  requirePage(w, input.path);
  return commitPlanned(w, async (head) => {
    const page = requirePage(w, input.path);
    if (input.revision !== undefined && resolveRevision(w, input.revision) !== page.lastCommit.oid) {
      throw new WikiError('REVISION_CONFLICT', `Page "${page.path}" changed since revision ${input.revision}; read it again before deleting it.`, {
        path: page.path,
        current_revision: page.lastCommit.oid,
      });
    }
    // Pages below it at any depth; the prefix ignores case, as page lookups do.
    const subpages = input.withSubpages === true ? w.index.listPages({ prefix: `${page.path}/` }) : [];
    const attachments = head ? await attachmentsOf(w, head, page.path) : [];
    const edits: TreeEdit[] = [{ path: pageFile(page.path), delete: true }, ...attachments.map((a) => ({ path: a.path, delete: true as const }))];
    for (const sub of subpages) {
      edits.push({ path: pageFile(sub.path), delete: true });
      for (const a of head ? await attachmentsOf(w, head, sub.path) : []) edits.push({ path: a.path, delete: true });
    }
    const also = subpages.length ? ` (and ${subpages.length} sub-page${subpages.length === 1 ? '' : 's'})` : '';
    return {
      edits,
      message: commitMessage(actor, input.commitMessage, `Delete: ${page.path}${also}`, w.wiki),
      result: (commit: LogEntry | null) => ({
        path: page.path,
        deletedAttachments: attachments.map((a) => a.name),
        deletedSubpages: subpages.map((p) => p.path),
        commit: commit ? summarizeCommit(commit) : null,
      }),
    };
  });
}

export interface RenamePageInput extends WikiRef {
  path: string;
  newPath: string;
  commitMessage?: string | undefined;
  /** Rewrite links to the page in other pages (default true). */
  updateLinks?: boolean | undefined;
}

/** Renames a page, moves its attachment folder and rewrites every link to it, all in one commit. */
export async function renamePage(services: Services, actor: Actor, input: RenamePageInput) {
  const newPath = parsePagePath(input.newPath);
  const w = await openWiki(services, actor, input, 'write');
  return commitPlanned(w, async (head) => {
    const page = requirePage(w, input.path);
    if (page.path === newPath) throw new WikiError('INVALID_INPUT', `"${page.path}" already has that name.`);
    const clash = findPage(w, newPath);
    if (clash && clash.path !== page.path) {
      throw new WikiError('PAGE_EXISTS', `Cannot rename "${page.path}" to "${newPath}": page "${clash.path}" already exists.`, {
        path: newPath,
        existing: clash.path,
      });
    }
    if (pageKey(newPath).startsWith(pageKey(page.path) + '/')) {
      throw new WikiError('INVALID_INPUT', `Cannot move "${page.path}" into its own attachment folder.`);
    }
    const edits: TreeEdit[] = [];
    const own = (await w.repo.readBlob(page.blob)).toString('utf8');
    const self = rewriteLinks(own, page.path, newPath, w.base);
    edits.push({ path: pageFile(newPath), from: pageFile(page.path), content: self.text });
    for (const a of head ? await attachmentsOf(w, head, page.path) : []) {
      edits.push({ path: `${newPath}/${a.name}`, from: a.path });
    }
    const rewritten: string[] = [];
    if (input.updateLinks !== false) {
      const sources = [...new Set(w.index.linksTo(page.path).map((l) => l.source))].filter((s) => s !== page.path);
      for (const source of sources) {
        const row = w.index.getPage(source);
        if (!row) continue;
        const text = (await w.repo.readBlob(row.blob)).toString('utf8');
        const next = rewriteLinks(text, page.path, newPath, w.base);
        if (next.count > 0 && next.text !== text) {
          edits.push({ path: pageFile(source), content: next.text });
          rewritten.push(source);
        }
      }
    }
    return {
      edits,
      message: commitMessage(actor, input.commitMessage, `Rename: ${page.path} -> ${newPath}`, w.wiki),
      result: (commit: LogEntry | null) => ({
        path: newPath,
        oldPath: page.path,
        revision: commit?.oid ?? page.lastCommit.oid,
        rewritten,
        commit: commit ? summarizeCommit(commit) : null,
      }),
    };
  });
}
