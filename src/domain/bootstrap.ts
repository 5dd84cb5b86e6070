/**
 * The pages a new wiki starts with: Home, a usage guide that teaches an AI assistant how to work in this wiki, and a
 * page template. An assistant connected to a fresh wiki reads these first, so they are product text: concrete,
 * complete, and filled in with the wiki's own name, purpose and categories.
 */
import { joinFrontmatter } from './frontmatter.js';

export const DEFAULT_CATEGORIES: readonly string[] = [
  'actor',
  'event',
  'trend',
  'hypothesis',
  'variable',
  'reference',
  'index',
];

export const HOME_PAGE = 'Home';
export const USAGE_GUIDE_PAGE = 'Meta/Wiki_Usage_Guide';
export const PAGE_TEMPLATE_PAGE = 'Meta/Page_Template';

const CATEGORY_HELP: Record<string, string> = {
  actor: 'a person, organisation, state or group that acts',
  event: 'something that happened (or is scheduled) at a point in time',
  trend: 'a development over time, with its direction and drivers',
  hypothesis: 'a claim under test, with the evidence for and against it',
  variable: 'a measurable factor being tracked, with its current value and sources',
  reference: 'sources, methods, glossaries and other background material',
  index: 'a hub page that lists and links other pages',
};

export interface BootstrapInput {
  owner: string;
  slug: string;
  name: string;
  purpose: string;
  /** The wiki's category set; empty means `DEFAULT_CATEGORIES`. */
  categories: string[];
  /** ISO date written as `last_updated`; default today (UTC). */
  date?: string | undefined;
}

export interface BootstrapPage {
  path: string;
  content: string;
}

type FilledInput = Omit<BootstrapInput, 'date'> & { date: string };

function categoryList(categories: readonly string[]): string {
  return categories
    .map((c) => {
      const help = CATEGORY_HELP[c];
      return help === undefined ? `- \`${c}\`` : `- \`${c}\` — ${help}`;
    })
    .join('\n');
}

function pick(categories: readonly string[], wanted: string): string | null {
  return categories.includes(wanted) ? wanted : null;
}

function frontmatter(title: string, category: string | null, tags: string[], date: string): Record<string, unknown> {
  return {
    title,
    ...(category === null ? {} : { category }),
    tags,
    last_updated: date,
  };
}

function homePage(input: FilledInput, categories: readonly string[]): string {
  const body = `
# ${input.name}

${input.purpose}

## Start here
- [[${USAGE_GUIDE_PAGE}|Wiki Usage Guide]] — how people and AI assistants work in this wiki. Assistants: read it at
  the start of every session.
- [[${PAGE_TEMPLATE_PAGE}|Page Template]] — the structure every new page follows.

## Categories
Every page has one category:

${categoryList(categories)}

## Main pages
Link the most important pages of this wiki here as it grows, grouped by category, with one line on each.
`;
  return joinFrontmatter(frontmatter(input.name, pick(categories, 'index'), ['meta'], input.date), body);
}

