/**
 * Page paths and attachment names: the naming rules every door (web, REST, MCP, git push) shares.
 * A bad name is refused with a message that says what is wrong — never cleaned into a different page silently,
 * because a silently renamed page is a page the writer cannot find again.
 */
import { WikiError } from '../errors.js';

const MAX_SEGMENT_BYTES = 255;
const MAX_PATH_BYTES = 1024;

// eslint-disable-next-line no-control-regex -- control characters are exactly what this rule is about
const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;
const URL_BREAKING_CHAR = /[#?%*:<>|"]/;

const encoder = new TextEncoder();

function byteLength(s: string): number {
  // Fast path: ASCII strings have one byte per character.
  // eslint-disable-next-line no-control-regex -- ASCII range check
  return /^[\u0000-\u007f]*$/.test(s) ? s.length : encoder.encode(s).length;
}

function describeBadChar(input: string): string | null {
  if (CONTROL_CHAR.test(input)) return 'it contains a control character (tab, newline or similar)';
  if (input.includes('\\')) return 'it contains a backslash; use "/" to separate folders';
  const bad = URL_BREAKING_CHAR.exec(input);
  if (bad) {
    return (
      `it contains "${bad[0]}"; the characters # ? % * : < > | " are not allowed ` +
      'because they break URLs (# starts an anchor, ? a query, % an escape) or file names on some systems'
    );
  }
  return null;
}

/**
 * What is wrong with an already-trimmed, space-converted path, or null when it is valid.
 * Kept separate from `parsePagePath` so hot paths (link extraction) can test validity without throwing.
 */
function pagePathProblem(path: string): string | null {
  if (path === '') return 'it is empty';
  if (path.startsWith('/')) return 'it starts with "/"; page paths are relative to the wiki, like "Actors/Iran"';
  const bad = describeBadChar(path);
  if (bad) return bad;
  if (path.includes('..')) return 'it contains ".."';
  if (path.endsWith('/')) return 'it ends with "/" (an empty last segment)';
  if (/\.md$/i.test(path)) return 'it ends with ".md"; give the page path without the file extension';
  if (byteLength(path) > MAX_PATH_BYTES) return `it is longer than ${MAX_PATH_BYTES} bytes`;
  for (const segment of path.split('/')) {
    if (segment === '') return 'it contains an empty segment ("//")';
    if (segment.startsWith('.')) return `the segment "${segment}" starts with "."; hidden names are not allowed`;
    if (segment.toLowerCase().endsWith('.git')) return `the segment "${segment}" ends with ".git", which git reserves`;
    if (byteLength(segment) > MAX_SEGMENT_BYTES) {
      return `a segment is longer than ${MAX_SEGMENT_BYTES} bytes (UTF-8)`;
    }
  }
  return null;
}

function normalizeSpaces(input: string): string {
  return input.trim().replace(/ /g, '_');
}

/**
 * Validates and canonicalizes a page path given by a user or URL (already percent-decoded): trims the whole input,
 * turns spaces into `_`, keeps case. Throws `WikiError('INVALID_PATH')` with a message quoting the input.
 */
export function parsePagePath(input: string): string {
  const path = normalizeSpaces(input);
  const problem = pagePathProblem(path);
  if (problem !== null) {
    throw new WikiError('INVALID_PATH', `Invalid page path ${JSON.stringify(input)}: ${problem}.`, { path: input });
  }
  return path;
}

/** The canonical page path, or null when the input is not a valid page path. Never throws. */
export function tryParsePagePath(input: string): string | null {
  const path = normalizeSpaces(input);
  return pagePathProblem(path) === null ? path : null;
}

/** Case-insensitive lookup key: lowercase, spaces as `_` (`Actors/Iran Regime` → `actors/iran_regime`). */
export function pageKey(path: string): string {
  return path.replace(/ /g, '_').toLowerCase();
}

/** The file that holds a page (`Actors/Iran` → `Actors/Iran.md`). */
export function pageFile(path: string): string {
  return `${path}.md`;
}

/** The page a repository file holds, or null when the file is not a page (`.md`). */
export function pagePathFromFile(file: string): string | null {
  if (!file.endsWith('.md') || file.length <= 3) return null;
  return file.slice(0, -3);
}

/** Last segment with `_` shown as spaces (`Actors/Iran_Regime` → `Iran Regime`). */
export function pageTitleFromPath(path: string): string {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.replace(/_/g, ' ');
}

/** The folder that holds a page's attachments (`Actors/Iran` → `Actors/Iran/`). */
export function attachmentFolder(path: string): string {
  return `${path}/`;
}

/**
 * Validates an attachment file name: one safe segment, spaces turned into `_`. Names ending in `.md` are refused
 * because those files would be pages.
 */
export function parseAttachmentName(input: string): string {
  const name = normalizeSpaces(input);
  let problem: string | null = null;
  if (name === '') problem = 'it is empty';
  else if (name.includes('/')) problem = 'it contains "/"; an attachment name is a single file name';
  else problem = describeBadChar(name);
  if (problem === null) {
    if (name.includes('..')) problem = 'it contains ".."';
    else if (name.startsWith('.')) problem = 'it starts with "."; hidden files are not allowed';
    else if (/\.md$/i.test(name)) problem = 'it ends with ".md", which is reserved for pages';
    else if (byteLength(name) > MAX_SEGMENT_BYTES) problem = `it is longer than ${MAX_SEGMENT_BYTES} bytes (UTF-8)`;
  }
  if (problem !== null) {
    throw new WikiError('INVALID_PATH', `Invalid attachment name ${JSON.stringify(input)}: ${problem}.`, {
      name: input,
    });
  }
  return name;
}

/** Full repository path of a page's attachment (`Actors/Iran`, `map.png` → `Actors/Iran/map.png`). */
export function parseAttachmentPath(page: string, name: string): string {
  const full = `${parsePagePath(page)}/${parseAttachmentName(name)}`;
  if (byteLength(full) > MAX_PATH_BYTES) {
    throw new WikiError(
      'INVALID_PATH',
      `Invalid attachment path ${JSON.stringify(full)}: it is longer than ${MAX_PATH_BYTES} bytes.`,
      { path: full },
    );
  }
  return full;
}
