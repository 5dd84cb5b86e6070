/**
 * Wikis as a whole: creating one from the bootstrap template, and rebuilding its index from the repository.
 */
import type { Actor } from '../auth/actor.js';
import { parseWikiSlug } from '../auth/names.js';
import { bootstrapPages, DEFAULT_CATEGORIES, extractLinks, pageFile } from '../domain/index.js';
import { WikiError } from '../errors.js';
import type { PageInput } from '../index/index-store.js';
import type { Visibility, Wiki } from '../meta/meta-store.js';
import { applyEntries, catchUp } from './catch-up.js';
import { authorOf } from './commit.js';
import type { Services } from './services.js';
import { openWiki, wikiBase, type WikiRef } from './wiki-access.js';

export interface CreateWikiInput {
  owner: string;
  slug: string;
  name?: string | undefined;
  purpose?: string | undefined;
  categories?: string[] | undefined;
  visibility?: Visibility | undefined;
  /**
   * The wiki's first commit, when it is not the bootstrap pages (a template): files by repository path, already
   * checked by the caller, and the commit message.
   */
  initial?: { files: Array<{ path: string; content: Buffer | string }>; message: string } | undefined;
}

/** Creates a wiki owned by `owner` with Home, Meta/Wiki_Usage_Guide and Meta/Page_Template, within the tier. */
export async function createWiki(services: Services, actor: Actor, input: CreateWikiInput): Promise<Wiki> {
  const slug = parseWikiSlug(input.slug);
  const owner = await services.meta.getUserByUsername(input.owner);
  if (!owner) throw new WikiError('USER_NOT_FOUND', `There is no user "${input.owner}".`, { username: input.owner });
  const me = actor.user;
  if (actor.door !== 'cli' && (!me || (me.id !== owner.id && !me.isAdmin))) {
    throw new WikiError('FORBIDDEN', 'You can only create wikis for yourself.');
  }
  const limits = owner.tier === 'premium' ? services.config.tiers.premium : services.config.tiers.free;
  const owned = await services.meta.listWikisOwnedBy(owner.id);
  if (owned.length >= limits.wikis) {
    throw new WikiError('QUOTA_EXCEEDED', `${owner.username} owns ${owned.length} wiki(s), the limit of the ${owner.tier} tier (${limits.wikis}).`, {
      limit: 'wikis',
      usage: owned.length,
      max: limits.wikis,
    });
  }
  const name = input.name?.trim() || slug;
  const purpose = input.purpose?.trim() || `A research wiki about ${name}.`;
  const categories = input.categories?.length ? input.categories : [...DEFAULT_CATEGORIES];
  if (services.repos.exists(owner.username, slug)) {
    throw new WikiError('WIKI_EXISTS', `A repository for ${owner.username}/${slug} already exists on disk; remove it or pick another name.`);
  }
  const wiki = await services.meta.createWiki({ ownerId: owner.id, slug, name, purpose, categories, visibility: input.visibility ?? 'private' });
  try {
    const repo = await services.repos.create(owner.username, slug);
    const author = authorOf(actor.user ? actor : { ...actor, user: owner });
    const edits = input.initial
      ? input.initial.files.map((f) => ({ path: f.path, content: f.content }))
      : bootstrapPages({ owner: owner.username, slug, name, purpose, categories }).map((p) => ({ path: pageFile(p.path), content: p.content }));
    const entry = await repo.commit({ parent: null, edits, message: input.initial?.message ?? `Create wiki: ${name}`, author });
    const index = services.indexes.open(owner.username, slug);
    index.reset();
    await applyEntries(repo, index, services.runtimes.get(owner.username, slug), wikiBase(wiki), [entry], entry.oid);
  } catch (err) {
    await services.meta.deleteWiki(wiki.id);
    await services.repos.delete(owner.username, slug).catch(() => undefined);
    services.indexes.delete(owner.username, slug);
    throw err;
  }
  return wiki;
}

/** Throws the index away and rebuilds it from the repository. */
export async function reindexWiki(services: Services, actor: Actor, ref: WikiRef): Promise<{ pages: number; commit: string | null }> {
  const w = await openWiki(services, actor, ref, 'read');
  return w.runtime.exclusive(async () => {
    w.index.reset();
    await catchUp(w.repo, w.index, w.runtime, w.base);
    return { pages: w.index.countPages(), commit: w.index.indexedCommit() };
  });
}

/**
 * Re-reads every page's links from its indexed text with the wiki's current WikiLink order, after that setting
 * changed: one index transaction, no git reads, so it costs about as much as indexing the pages' text once. Cached
 * HTML is keyed by the order, so pages render the new way at once.
 */
export async function relinkWiki(services: Services, wiki: Wiki): Promise<{ pages: number }> {
  const repo = services.repos.open(wiki.owner, wiki.slug);
  const index = services.indexes.open(wiki.owner, wiki.slug);
  const runtime = services.runtimes.get(wiki.owner, wiki.slug);
  const base = wikiBase(wiki);
  return runtime.exclusive(async () => {
    await catchUp(repo, index, runtime, base);
    const head = index.indexedCommit();
    if (head === null) return { pages: 0 };
    const bodies = new Map(index.pageTexts().map((t) => [t.path, t.body]));
    const upserts = index.listPages().map((row): PageInput => {
      const body = bodies.get(row.path) ?? '';
      const { lastCommit, ...fields } = row;
      return { ...fields, body, links: extractLinks(body, base), lastCommit: lastCommit.oid };
    });
    index.apply({ head, commits: [], changes: [], upserts, deletes: [] });
    runtime.pageSetVersion++;
    return { pages: upserts.length };
  });
}
