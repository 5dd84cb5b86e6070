/**
 * Links between pages: WikiLinks (`[[Page]]`, `[[Page|shown text]]` or, in wikis set that way, Otterwiki's
 * `[[shown text|Page]]`, `[[Page#Heading]]`) and markdown links to
 * `/<owner>/<wiki>/<Page/Path>`. Extraction feeds the link graph (backlinks, orphans, broken links); rewriting keeps
 * those links working when a page is renamed. Code blocks and code spans are never read or changed.
 */
import { maskCode } from './markdown-scan.js';
import { pageKey, parsePagePath, tryParsePagePath } from './page-path.js';

/** Which side of a WikiLink's pipe names the page: `[[Page|Text]]` (`page-text`, the default) or `[[Text|Page]]`. */
export type WikiLinkOrder = 'page-text' | 'text-page';

export interface WikiBase {
  owner: string;
  wiki: string;
  /** How this wiki writes WikiLinks with shown text; `page-text` when omitted. */
  linkOrder?: WikiLinkOrder | undefined;
}

export interface ExtractedLink {
  /** Page path as written, spaces as `_` (`Actors/Iran_Regime`). */
  target: string;
  /** Case-insensitive key of the target (`actors/iran_regime`). */
  targetKey: string;
  anchor: string | null;
  kind: 'wikilink' | 'markdown';
}

export interface ParsedWikiLink {
  /** Canonical page path, or null for a same-page anchor (`[[#Heading]]`) or an invalid target. */
  target: string | null;
  anchor: string | null;
  /** Text after the pipe, or null. */
  text: string | null;
  /** The part before the pipe, as written (`Page#Heading`). */
  written: string;
  /** False when the page part is not a valid page path. */
  valid: boolean;
}

// [[target]] or [[target|text]]; the target cannot contain brackets, a pipe or a line break.
const WIKILINK = /\[\[([^[\]\n|]+)(?:\|([^[\]\n]*))?\]\]/dg;
// `](destination` of an inline link or image; the destination may be <bracketed> or hold balanced parentheses.
const INLINE_DEST = /\]\([ \t]*(<[^<>\n]*>|[^\s()<]*(?:\([^\s()]*\)[^\s()]*)*)/dg;
// `[label]: destination` of a reference definition.
const REFERENCE_DEST = /^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^<>\n]*>|\S+)/dgm;
// A file extension: a dot, a letter, then up to seven letters or digits (`.png`, `.pdf`, `.mp4`, not `.0`).
const FILE_EXTENSION = /\.[A-Za-z][A-Za-z0-9]{0,7}$/;

/** Splits the inside of `[[…]]` into target, anchor and shown text; `order` says which side of the pipe is the page. */
export function parseWikiLink(inner: string, order: WikiLinkOrder = 'page-text'): ParsedWikiLink {
  const pipe = inner.indexOf('|');
  const before = pipe === -1 ? inner : inner.slice(0, pipe);
  const after = pipe === -1 ? null : inner.slice(pipe + 1);
  const pageFirst = after === null || order === 'page-text';
  // Inside a table a pipe must be escaped (`[[Page\\|text]]`); the backslash belongs to the table, not the link.
  const written = pageFirst ? before.replace(/\\$/, '') : after;
  const text = after === null ? null : pageFirst ? after.trim() : before.replace(/\\$/, '').trim();
  const hash = written.indexOf('#');
  const pagePart = (hash === -1 ? written : written.slice(0, hash)).trim().replace(/^\//, '');
  const anchorPart = hash === -1 ? '' : written.slice(hash + 1).trim();
  const anchor = anchorPart === '' ? null : anchorPart;
  if (pagePart === '') return { target: null, anchor, text, written: written.trim(), valid: anchor !== null };
  const target = tryParsePagePath(pagePart);
  return { target, anchor, text, written: written.trim(), valid: target !== null };
}

interface WikiUrl {
  /** Offsets of the path part inside the URL. */
  pathStart: number;
  pathEnd: number;
  /** Raw path segments as written (maybe percent-encoded). */
  rawSegments: string[];
  /** Decoded segments. */
  segments: string[];
  anchor: string | null;
}

function safeDecode(s: string): string | null {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** Parses a URL that points into this wiki (`/owner/wiki/Path#anchor`), or null. */
function parseWikiUrl(url: string, base: WikiBase): WikiUrl | null {
  const prefix = `/${base.owner}/${base.wiki}/`;
  if (url.length <= prefix.length || url.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return null;
  const pathStart = prefix.length;
  let pathEnd = url.length;
  for (let i = pathStart; i < url.length; i++) {
    const c = url[i];
    if (c === '#' || c === '?') {
      pathEnd = i;
      break;
    }
  }
  const hash = url.indexOf('#', pathEnd);
  const anchorRaw = hash === -1 ? '' : url.slice(hash + 1);
  const anchor = anchorRaw === '' ? null : (safeDecode(anchorRaw) ?? anchorRaw);
  const rawSegments = url.slice(pathStart, pathEnd).split('/');
  const segments: string[] = [];
  for (const raw of rawSegments) {
    const decoded = safeDecode(raw);
    if (decoded === null) return null;
    segments.push(decoded);
  }
  return { pathStart, pathEnd, rawSegments, segments, anchor };
}

interface FoundUrl {
  url: string;
  /** Offset of the URL in the text. */
  start: number;
}

function findLinkUrls(text: string, masked: string): FoundUrl[] {
  const found: FoundUrl[] = [];
  for (const re of [INLINE_DEST, REFERENCE_DEST]) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(masked)) !== null) {
      const span = m.indices?.[1];
      if (!span) continue;
      let [start, end] = span;
      if (masked[start] === '<') {
        start += 1;
        end -= 1;
      }
      found.push({ url: text.slice(start, end), start });
    }
  }
  return found;
}

