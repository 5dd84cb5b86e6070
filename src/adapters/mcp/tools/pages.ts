/**
 * Page tools: read one or several pages, write a whole page, edit an exact passage or a section, rename, delete.
 * Every call goes to the page use cases; this file only words their answers for a model.
 */
import { z } from 'zod';
import { isWikiError, type ErrorCode } from '../../../errors.js';
import * as uc from '../../../usecases/index.js';
import type { PageView, WriteResult } from '../../../usecases/index.js';
import { MCP_ERROR_ADVICE } from '../error-table.js';
import { commitLine, commitMessageParam, opt, pathParam, revisionParam } from '../params.js';
import { defineTool, type ToolContext } from '../tool.js';

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

const PER_PAGE_ERRORS = new Set<ErrorCode>(['PAGE_NOT_FOUND', 'INVALID_PATH', 'REVISION_NOT_FOUND', 'SECTION_NOT_FOUND']);

function formatPage(view: PageView): string {
  const lines = [`path: ${view.path}`, `title: ${view.title}`];
  if (view.requestedPath !== null) lines.push(`(you asked for "${view.requestedPath}"; this is its stored spelling)`);
  if (view.revision !== view.currentRevision) {
    lines.push(`revision: ${view.revision} (an older revision; the current one is ${view.currentRevision})`);
  } else {
    lines.push(`revision: ${view.revision} (pass it to write_note, edit_note or edit_section)`);
  }
  lines.push(`last change: ${commitLine(view.lastCommit)}`);
  const out = view.linksTo.map((l) => `${l.target}${l.anchor ? `#${l.anchor}` : ''}${l.exists ? '' : ' (missing)'}`);
  lines.push(`links out: ${out.length ? [...new Set(out)].join(', ') : '(none)'}`);
  lines.push(`linked from: ${view.linkedFrom.length ? view.linkedFrom.join(', ') : '(none — an orphan; link it from a related page)'}`);
  if (view.section !== null) lines.push(`section: ${view.section}`);
  lines.push('', view.content);
  return lines.join('\n');
}

function formatWrite(r: WriteResult, verb: string): string {
  if (!r.changed) return `No change: "${r.path}" already had this content (revision ${r.revision}). Nothing was committed.`;
  const what = r.created ? `Created "${r.path}"` : `${verb} "${r.path}"`;
  const merged = r.merged ? ' Your change was merged with changes others made since your revision; read_note it to see the result.' : '';
  return `${what}; its revision is now ${r.revision} (use it for your next change to this page).${merged}\ncommit: ${r.commit ? commitLine(r.commit) : ''}`;
}

const writeStructured = (r: WriteResult) => ({ path: r.path, revision: r.revision, created: r.created, changed: r.changed, merged: r.merged });

const readNote = defineTool({
  name: 'read_note',
  title: 'Read a page',
  summary:
    'Reads one page of the wiki: its front matter, revision, links out and in, and markdown content — the whole page, or one section by heading path. Read a page before changing it: every write needs the revision this returns.',
  params: {
    path: pathParam('The page path, folders separated by "/", spaces as "_" (case is forgiven when unambiguous), e.g. "Home" or "Actors/Iran_Regime".'),
    revision: revisionParam('Read the page as it was at this revision (a commit id from get_history), e.g. "3f2a9c1". Omit for the current page.').optional(),
    section: z
      .string({ invalid_type_error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(1000, 'is longer than 1000 characters')
      .optional()
      .describe('Only this section, by heading path joined with " > ", e.g. "Background > Military Strategy". An unknown section lists the available ones.'),
  },
  returns:
    'Plain text: path, title, revision (the full commit id to pass back when writing), last change, links out (missing targets marked), pages linking here, then the markdown (front matter included for a whole page).',
  next: 'Change it with edit_note (one passage), edit_section (one section) or write_note (whole page), passing the revision. Follow links with read_note or read_notes.',
  annotations: READ,
  async run(ctx, a) {
    const view = await uc.readPage(ctx.services, ctx.actor, { ...(await ctx.wiki()), path: a.path, ...opt('revision', a.revision?.trim()), ...opt('section', a.section) });
    return { text: formatPage(view) };
  },
});

const readNotes = defineTool({
  name: 'read_notes',
  title: 'Read several pages',
  summary: 'Reads up to 10 pages in one call, each exactly as read_note shows it. A page that cannot be read gets its error in place; the others are still returned.',
  params: {
    paths: z
      .array(pathParam('A page path.'), { invalid_type_error: 'must be an array of page paths' })
      .min(1, 'must name at least one page')
      .max(10, 'may name at most 10 pages; split the list over several calls')
      .describe('1 to 10 page paths, e.g. ["Home", "Meta/Wiki_Usage_Guide"].'),
  },
  returns: 'Plain text: each page as read_note returns it (path, title, revision, links, content), separated by lines of "=====".',
  next: 'Change a page with edit_note, edit_section or write_note, passing the revision shown for that page.',
  annotations: READ,
  async run(ctx, a) {
    const ref = await ctx.wiki();
    const settled = await Promise.allSettled(a.paths.map(async (path) => formatPage(await uc.readPage(ctx.services, ctx.actor, { ...ref, path }))));
    // A page-level problem stays with its page; anything about the wiki or the connection fails the whole call.
    const parts = settled.map((s, i) => {
      if (s.status === 'fulfilled') return s.value;
      const err: unknown = s.reason;
      if (!isWikiError(err) || !PER_PAGE_ERRORS.has(err.code)) throw err;
      return `path: ${a.paths[i]}\nerror: ${MCP_ERROR_ADVICE[err.code](err)}`;
    });
    if (settled.every((s) => s.status === 'rejected')) throw (settled[0] as PromiseRejectedResult).reason;
    return { text: parts.join('\n\n=====\n\n') };
  },
});

const writeNote = defineTool({
  name: 'write_note',
  title: 'Create or replace a page',
  summary:
    'Creates a new page, or replaces the whole content of an existing one. To overwrite, pass the revision you read: if someone changed the page since, non-overlapping changes are merged and overlapping ones are refused. Prefer edit_note or edit_section for small changes. Start new pages from Meta/Page_Template (front matter with title, category, tags, last_updated) and link them from a related page.',
  params: {
    path: pathParam('The page to create or replace, e.g. "Actors/Iran_Regime" (folders with "/", "_" for spaces).'),
    content: z
      .string({ invalid_type_error: 'must be a string of markdown' })
      .describe('The complete markdown of the page, front matter included, e.g. "---\\ntitle: Iran Regime\\ncategory: actor\\ntags: [iran]\\n---\\n# Iran Regime\\n\\nSummary… See [[Events/Summit_2026]]."'),
    revision: revisionParam('Required to overwrite an existing page: the revision read_note returned, e.g. "3f2a9c1d". Omit when creating a page.').optional(),
    commit_message: commitMessageParam,
  },
  returns: 'Plain text: created or updated, the new revision, whether it was merged with others\' changes, and the commit.',
  next: 'Link the page from a related or index page (edit_note there) if nothing links to it yet; use the new revision for further changes.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  async run(ctx, a) {
    const r = await uc.writePage(ctx.services, ctx.actor, {
      ...(await ctx.wiki()),
      path: a.path,
      content: a.content,
      ...opt('revision', a.revision?.trim()),
      ...opt('commitMessage', a.commit_message),
    });
    return { text: formatWrite(r, 'Updated'), structured: writeStructured(r) };
  },
});

const editNote = defineTool({
  name: 'edit_note',
  title: 'Replace one passage of a page',
  summary:
    'Replaces one exact passage of a page with new text. old_string must occur exactly once in the revision you read (the error says how many times it occurs otherwise); changes others made elsewhere since are merged.',
  params: {
    path: pathParam('The page to edit, e.g. "Actors/Iran_Regime".'),
    revision: revisionParam('The revision read_note returned for this page, e.g. "3f2a9c1d".'),
    old_string: z
      .string({ invalid_type_error: 'must be a string' })
      .min(1, 'must not be empty: give the exact text to replace')
      .describe('The exact text to replace, copied from the page, with enough context to be unique, e.g. "GDP growth was 2% in 2025."'),
    new_string: z.string({ invalid_type_error: 'must be a string' }).describe('The text to put in its place (may be empty to delete the passage), e.g. "GDP growth was 2.4% in 2025 (revised)."'),
    commit_message: commitMessageParam,
  },
  returns: 'Plain text: the new revision, whether it was merged, and the commit.',
  next: 'Use the new revision for further edits of this page; read_note it again if the answer says it was merged.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  async run(ctx, a) {
    const r = await uc.editPage(ctx.services, ctx.actor, {
      ...(await ctx.wiki()),
      path: a.path,
      revision: a.revision.trim(),
      oldString: a.old_string,
      newString: a.new_string,
      ...opt('commitMessage', a.commit_message),
    });
    return { text: formatWrite(r, 'Edited'), structured: writeStructured(r) };
  },
});

const editSection = defineTool({
  name: 'edit_section',
  title: 'Replace, append to or prepend to a section',
  summary:
    'Changes one section of a page, found by its heading path: replace its body, append to it or prepend to it. Based on the revision you read; changes others made elsewhere since are merged.',
  params: {
    path: pathParam('The page to edit, e.g. "Trends/Oil_Prices".'),
    revision: revisionParam('The revision read_note returned for this page, e.g. "3f2a9c1d".'),
    section: z
      .string({ invalid_type_error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(1000, 'is longer than 1000 characters')
      .describe('The section by heading path joined with " > ", e.g. "Background > Military Strategy" (a unique heading alone also works).'),
    mode: z
      .enum(['replace', 'append', 'prepend'], { errorMap: () => ({ message: 'must be "replace", "append" or "prepend"' }) })
      .describe('"replace" the section\'s content (its heading stays), "append" at its end or "prepend" at its start, e.g. "append".'),
    content: z.string({ invalid_type_error: 'must be a string of markdown' }).describe('The markdown to put in, without the section\'s own heading, e.g. "- 2026-03: prices fell 4%."'),
    commit_message: commitMessageParam,
  },
  returns: 'Plain text: the new revision, whether it was merged, and the commit.',
  next: 'Use the new revision for further changes; read_note with section to check the result.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  async run(ctx, a) {
    const r = await uc.editPageSection(ctx.services, ctx.actor, {
      ...(await ctx.wiki()),
      path: a.path,
      revision: a.revision.trim(),
      section: a.section,
      mode: a.mode,
      content: a.content,
      ...opt('commitMessage', a.commit_message),
    });
    return { text: formatWrite(r, 'Edited'), structured: writeStructured(r) };
  },
});

const renameNote = defineTool({
  name: 'rename_note',
  title: 'Rename or move a page',
  summary: 'Renames or moves a page together with its attachments, and rewrites every WikiLink to it in other pages — all in one commit.',
  params: {
    path: pathParam('The page to rename, e.g. "Actors/Iran".'),
    new_path: pathParam('Its new path, e.g. "Actors/Iran_Regime". Must not exist yet.'),
    commit_message: commitMessageParam,
  },
  returns: 'Plain text: the new path, its revision, and the pages whose links were rewritten.',
  next: 'Use the new path from now on; get_links shows what links to it.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  async run(ctx, a) {
    const r = await uc.renamePage(ctx.services, ctx.actor, { ...(await ctx.wiki()), path: a.path, newPath: a.new_path, ...opt('commitMessage', a.commit_message) });
    const rewritten = r.rewritten.length ? `Links rewritten in: ${r.rewritten.join(', ')}.` : 'No other page linked to it.';
    return {
      text: `Renamed "${r.oldPath}" to "${r.path}"; revision ${r.revision}. ${rewritten}${r.commit ? `\ncommit: ${commitLine(r.commit)}` : ''}`,
      structured: { path: r.path, oldPath: r.oldPath, revision: r.revision, rewritten: r.rewritten },
    };
  },
});

const deleteNote = defineTool({
  name: 'delete_note',
  title: 'Delete a page',
  summary:
    'Deletes a page and its attachments in one commit (history keeps them). Confirm with the user first. When the content still has value, prefer setting `archived: true` in its front matter with edit_note.',
  params: {
    path: pathParam('The page to delete, e.g. "Drafts/Old_Notes".'),
    with_subpages: z
      .boolean({ invalid_type_error: 'must be true or false' })
      .optional()
      .describe('true: also delete every page below it (e.g. "Drafts/Old_Notes/Part_1") with their attachments, in the same commit. Default false.'),
    commit_message: commitMessageParam,
  },
  returns: 'Plain text: the deleted page, the attachments and sub-pages deleted with it, and the commit.',
  next: 'Call find_broken_links: links that pointed to the page are now broken; fix or remove them with edit_note.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  async run(ctx, a) {
    const r = await uc.deletePage(ctx.services, ctx.actor, { ...(await ctx.wiki()), path: a.path, ...opt('withSubpages', a.with_subpages), ...opt('commitMessage', a.commit_message) });
    const files = r.deletedAttachments.length ? ` with its attachments ${r.deletedAttachments.join(', ')}` : '';
    const below = r.deletedSubpages.length ? ` and the pages below it: ${r.deletedSubpages.join(', ')}` : '';
    return {
      text: `Deleted "${r.path}"${files}${below}.${r.commit ? `\ncommit: ${commitLine(r.commit)}` : ''}`,
      structured: { path: r.path, deletedAttachments: r.deletedAttachments, deletedSubpages: r.deletedSubpages, revision: r.commit?.oid ?? null },
    };
  },
});

export const PAGE_TOOLS = [readNote, readNotes, writeNote, editNote, editSection, renameNote, deleteNote];

/** For the connector's fetch tool: the same page text read_note shows. */
export async function readForFetch(ctx: ToolContext, path: string): Promise<{ view: PageView; text: string }> {
  const view = await uc.readPage(ctx.services, ctx.actor, { ...(await ctx.wiki()), path });
  return { view, text: formatPage(view) };
}
