/**
 * Read-only views over a wiki's index: page lists, full-text search, the link graph and the gardening reports
 * (orphans, broken links, stale pages).
 */
import type { Actor } from '../auth/actor.js';
import { WikiError } from '../errors.js';
import type { PageRow } from '../index/index-store.js';
import { clamp, type Paging } from './history.js';
import { requirePage } from './page-lookup.js';
import { scanPages, scanPattern } from './search-scan.js';
import type { Services } from './services.js';
import { openWiki, type WikiRef } from './wiki-access.js';

export interface PageFilterInput {
  prefix?: string | undefined;
  category?: string | undefined;
  tag?: string | undefined;
}

export interface PageSummary {
  path: string;
  title: string;
  category: string | null;
  tags: string[];
  wordCount: number;
  archived: boolean;
  lastUpdated: string | null;
  revision: string;
  lastChange: { date: string; authorName: string; message: string };
}

export const summarizePage = (p: PageRow): PageSummary => ({
  path: p.path,
  title: p.title,
  category: p.category,
  tags: p.tags,
  wordCount: p.wordCount,
  archived: p.archived,
  lastUpdated: p.lastUpdated,
  revision: p.lastCommit.oid,
  lastChange: { date: p.lastCommit.date, authorName: p.lastCommit.authorName, message: p.lastCommit.message },
});

function filterOf(input: PageFilterInput) {
  return {
    ...(input.prefix ? { prefix: input.prefix } : {}),
    ...(input.category ? { category: input.category } : {}),
    ...(input.tag ? { tag: input.tag } : {}),
  };
}

export interface ListPagesInput extends WikiRef, PageFilterInput, Paging {
  updatedSince?: string | undefined;
}

export async function listPages(services: Services, actor: Actor, input: ListPagesInput) {
  const w = await openWiki(services, actor, input, 'read');
  const filter = {
    ...filterOf(input),
    ...(input.updatedSince !== undefined ? { updatedSince: isoDate(input.updatedSince, 'updated_since') } : {}),
  };
  const pages = w.index.listPages({ ...filter, limit: clamp(input.limit, 1000, 10_000), offset: input.offset ?? 0 });
  return { total: w.index.countPages(filter), pages: pages.map(summarizePage) };
}

export interface SearchInput extends WikiRef, PageFilterInput, Paging {
  query: string;
  /** Match the query as one piece of text with its case as typed (default: words, any case, through the index). */
  caseSensitive?: boolean | undefined;
  /** The query is a regular expression (JavaScript syntax), matched ignoring case unless `caseSensitive`. */
  regex?: boolean | undefined;
}

/**
 * Full-text search. By default words, "phrases" and prefix* through the FTS index, best match first. With
 * `caseSensitive` or `regex` every page is scanned instead (with a time limit): pages whose name matches first, then by
 * number of matches.
 */
export async function searchWiki(services: Services, actor: Actor, input: SearchInput) {
  if (typeof input.query !== 'string' || !input.query.trim()) throw new WikiError('INVALID_INPUT', 'Give a search query (q).');
  if (input.query.length > 1000) throw new WikiError('INVALID_INPUT', 'The search query is longer than 1000 characters.');
  const limit = clamp(input.limit, 20, 100);
  const offset = input.offset ?? 0;
  if (input.caseSensitive === true || input.regex === true) {
    if (!Number.isInteger(offset) || offset < 0) throw new WikiError('INVALID_INPUT', 'offset must be a whole number of 0 or more.');
    const w = await openWiki(services, actor, input, 'read');
    const pattern = scanPattern(input.query, { caseSensitive: input.caseSensitive === true, regex: input.regex === true });
    return scanPages(w.index.pageTexts(filterOf(input)), pattern).slice(offset, offset + limit);
  }
  const w = await openWiki(services, actor, input, 'read');
  return w.index.search({ query: input.query, ...filterOf(input), limit, offset });
}

export interface PageLinksInput extends WikiRef {
  path: string;
}

/** Links out of a page (with whether each target exists) and the pages linking to it. */
export async function pageLinks(services: Services, actor: Actor, input: PageLinksInput) {
  const w = await openWiki(services, actor, input, 'read');
  const page = requirePage(w, input.path);
  return {
    path: page.path,
    linksTo: w.index.linksFrom(page.path).map((l) => ({ target: l.resolved ?? l.target, anchor: l.anchor, kind: l.kind, exists: l.resolved !== null })),
    linkedFrom: [...new Set(w.index.linksTo(page.path).map((l) => l.source))].filter((s) => s !== page.path),
  };
}

/** The whole link graph: every page as a node, every link as an edge (broken ones marked). */
export async function linkGraph(services: Services, actor: Actor, input: WikiRef) {
  const w = await openWiki(services, actor, input, 'read');
  const nodes = w.index.listPages({ limit: 1_000_000 }).map((p) => ({ path: p.path, title: p.title, category: p.category }));
  const edges = w.index.allLinks().map((l) => ({ source: l.source, target: l.resolved ?? l.target, broken: l.resolved === null }));
  return { nodes, edges };
}

export async function orphanPages(services: Services, actor: Actor, input: WikiRef) {
  const w = await openWiki(services, actor, input, 'read');
  return w.index.orphans(w.wiki.homePage).map(summarizePage);
}

export async function brokenLinks(services: Services, actor: Actor, input: WikiRef) {
  const w = await openWiki(services, actor, input, 'read');
  return w.index.brokenLinks().map((l) => ({ source: l.source, target: l.target, anchor: l.anchor, kind: l.kind }));
}

export interface StaleInput extends WikiRef {
  days?: number | undefined;
}

/** Pages whose `last_updated` (or, without one, last change) is older than `days` (default 90). */
export async function stalePages(services: Services, actor: Actor, input: StaleInput) {
  const days = input.days ?? 90;
  if (!Number.isInteger(days) || days < 0 || days > 36_500) throw new WikiError('INVALID_INPUT', `days must be a whole number from 0 to 36500, got ${days}.`);
  const w = await openWiki(services, actor, input, 'read');
  const before = new Date(Date.now() - days * 86_400_000).toISOString();
  return { days, before, pages: w.index.stale(before).map(summarizePage) };
}

function isoDate(value: string, name: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new WikiError('INVALID_INPUT', `${name} must be an ISO date such as 2026-01-31, got "${value}".`);
  return new Date(t).toISOString();
}
