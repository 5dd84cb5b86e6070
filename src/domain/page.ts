/**
 * What the index keeps about a page, read from its text alone: title, category, tags, dates, archived flag, word
 * count and outgoing links. Runs for every indexed page, so it stays a single cheap pass over the text.
 */
import { splitFrontmatter } from './frontmatter.js';
import { pageTitleFromPath } from './page-path.js';
import { extractLinks } from './wikilinks.js';
import type { ExtractedLink, WikiBase } from './wikilinks.js';

export interface PageAnalysis {
  title: string;
  category: string | null;
  tags: string[];
  frontmatter: Record<string, unknown>;
  /** `last_updated` as an ISO date (or date-time) string, or null. */
  lastUpdated: string | null;
  archived: boolean;
  wordCount: number;
  /** Markdown without front matter. */
  body: string;
  links: ExtractedLink[];
  frontmatterError: string | null;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;
// Words: runs of non-space characters holding at least one letter or digit, so `-`, `#`, `|`, `---` do not count.
const WORD = /[^\s]*[\p{L}\p{N}][^\s]*/gu;

function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function tagsFrom(value: unknown): string[] {
  const raw = Array.isArray(value) ? value.map(scalarText) : typeof value === 'string' ? value.split(',') : [];
  const tags: string[] = [];
  for (const tag of raw) {
    const t = tag?.trim().replace(/^#/, '');
    if (t !== undefined && t !== '' && !tags.includes(t)) tags.push(t);
  }
  return tags;
}

function dateFrom(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10);
  if (typeof value !== 'string') return null;
  const s = value.trim();
  return ISO_DATE.test(s) ? s : null;
}

/** The text of the first `# H1` outside code, or null. */
function firstH1(body: string): string | null {
  let inFence: string | null = null;
  let pos = 0;
  while (pos < body.length) {
    let end = body.indexOf('\n', pos);
    if (end === -1) end = body.length;
    const line = body.slice(pos, end);
    pos = end + 1;
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence?.[1]) {
      if (inFence === null) inFence = fence[1];
      else if (fence[1][0] === inFence[0] && fence[1].length >= inFence.length && line.trim() === fence[1])
        inFence = null;
      continue;
    }
    if (inFence !== null) continue;
    const h1 = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*\r?$/.exec(line);
    if (h1?.[1]) return h1[1].trim();
  }
  return null;
}

/** Reads everything the index needs from a page's text. */
export function analyzePage(path: string, text: string, base: WikiBase): PageAnalysis {
  const { frontmatter, body, error } = splitFrontmatter(text);
  const title = scalarText(frontmatter.title) ?? firstH1(body) ?? pageTitleFromPath(path);
  const archived = frontmatter.archived === true || frontmatter.archived === 'true' || frontmatter.archived === 'yes';
  return {
    title,
    category: scalarText(frontmatter.category),
    tags: tagsFrom(frontmatter.tags),
    frontmatter,
    lastUpdated: dateFrom(frontmatter.last_updated),
    archived,
    wordCount: body.match(WORD)?.length ?? 0,
    body,
    links: extractLinks(body, base),
    frontmatterError: error,
  };
}
