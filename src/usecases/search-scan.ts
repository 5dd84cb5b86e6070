/**
 * The searches FTS5 cannot answer: text matched with its case as typed, and regular expressions. They scan every
 * page's indexed path, title and body. The scan runs in its own V8 context with a time limit, because a regular
 * expression from a user can backtrack for minutes (`(a+)+$`); V8 interrupts it there and the search ends with a
 * clear error instead of holding the whole server.
 */
import { createContext, Script } from 'node:vm';
import { WikiError } from '../errors.js';
import type { PageText, SearchHit } from '../index/index.js';

/** How long one scanning search may take, all pages together. */
export const SCAN_TIME_LIMIT_MS = 1000;
/** Matches counted per page: enough to rank by, and a pattern matching every character stays cheap. */
const MAX_COUNT = 1000;
/** Matching lines shown per page. */
const MAX_LINES = 3;
/** Characters of a matching line shown around its first match. */
const LINE_CHARS = 160;

export interface ScanMode {
  /** Match the query with its case as typed (default: ignore case). */
  caseSensitive: boolean;
  /** The query is a JavaScript regular expression (default: literal text). */
  regex: boolean;
}

/** The pattern a scanning search uses. Throws INVALID_INPUT (and nothing runs) for a pattern that does not compile. */
export function scanPattern(query: string, mode: ScanMode): RegExp {
  const source = mode.regex ? query : query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  try {
    // `m`: a wiki is read line by line, so `^` and `$` are the start and end of a line.
    return new RegExp(source, mode.caseSensitive ? 'gm' : 'gim');
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
    throw new WikiError('INVALID_INPUT', `The regular expression is not valid: ${reason}.`, { query });
  }
}

interface RawLine {
  start: number;
  end: number;
  ranges: number[][];
}

interface RawHit {
  index: number;
  name: boolean;
  count: number;
  lines: RawLine[];
}

// Runs inside the scan context: only this code is under the time limit, so every use of the pattern is in it.
const SCAN_SOURCE = `(() => {
  const { pages, re, maxCount, maxLines } = input;
  const hits = [];
  const test = (text) => {
    re.lastIndex = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m[0] !== '') return true;
      re.lastIndex++;
    }
    return false;
  };
  for (let index = 0; index < pages.length; index++) {
    const page = pages[index];
    const name = test(page.path.replace(/_/g, ' ')) || test(page.title);
    const body = page.body;
    const lines = [];
    let count = 0;
    let line = null;
    re.lastIndex = 0;
    let m;
    while (count < maxCount && (m = re.exec(body)) !== null) {
      if (m[0] === '') { re.lastIndex++; continue; }
      count++;
      const at = m.index;
      if (line !== null && at < line.end) {
        if (line.ranges.length < 20) line.ranges.push([at, Math.min(at + m[0].length, line.end)]);
        continue;
      }
      if (lines.length >= maxLines) { line = { end: Infinity, ranges: [] }; continue; }
      const start = body.lastIndexOf('\\n', at - 1) + 1;
      let end = body.indexOf('\\n', at);
      if (end < 0) end = body.length;
      line = { start, end, ranges: [[at, Math.min(at + m[0].length, end)]] };
      lines.push(line);
    }
    if (name || count > 0) hits.push({ index, name, count, lines });
  }
  return hits;
})()`;

let context: object | null = null;
let script: Script | null = null;

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One matching line as HTML: escaped, cut to `LINE_CHARS` around its first match, matches in `<mark>`. */
function lineHtml(body: string, line: RawLine): string {
  const first = line.ranges[0]?.[0] ?? line.start;
  const from = Math.max(line.start, Math.min(first - 40, line.end - LINE_CHARS));
  const to = Math.min(line.end, from + LINE_CHARS);
  let out = from > line.start ? '…' : '';
  let at = from;
  for (const [s = 0, e = 0] of line.ranges) {
    const start = Math.max(s, at);
    const end = Math.min(e, to);
    if (end <= start) continue;
    out += `${escapeHtml(body.slice(at, start))}<mark>${escapeHtml(body.slice(start, end))}</mark>`;
    at = end;
  }
  out += escapeHtml(body.slice(at, to).trimEnd());
  return to < line.end ? `${out}…` : out;
}

/**
 * Searches `pages` for `pattern`: pages whose name (path or title) matches come first, then by number of matches,
 * then by path. Each hit's snippet shows up to three matching lines. Throws INVALID_INPUT when the scan runs over
 * `timeLimitMs`.
 */
export function scanPages(pages: PageText[], pattern: RegExp, timeLimitMs = SCAN_TIME_LIMIT_MS): SearchHit[] {
  context ??= createContext({});
  script ??= new Script(SCAN_SOURCE, { filename: 'search-scan.js' });
  (context as { input?: unknown }).input = { pages, re: pattern, maxCount: MAX_COUNT, maxLines: MAX_LINES };
  let raw: RawHit[];
  try {
    raw = script.runInContext(context, { timeout: timeLimitMs }) as RawHit[];
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new WikiError(
        'INVALID_INPUT',
        `The search took longer than ${timeLimitMs} ms and was stopped. Make the regular expression more specific: nested repeats such as (a+)+ can take forever.`,
        { time_limit_ms: timeLimitMs },
      );
    }
    throw err;
  } finally {
    // The pages are not kept alive by the shared context between searches.
    (context as { input?: unknown }).input = undefined;
  }
  // Array.from: the raw array belongs to the scan context's realm; results must be plain arrays of this one.
  const hits = Array.from(raw, (h) => {
    const page = pages[h.index]!;
    return {
      name: h.name,
      count: h.count,
      hit: {
        path: page.path,
        title: page.title,
        category: page.category,
        tags: page.tags,
        score: h.count + (h.name ? MAX_COUNT + 1 : 0),
        snippet: h.lines.map((l) => lineHtml(page.body, l)).join(' … '),
      } satisfies SearchHit,
    };
  });
  hits.sort((a, b) => Number(b.name) - Number(a.name) || b.count - a.count || (a.hit.path < b.hit.path ? -1 : 1));
  return hits.map((h) => h.hit);
}