/** Every link to a page of this wiki in a markdown body, de-duplicated; links inside code are ignored. */
export function extractLinks(markdownBody: string, base: WikiBase): ExtractedLink[] {
  const hasWiki = markdownBody.includes('[[');
  const hasUrl = markdownBody.includes(`/${base.owner}/${base.wiki}/`);
  if (!hasWiki && !hasUrl) return [];
  const masked = maskCode(markdownBody);
  const seen = new Set<string>();
  const links: ExtractedLink[] = [];
  const add = (target: string, anchor: string | null, kind: ExtractedLink['kind']): void => {
    const id = `${target}\u0000${anchor ?? ''}\u0000${anchor === null ? 0 : 1}\u0000${kind}`;
    if (seen.has(id)) return;
    seen.add(id);
    links.push({ target, targetKey: pageKey(target), anchor, kind });
  };
  if (hasWiki) {
    WIKILINK.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = WIKILINK.exec(masked)) !== null) {
      const span = m.indices?.[0];
      if (!span) continue;
      const original = markdownBody.slice(span[0] + 2, span[1] - 2);
      const link = parseWikiLink(original, base.linkOrder);
      if (link.target !== null) add(link.target, link.anchor, 'wikilink');
    }
  }
  if (hasUrl) {
    for (const { url } of findLinkUrls(markdownBody, masked)) {
      const parsed = parseWikiUrl(url, base);
      if (!parsed) continue;
      const last = parsed.segments[parsed.segments.length - 1] ?? '';
      if (FILE_EXTENSION.test(last)) continue;
      const target = tryParsePagePath(parsed.segments.join('/'));
      if (target !== null) add(target, parsed.anchor, 'markdown');
    }
  }
  return links;
}

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

function encodeSegments(segments: string[], encode: boolean): string {
  return segments.map((s) => (encode ? encodeURIComponent(s) : s)).join('/');
}

/**
 * Rewrites every link to `oldPath` (matched case-insensitively, spaces and `_` alike) so it points to `newPath`:
 * WikiLinks in all their forms, markdown links and images to the page or to an attachment in its folder, plain or
 * percent-encoded. Throws `INVALID_PATH` when `newPath` is not a valid page path. Each link keeps its shape: a WikiLink written with spaces gets the new name with spaces, an
 * encoded URL stays encoded. Sub-pages are not rewritten; code is never touched.
 */
export function rewriteLinks(
  markdownText: string,
  oldPath: string,
  newPath: string,
  base: WikiBase,
): { text: string; count: number } {
  const oldKey = pageKey(oldPath.trim());
  const newCanonical = parsePagePath(newPath);
  const newSegments = newCanonical.split('/');
  const oldSegmentCount = oldKey.split('/').length;
  const masked = maskCode(markdownText);
  const edits: Edit[] = [];

  // The page is the part before the pipe, or after it in `text-page` wikis (when there is a pipe).
  const pageGroup = base.linkOrder === 'text-page' ? 2 : 1;
  WIKILINK.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WIKILINK.exec(masked)) !== null) {
    const span = m.indices?.[pageGroup] ?? m.indices?.[1];
    if (!span) continue;
    const written = markdownText.slice(span[0], span[1]);
    const hash = written.indexOf('#');
    const pageRaw = hash === -1 ? written : written.slice(0, hash);
    const shape = /^(\s*\/?)(.*?)(\s*\\?)$/s.exec(pageRaw);
    const core = shape?.[2] ?? '';
    if (core === '' || pageKey(core) !== oldKey) continue;
    const lead = shape?.[1]?.length ?? 0;
    const replacement = core.includes(' ') ? newCanonical.replace(/_/g, ' ') : newCanonical;
    edits.push({ start: span[0] + lead, end: span[0] + lead + core.length, replacement });
  }

  for (const { url, start } of findLinkUrls(markdownText, masked)) {
    const parsed = parseWikiUrl(url, base);
    if (!parsed) continue;
    const count = parsed.segments.length;
    const isPage = count === oldSegmentCount;
    const isAttachment = count === oldSegmentCount + 1 && FILE_EXTENSION.test(parsed.segments[count - 1] ?? '');
    if (!isPage && !isAttachment) continue;
    const pageSegments = parsed.segments.slice(0, oldSegmentCount);
    if (pageKey(pageSegments.join('/')) !== oldKey) continue;
    const rawPage = parsed.rawSegments.slice(0, oldSegmentCount).join('/');
    const useSpaces = pageSegments.some((s) => s.includes(' '));
    const segments = useSpaces ? newSegments.map((s) => s.replace(/_/g, ' ')) : newSegments;
    const replacement = encodeSegments(segments, rawPage.includes('%'));
    const pathStart = start + parsed.pathStart;
    edits.push({ start: pathStart, end: pathStart + rawPage.length, replacement });
  }

  if (edits.length === 0) return { text: markdownText, count: 0 };
  edits.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let copied = 0;
  for (const edit of edits) {
    parts.push(markdownText.slice(copied, edit.start), edit.replacement);
    copied = edit.end;
  }
  parts.push(markdownText.slice(copied));
  return { text: parts.join(''), count: edits.length };
}
