/**
 * Finding and following pages: listing, full-text search, links, recent changes, a page's history and diffs, and
 * the gardening reports (orphans, broken links, stale pages). All read-only.
 */
import { z } from 'zod';
import * as uc from '../../../usecases/index.js';
import { commitLine, dateParam, filterParams, limitParam, opt, pathParam, plainSnippet, revisionParam } from '../params.js';
import { defineTool } from '../tool.js';

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

const pageLine = (p: uc.PageSummary): string => {
  const bits = [p.category ?? 'no category', `${p.wordCount} words`, `updated ${p.lastUpdated ?? p.lastChange.date.slice(0, 10)}`];
  if (p.tags.length) bits.push(`tags ${p.tags.join(', ')}`);
  if (p.archived) bits.push('archived');
  return `- ${p.path} — ${p.title} (${bits.join('; ')})`;
};

const slim = (p: uc.PageSummary) => ({ path: p.path, title: p.title, category: p.category, tags: p.tags, wordCount: p.wordCount, lastUpdated: p.lastUpdated, revision: p.revision });

const listNotes = defineTool({
  name: 'list_notes',
  title: 'List pages',
  summary: 'Lists the wiki\'s pages, optionally only those in a folder, of a category, with a tag, or changed since a date. Use it to see what exists before creating a page.',
  params: {
    ...filterParams,
    updated_since: dateParam('Only pages changed on or after this date, e.g. "2026-01-31".'),
    limit: limitParam(1000, 200, 'pages'),
  },
  returns: 'Plain text: how many pages match, then one line per page: path — title (category; words; last updated; tags).',
  next: 'read_note or read_notes the pages you need; search_notes to find pages by their content.',
  annotations: READ,
  async run(ctx, a) {
    const r = await uc.listPages(ctx.services, ctx.actor, {
      ...(await ctx.wiki()),
      ...opt('prefix', a.prefix),
      ...opt('category', a.category),
      ...opt('tag', a.tag),
      ...opt('updatedSince', a.updated_since),
      limit: a.limit ?? 200,
    });
    const more = r.total > r.pages.length ? ` (showing ${r.pages.length}; narrow with prefix/category/tag or raise limit)` : '';
    return {
      text: [`${r.total} page${r.total === 1 ? '' : 's'}${more}`, ...r.pages.map(pageLine)].join('\n'),
      structured: { total: r.total, pages: r.pages.map(slim) },
    };
  },
});

const searchNotes = defineTool({
  name: 'search_notes',
  title: 'Search pages',
  summary: 'Full-text search over page titles and content (words, "exact phrases", prefix*), best matches first. Search before creating a page, so you update an existing one instead of duplicating it.',
  params: {
    query: z
      .string({ invalid_type_error: 'must be a string' })
      .min(1, 'must not be empty: give the words to search for')
      .max(1000, 'is longer than 1000 characters')
      .refine((q) => q.trim().length > 0, 'must not be blank')
      .describe('The words to look for, e.g. "oil sanctions" or "\\"central bank\\"".'),
    ...filterParams,
    limit: limitParam(100, 20, 'results'),
    case_sensitive: z
      .boolean({ invalid_type_error: 'must be true or false' })
      .optional()
      .describe('true: match the query as exact text with its case, on every page (e.g. "IRGC" but not "irgc"). Default false: word search in any case.'),
    regex: z
      .boolean({ invalid_type_error: 'must be true or false' })
      .optional()
      .describe('true: the query is a JavaScript regular expression over each page\'s text, ^ and $ marking line starts and ends, e.g. "^## (Sources|References)$". Stopped with an error after 1 s.'),
  },
  returns: 'Plain text: one block per hit — path, title, category, and a snippet around the match (the matching lines with case_sensitive or regex).',
  next: 'read_note the relevant hits; if nothing fits, create the page with write_note.',
  annotations: READ,
  async run(ctx, a) {
    const hits = await uc.searchWiki(ctx.services, ctx.actor, {
      ...(await ctx.wiki()),
      query: a.query,
      ...opt('prefix', a.prefix),
      ...opt('category', a.category),
      ...opt('tag', a.tag),
      ...opt('limit', a.limit),
      ...opt('caseSensitive', a.case_sensitive),
      ...opt('regex', a.regex),
    });
    const text = hits.length
      ? [`${hits.length} result${hits.length === 1 ? '' : 's'} for "${a.query}":`, ...hits.map((h) => `- ${h.path} — ${h.title}${h.category ? ` (${h.category})` : ''}\n  ${plainSnippet(h.snippet)}`)].join('\n')
      : `No page matches "${a.query}". Try other words or fewer of them, or list_notes by category.`;
    return { text, structured: { results: hits.map((h) => ({ path: h.path, title: h.title, category: h.category, tags: h.tags, snippet: plainSnippet(h.snippet) })) } };
  },
});