function usageGuide(input: FilledInput, categories: readonly string[]): string {
  const wikiId = `${input.owner}/${input.slug}`;
  const categoryCodes = categories.map((c) => `\`${c}\``).join(', ');
  const body = `
# Wiki Usage Guide

This guide tells an AI assistant (and any person) how to work in **${input.name}** (\`${wikiId}\`).
Purpose of this wiki: ${input.purpose}

Follow it every session. If the people who own this wiki change the conventions, they change this page — it wins
over your habits.

## Session start protocol
1. \`read_note\` **Home** — what the wiki covers and where its main pages are.
2. \`read_note\` **Meta/Wiki_Usage_Guide** (this page) — the conventions.
3. \`get_recent_changes\` — what changed since you were last here, and who changed it.
4. Only then search, read and write. Before writing about a topic, \`search_notes\` for it.

## Tools (MCP)
When your connection reaches more than one wiki, pass \`wiki: "${wikiId}"\` to every tool; \`list_wikis\` shows
which wikis you can use.

| tool | use it to |
|---|---|
| \`read_note\` | read a page: front matter, body and its current revision |
| \`read_notes\` | read several pages in one call |
| \`write_note\` | create a page, or replace a whole page (pass the revision you read) |
| \`edit_note\` | change one exact passage: \`old_string\` must occur exactly once; include enough text to be unique |
| \`edit_section\` | replace, append to or prepend to one section by heading path, e.g. \`Background > Military Strategy\` |
| \`list_notes\` | list pages, filtered by folder prefix, category or tag |
| \`search_notes\` | full-text and semantic search; use it before creating anything |
| \`get_links\` | a page's outgoing links and backlinks |
| \`get_recent_changes\` | the latest commits across the wiki |
| \`get_history\` | the commits that changed one page |
| \`diff_note\` | what changed in a page between two revisions |
| \`rename_note\` | rename or move a page; links to it are rewritten in the same commit |
| \`delete_note\` | delete a page (prefer \`archived: true\` when the content still has value) |
| \`find_orphaned_notes\` | pages nothing links to |
| \`find_broken_links\` | links to pages that do not exist |
| \`find_stale_notes\` | pages whose \`last_updated\` is old |
| \`list_attachments\` | files attached to a page |
| \`upload_attachment\` | attach a file (image, PDF, data) to a page |
| \`download_attachment\` | fetch an attached file |
| \`delete_attachment\` | remove an attached file |
| \`list_wikis\` | the wikis you can reach and your role in each |

## Create or update?
- Search first (\`search_notes\`, then \`list_notes\` by category). If a page on the topic exists, update it;
  do not create a second page with a slightly different name.
- Create a new page when a topic deserves its own page: an actor, event, trend, hypothesis or variable that other
  pages will link to, or a section that has grown past about 800 words.
- Page paths are folders and names with \`_\` for spaces, case as written: \`Actors/Iran_Regime\`. Do not use
  \`# ? % * : < > | "\`, a leading \`.\` or \`..\`. Group pages in folders by category when the wiki does
  (e.g. \`Actors/\`, \`Events/\`), and follow the folders you find.

## Revisions and conflicts
- Every read returns the page's revision. **Always pass the revision you read** when you write or edit.
- If someone else changed other parts of the page since, your change is merged automatically. If they changed the
  same lines, the write is refused with the current revision: re-read the page, redo your change on the new text,
  and write again. Never blindly overwrite.
- Prefer \`edit_note\` or \`edit_section\` over rewriting a whole page: smaller changes merge cleanly and read
  better in history.

## Page conventions
Start every page from [[${PAGE_TEMPLATE_PAGE}|the page template]]. Front matter (YAML between \`---\` lines at
the top):

| field | meaning |
|---|---|
| \`title\` | the page title, with spaces (\`Iran Regime\`) |
| \`category\` | exactly one of this wiki's categories: ${categoryCodes} |
| \`tags\` | a list of short lowercase tags, e.g. \`[nuclear, sanctions]\`; reuse existing tags |
| \`last_updated\` | the date of your last substantive change, \`YYYY-MM-DD\`; update it whenever you change content |
| \`confidence\` | \`low\`, \`medium\` or \`high\`: how well supported the page's main claims are |
| \`archived\` | \`true\` when the page is kept for the record but no longer maintained |

Categories of this wiki:

${categoryList(categories)}

Size and shape:
- **250–800 words per page.** When a page grows past 800 words, split a coherent part into its own page and link
  it; a page under 250 words is usually better as a section of a related page.
  (Pages under \`Meta/\`, like this guide, are exempt.)
- One \`# Title\` heading, then \`##\` sections. Lead with a two- or three-sentence summary.
- State sources: link them inline or list them under \`## Sources\`. Say what is uncertain.

Links:
- WikiLinks connect pages: \`[[Page]]\`, \`[[Page|shown text]]\`, \`[[Page#Heading]]\` (a section of a page),
  \`[[Page#Heading|shown text]]\`. Paths are from the wiki root: \`[[Actors/Iran_Regime]]\`.
- Link every page you mention that exists, and every page you create from at least one other page (an index
  page or a related page) — a page nothing links to is hard to find.
- A link to a page that does not exist yet shows as a "create" link; that is fine for pages you intend to write.

Attachments: upload files with \`upload_attachment\`; they live in the page's folder, and an image is shown with
\`![description](/${wikiId}/Page_Path/file.png)\`.

## Commit messages
Every write takes a message in the form \`Verb: Page — why\`, for example:
- \`Create: Actors/Iran_Regime — new actor page from the 2026 budget analysis\`
- \`Update: Trends/Oil_Prices — add Q1 figures\`
- \`Split: Events/Summit_2026 — move delegations to their own page\`

Verbs: Create, Update, Expand, Fix, Link, Split, Merge, Rename, Archive, Delete. Say why, not only what.

## Gardening duties
At the end of a session that changed several pages, and whenever asked to tidy up:
- \`find_broken_links\` — create the missing page, or fix the link.
- \`find_orphaned_notes\` — link each orphan from a related page or an index page.
- \`find_stale_notes\` — re-check old pages; update them or mark them \`archived: true\`.
- Merge duplicates, split pages over 800 words, keep Home's list of main pages current.

## Without MCP
- **REST API:** \`/api/v1/\` with a personal access token (\`Authorization: Bearer <token>\`); the OpenAPI
  document at \`/api/v1/openapi.json\` lists every operation. The same rules apply: pass the revision you read,
  give a commit message.
- **git:** \`git clone\` \`/${wikiId}.git\`; every page is a \`.md\` file. Pushing, where allowed, goes through
  the same checks.
- **Browser:** \`/${wikiId}/\` to read, edit, and see history and diffs.

Back to [[${HOME_PAGE}]].
`;
  return joinFrontmatter(
    frontmatter('Wiki Usage Guide', pick(categories, 'reference'), ['meta', 'guide'], input.date),
    body,
  );
}

