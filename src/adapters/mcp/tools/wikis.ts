/**
 * Connection-wide tools: `list_wikis`, and the `search` / `fetch` pair in the shape ChatGPT connectors (and deep
 * research) expect — results as JSON text, ids that name the wiki and the page (`owner/slug/Page/Path`).
 */
import { z } from 'zod';
import { WikiError } from '../../../errors.js';
import * as uc from '../../../usecases/index.js';
import type { WikiListing, WikiRef } from '../../../usecases/index.js';
import { pageUrl, plainSnippet } from '../params.js';
import { defineTool, type ToolContext } from '../tool.js';
import { readForFetch } from './pages.js';

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

/** How many wikis one connector search looks through (a connection to very many wikis should pass through list_wikis). */
const MAX_SEARCHED_WIKIS = 12;

const listWikis = defineTool({
  name: 'list_wikis',
  title: 'Wikis this connection reaches',
  summary: 'Lists the wikis this connection can use, with each one\'s purpose and whether you may write there.',
  params: {},
  perWiki: false,
  returns: 'Plain text: one line per wiki — "owner/slug" (pass it as the wiki parameter), its name and purpose, your role, and read-write or read-only.',
  next: 'Pass wiki: "owner/slug" to the other tools; start with read_note on the home page (Home unless the line names another) and "Meta/Wiki_Usage_Guide" of the wiki you work in.',
  annotations: READ,
  async run(ctx) {
    const wikis = await ctx.wikis();
    const line = (w: WikiListing) =>
      `- ${w.id} — ${w.name}: ${w.purpose} (${w.role}; ${w.canWrite ? 'read-write' : `read-only${w.readOnlyReason === 'lapsed' ? ': the owner\'s subscription lapsed' : w.readOnlyReason === 'token' ? ': this connection was granted read access only' : ''}`}${w.homePage === 'Home' ? '' : `; home page ${w.homePage}`}${w.commitMessages === 'required' && w.canWrite ? '; commit_message required' : ''})`;
    return {
      text: wikis.length ? [`${wikis.length} wiki${wikis.length === 1 ? '' : 's'}:`, ...wikis.map(line)].join('\n') : 'This connection reaches no wiki.',
      structured: { wikis: wikis.map((w) => ({ id: w.id, name: w.name, purpose: w.purpose, role: w.role, canWrite: w.canWrite })) },
    };
  },
});

/** `owner/slug/Page/Path` → wiki and page; the endpoint's wiki when the id names only a page there. */
function parseId(ctx: ToolContext, id: string): { ref: WikiRef; path: string } {
  const parts = id.split('/');
  if (parts.length >= 3) return { ref: { owner: parts[0]!, slug: parts[1]! }, path: parts.slice(2).join('/') };
  if (ctx.endpointWiki) return { ref: ctx.endpointWiki, path: id };
  throw new WikiError('INVALID_INPUT', `"${id}" is not a document id: use an id returned by search, like "alice/notes/Actors/Iran_Regime".`, { id });
}

const search = defineTool({
  name: 'search',
  title: 'Search (connector)',
  summary: 'Searches the pages of every wiki this connection reaches, for connectors such as ChatGPT\'s. Assistants with the other tools should prefer search_notes.',
  params: {
    query: z
      .string({ invalid_type_error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(1000, 'is longer than 1000 characters')
      .refine((q) => q.trim().length > 0, 'must not be blank')
      .describe('The words to look for, e.g. "oil sanctions".'),
  },
  perWiki: false,
  returns: 'JSON text {"results": [{"id", "title", "url"}]}: id is "owner/slug/Page/Path", url the page in the browser.',
  next: 'Call fetch with a result\'s id to read the page.',
  annotations: READ,
  async run(ctx, a) {
    const wikis = ctx.endpointWiki ? [ctx.endpointWiki] : (await ctx.wikis()).slice(0, MAX_SEARCHED_WIKIS);
    const hits = (
      await Promise.all(
        wikis.map(async (w) => {
          const ref = { owner: w.owner, slug: w.slug };
          const found = await uc.searchWiki(ctx.services, ctx.actor, { ...ref, query: a.query, limit: 10 });
          return found.map((h) => ({ ref, hit: h }));
        }),
      )
    )
      .flat()
      .sort((x, y) => y.hit.score - x.hit.score)
      .slice(0, 20);
    const results = hits.map(({ ref, hit }) => ({
      id: `${ref.owner}/${ref.slug}/${hit.path}`,
      title: hit.title,
      url: pageUrl(ctx.baseUrl, ref.owner, ref.slug, hit.path),
      text: plainSnippet(hit.snippet),
    }));
    return { text: JSON.stringify({ results }), structured: { results } };
  },
});

const fetchDoc = defineTool({
  name: 'fetch',
  title: 'Fetch a page (connector)',
  summary: 'Reads one page by the id search returned, for connectors such as ChatGPT\'s. Assistants with the other tools should prefer read_note.',
  params: {
    id: z
      .string({ invalid_type_error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(2300, 'is too long')
      .describe('A document id from search, "owner/slug/Page/Path", e.g. "alice/notes/Actors/Iran_Regime".'),
  },
  perWiki: false,
  returns: 'JSON text {"id", "title", "text", "url", "metadata"}: text is the page as read_note shows it; metadata has the revision, category, tags and links.',
  next: 'Call search again for related pages, or fetch the pages this one links to (id "owner/slug/<link target>").',
  annotations: READ,
  async run(ctx, a) {
    const { ref, path } = parseId(ctx, a.id);
    if (ctx.endpointWiki && (ctx.endpointWiki.owner !== ref.owner.toLowerCase() || ctx.endpointWiki.slug !== ref.slug.toLowerCase())) {
      throw new WikiError('WIKI_NOT_FOUND', `This connection serves only ${ctx.endpointWiki.owner}/${ctx.endpointWiki.slug}; "${a.id}" is in another wiki.`, { id: a.id });
    }
    const scoped: ToolContext = { ...ctx, wiki: () => Promise.resolve(ref) };
    const { view, text } = await readForFetch(scoped, path);
    const doc = {
      id: `${ref.owner}/${ref.slug}/${view.path}`,
      title: view.title,
      text,
      url: pageUrl(ctx.baseUrl, ref.owner, ref.slug, view.path),
      metadata: {
        wiki: `${ref.owner}/${ref.slug}`,
        revision: view.revision,
        category: typeof view.frontmatter.category === 'string' ? view.frontmatter.category : null,
        tags: Array.isArray(view.frontmatter.tags) ? view.frontmatter.tags : [],
        last_updated: view.frontmatter.last_updated ?? null,
        links_to: view.linksTo.map((l) => l.target),
        linked_from: view.linkedFrom,
      },
    };
    return { text: JSON.stringify(doc), structured: doc };
  },
});

export const WIKI_TOOLS = [listWikis, search, fetchDoc];