const getLinks = defineTool({
  name: 'get_links',
  title: 'Links of a page',
  summary: 'Shows the links out of a page (marking targets that do not exist) and the pages that link to it.',
  params: { path: pathParam('The page, e.g. "Actors/Iran_Regime".') },
  returns: 'Plain text: "links out" (target, with "(missing)" for pages that do not exist) and "linked from" (source pages).',
  next: 'read_note linked pages; create missing targets with write_note or fix the links with edit_note.',
  annotations: READ,
  async run(ctx, a) {
    const r = await uc.pageLinks(ctx.services, ctx.actor, { ...(await ctx.wiki()), path: a.path });
    const out = r.linksTo.map((l) => `- ${l.target}${l.anchor ? `#${l.anchor}` : ''}${l.exists ? '' : ' (missing)'}`);
    const inn = r.linkedFrom.map((s) => `- ${s}`);
    return {
      text: [`page: ${r.path}`, `links out (${out.length}):`, ...(out.length ? out : ['(none)']), `linked from (${inn.length}):`, ...(inn.length ? inn : ['(none)'])].join('\n'),
      structured: { path: r.path, linksTo: r.linksTo, linkedFrom: r.linkedFrom },
    };
  },
});

const getRecentChanges = defineTool({
  name: 'get_recent_changes',
  title: 'Recent changes',
  summary: 'The latest commits across the whole wiki, newest first: who changed which pages, when, and why. Call it at the start of a session to see what happened since you were last here.',
  params: {
    limit: limitParam(500, 20, 'commits'),
    since: dateParam('Only commits on or after this date, e.g. "2026-01-31".'),
  },
  returns: 'Plain text: one block per commit — short id, date, author, message, then the pages it added (A), modified (M), deleted (D) or renamed (R).',
  next: 'read_note pages that changed; diff_note a page to see exactly what changed.',
  annotations: READ,
  async run(ctx, a) {
    const changes = await uc.recentChanges(ctx.services, ctx.actor, { ...(await ctx.wiki()), limit: a.limit ?? 20, ...opt('since', a.since) });
    const text = changes.length
      ? changes
          .map((c) => [commitLine(c), ...c.pages.map((p) => `  ${p.status} ${p.oldPath ? `${p.oldPath} -> ` : ''}${p.path}${p.kind === 'attachment' ? ' (attachment)' : ''}`)].join('\n'))
          .join('\n')
      : 'No changes in that period.';
    return {
      text,
      structured: { changes: changes.map((c) => ({ revision: c.oid, date: c.date, author: c.authorName, message: c.message, pages: c.pages })) },
    };
  },
});

const getHistory = defineTool({
  name: 'get_history',
  title: 'History of a page',
  summary: 'The commits that changed one page, newest first, following it through renames.',
  params: {
    path: pathParam('The page, e.g. "Trends/Oil_Prices".'),
    limit: limitParam(1000, 20, 'commits'),
  },
  returns: 'Plain text: one line per commit — revision, date, author, message, and the page\'s path at that time when it was renamed.',
  next: 'diff_note with two revisions to see what changed; read_note with revision to read an old version.',
  annotations: READ,
  async run(ctx, a) {
    const r = await uc.pageHistory(ctx.services, ctx.actor, { ...(await ctx.wiki()), path: a.path, limit: a.limit ?? 20 });
    const lines = r.entries.map((e) => `- ${e.oid} ${e.date.slice(0, 16).replace('T', ' ')} by ${e.authorName}: ${e.message.split('\n')[0] ?? ''}${e.path !== r.path ? ` (as ${e.path})` : ''}${e.status === 'R' && e.oldPath ? ` (renamed from ${e.oldPath})` : ''}`);
    return {
      text: [`history of ${r.path} (${r.entries.length} commit${r.entries.length === 1 ? '' : 's'} shown):`, ...lines].join('\n'),
      structured: { path: r.path, entries: r.entries.map((e) => ({ revision: e.oid, date: e.date, author: e.authorName, message: e.message, path: e.path, status: e.status })) },
    };
  },
});

const diffNote = defineTool({
  name: 'diff_note',
  title: 'What changed in a page',
  summary: 'Shows what changed in one page between two revisions, as a unified diff.',
  params: {
    path: pathParam('The page, e.g. "Trends/Oil_Prices".'),
    from: revisionParam('The older revision, e.g. "3f2a9c1" (from get_history).'),
    to: revisionParam('The newer revision, e.g. "9b7e210"; omit for the current page.').optional(),
  },
  returns: 'Plain text: lines added and removed, then the unified diff (lines starting with "-" were removed, "+" added).',
  next: 'read_note the page to work on its current text; revert by writing back the old text with write_note if the user asks.',
  annotations: READ,
  async run(ctx, a) {
    const r = await uc.pageDiff(ctx.services, ctx.actor, { ...(await ctx.wiki()), path: a.path, from: a.from.trim(), ...opt('to', a.to?.trim()) });
    const body = r.diff.trim() ? r.diff : '(no differences)';
    return {
      text: `${r.path}: ${r.from.slice(0, 12)} -> ${r.to.slice(0, 12)}, +${r.stats.added} -${r.stats.removed} lines\n${body}`,
      structured: { path: r.path, from: r.from, to: r.to, added: r.stats.added, removed: r.stats.removed },
    };
  },
});

const findOrphans = defineTool({
  name: 'find_orphaned_notes',
  title: 'Pages nothing links to',
  summary: 'Lists pages that no other page links to (Home excepted). Orphans are hard to find; part of gardening the wiki.',
  params: {},
  returns: 'Plain text: how many orphans, then one line per page: path — title (category; words; last updated).',
  next: 'Link each orphan from a related or index page with edit_note, or archive/delete it if it is obsolete (ask the user before deleting).',
  annotations: READ,
  async run(ctx) {
    const pages = await uc.orphanPages(ctx.services, ctx.actor, await ctx.wiki());
    return {
      text: pages.length ? [`${pages.length} orphaned page${pages.length === 1 ? '' : 's'}:`, ...pages.map(pageLine)].join('\n') : 'No orphaned pages: every page is linked from another.',
      structured: { pages: pages.map(slim) },
    };
  },
});

const findBroken = defineTool({
  name: 'find_broken_links',
  title: 'Links to missing pages',
  summary: 'Lists WikiLinks that point to pages that do not exist, with the page each link is on.',
  params: {},
  returns: 'Plain text: one line per broken link — the page it is on, then the missing target.',
  next: 'Create the missing page with write_note, or fix the link with edit_note on the page that holds it.',
  annotations: READ,
  async run(ctx) {
    const links = await uc.brokenLinks(ctx.services, ctx.actor, await ctx.wiki());
    return {
      text: links.length
        ? [`${links.length} broken link${links.length === 1 ? '' : 's'}:`, ...links.map((l) => `- on ${l.source}: [[${l.target}${l.anchor ? `#${l.anchor}` : ''}]]`)].join('\n')
        : 'No broken links.',
      structured: { links },
    };
  },
});

const findStale = defineTool({
  name: 'find_stale_notes',
  title: 'Pages not updated for a while',
  summary: 'Lists pages whose front matter `last_updated` (or, without one, last change) is older than a number of days.',
  params: {
    days: z
      .number({ invalid_type_error: 'must be a whole number of days' })
      .int('must be a whole number of days')
      .min(0, 'must be 0 or more')
      .max(36_500, 'must be at most 36500')
      .optional()
      .describe('Age in days, 0 to 36500 (default 90), e.g. 30.'),
  },
  returns: 'Plain text: the cut-off date, then one line per stale page: path — title (category; words; last updated).',
  next: 'read_note a stale page, check its facts, update it (and its last_updated) with edit_note, or mark it archived.',
  annotations: READ,
  async run(ctx, a) {
    const r = await uc.stalePages(ctx.services, ctx.actor, { ...(await ctx.wiki()), ...opt('days', a.days) });
    return {
      text: r.pages.length
        ? [`${r.pages.length} page${r.pages.length === 1 ? '' : 's'} not updated since ${r.before.slice(0, 10)} (${r.days} days):`, ...r.pages.map(pageLine)].join('\n')
        : `No page is older than ${r.days} days.`,
      structured: { days: r.days, before: r.before, pages: r.pages.map(slim) },
    };
  },
});

export const BROWSE_TOOLS = [listNotes, searchNotes, getLinks, getRecentChanges, getHistory, diffNote, findOrphans, findBroken, findStale];
