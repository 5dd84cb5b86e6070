/**
 * Full-text helpers: turn what a person or an assistant types into an FTS5 query that cannot fail, and turn an FTS5
 * snippet into HTML that is safe to insert. Pure functions, no I/O.
 */
import { WikiError } from '../errors.js';

/** Longer queries are refused rather than handed to FTS5: nobody types them, and each term costs an index lookup. */
export const MAX_QUERY_LENGTH = 1000;

/** `a*` would expand to most of the vocabulary: measured 40+ ms for `se*` on 10,000 pages. */
export const MIN_PREFIX_LENGTH = 2;

/**
 * Private-use characters FTS5 wraps around matches in a snippet. They are removed from indexed text (see
 * `stripMarkers`) so a page cannot forge a highlight.
 */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';

// A term FTS5 would tokenize to nothing ("", "*", "'); --", an emoji) matches nothing and can confuse the parser.
const HAS_TOKEN = /[\p{L}\p{N}]/u;
const TOKEN_CHARS = /[\p{L}\p{N}]/gu;
// A balanced "quoted phrase" (optionally followed by `*`), or a run of anything but space and quotes.
const TERM = /"([^"]*)"(\*?)|([^\s"]+)/gu;

/** An FTS5 MATCH expression built from user input. */
export interface FtsQuery {
  match: string;
  /** Whether a term ends in `*` (those are costlier to re-run, see the search in `SqliteWikiIndex`). */
  hasPrefix: boolean;
}

/**
 * The FTS5 query for the user syntax of `SearchQuery.query`: words are ANDed, `"quoted phrases"` are kept, a trailing
 * `*` makes a prefix term. Every term is emitted as an FTS5 string, so operators (`AND`, `NEAR(`), column filters
 * (`title:`), parentheses and stray quotes are only text. Throws INVALID_INPUT when nothing searchable is left.
 */
export function toFtsQuery(input: string): FtsQuery {
  if (input.length > MAX_QUERY_LENGTH) {
    throw new WikiError('INVALID_INPUT', `search query is too long (over ${MAX_QUERY_LENGTH} characters)`, {
      length: input.length,
    });
  }
  const terms: string[] = [];
  let hasPrefix = false;
  for (const m of input.matchAll(TERM)) {
    const phrase = m[1];
    let text: string;
    let prefix: boolean;
    if (phrase !== undefined) {
      text = phrase;
      prefix = m[2] === '*';
    } else {
      const word = m[3] ?? '';
      prefix = word.endsWith('*');
      text = word.replace(/\*+$/u, '');
    }
    text = text.trim();
    if (!HAS_TOKEN.test(text)) continue;
    if (prefix && phrase === undefined && (text.match(TOKEN_CHARS)?.length ?? 0) < MIN_PREFIX_LENGTH) {
      throw new WikiError(
        'INVALID_INPUT',
        `a prefix search needs at least ${MIN_PREFIX_LENGTH} characters before the *: "${text}*"`,
        { query: input },
      );
    }
    hasPrefix ||= prefix;
    // Inside an FTS5 string only `"` is special (doubled); the tokenizer turns everything else into separators.
    terms.push(`"${text.replaceAll('"', '""')}"${prefix ? '*' : ''}`);
  }
  if (terms.length === 0) {
    throw new WikiError('INVALID_INPUT', 'search query is empty after removing punctuation and operators', {
      query: input,
    });
  }
  return { match: terms.join(' '), hasPrefix };
}

/** Indexed text must not contain the snippet markers, or a page could inject `<mark>` tags of its own. */
export function stripMarkers(text: string): string {
  return text.includes(MARK_OPEN) || text.includes(MARK_CLOSE) ? text.replace(/[\uE000\uE001]/gu, ' ') : text;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape an FTS5 snippet for HTML, then turn the markers into `<mark>`/`</mark>`. */
export function snippetToHtml(snippet: string): string {
  return snippet
    .replace(/[&<>"']/gu, (c) => HTML_ESCAPES[c] ?? c)
    .replaceAll(MARK_OPEN, '<mark>')
    .replaceAll(MARK_CLOSE, '</mark>');
}