function pageTemplate(input: FilledInput, categories: readonly string[]): string {
  const example = categories[0] ?? 'reference';
  const body = `
# Page Template

Copy the block below when you create a page in **${input.name}**, then replace the placeholders. Keep pages between
250 and 800 words; see the [[${USAGE_GUIDE_PAGE}|Wiki Usage Guide]] for the conventions.

\`\`\`markdown
---
title: Page Title
category: ${example}  # one of: ${categories.join(', ')}
tags: [tag-one, tag-two]
last_updated: YYYY-MM-DD
confidence: medium  # low | medium | high
---

# Page Title

Two or three sentences: what this is and why it matters to this wiki.

## Key facts
- Fact, with its source.

## Analysis
What the facts mean; what is uncertain and why.

## Related
- [[Another_Page]] — how it relates.

## Sources
- Author, title, date, link.
\`\`\`
`;
  return joinFrontmatter(
    frontmatter('Page Template', pick(categories, 'reference'), ['meta', 'template'], input.date),
    body,
  );
}

/** The first pages of a new wiki, with its name, purpose and categories filled in. */
export function bootstrapPages(input: BootstrapInput): BootstrapPage[] {
  const categories = input.categories.length > 0 ? input.categories : DEFAULT_CATEGORIES;
  const full: FilledInput = {
    ...input,
    name: input.name.trim(),
    purpose: input.purpose.trim(),
    date: input.date ?? new Date().toISOString().slice(0, 10),
  };
  return [
    { path: HOME_PAGE, content: homePage(full, categories) },
    { path: USAGE_GUIDE_PAGE, content: usageGuide(full, categories) },
    { path: PAGE_TEMPLATE_PAGE, content: pageTemplate(full, categories) },
  ];
}
