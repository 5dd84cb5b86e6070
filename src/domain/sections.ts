/**
 * Sections: ATX headings (`#` … `######`, not inside code) form a tree, and a section runs from its heading line to
 * the next heading of the same or a higher level. Assistants read and edit one section by its path
 * ("Background > Military Strategy") instead of resending a whole page.
 */
import { WikiError } from '../errors.js';
import { codeLineFlags, sourceLines } from './markdown-scan.js';

export interface Section {
  /** Heading titles from the top, joined with " > " (`Background > Military Strategy`). */
  path: string;
  title: string;
  level: number;
  /** Offset of the heading line. */
  start: number;
  /** Offset just after the section (exclusive): the next same-or-higher heading, or the end of the text. */
  end: number;
  /** Offset just after the heading line and its line break. */
  bodyStart: number;
}

export type SectionEditMode = 'replace' | 'append' | 'prepend';

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const STARTS_WITH_HEADING = /^ {0,3}#{1,6}(?:[ \t]|$)/;

/** Every section in document order. */
export function listSections(body: string): Section[] {
  const lines = sourceLines(body);
  const count = lines.starts.length;
  const code = body.includes('#') ? codeLineFlags(body, count) : new Uint8Array(count);
  const sections: Section[] = [];
  const stack: Section[] = [];
  for (let i = 0; i < count; i++) {
    if (code[i]) continue;
    const start = lines.starts[i] ?? 0;
    const lineEnd = lines.ends[i] ?? body.length;
    if (body.charCodeAt(start) !== 35 && body.charCodeAt(start) !== 32) continue; // '#' or ' '
    const m = ATX_HEADING.exec(body.slice(start, lineEnd));
    if (!m) continue;
    const level = m[1]?.length ?? 1;
    const title = (m[2] ?? '').trim();
    while (stack.length > 0 && (stack[stack.length - 1]?.level ?? 0) >= level) {
      const closed = stack.pop();
      if (closed) closed.end = start;
    }
    const path = [...stack.map((s) => s.title), title].join(' > ');
    const section: Section = {
      path,
      title,
      level,
      start,
      end: body.length,
      bodyStart: lines.starts[i + 1] ?? body.length,
    };
    sections.push(section);
    stack.push(section);
  }
  return sections;
}

function normalizeTitle(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toLowerCase();
}

function splitSectionPath(sectionPath: string): string[] {
  return sectionPath
    .replace(/^\s*#{1,6}\s+/, '')
    .split('>')
    .map(normalizeTitle);
}

/**
 * Finds a section by its path (case-insensitive, spaces around `>` ignored). A trailing part of the path is enough
 * when it is unique ("Military Strategy" for "Background > Military Strategy").
 */
export function findSection(body: string, sectionPath: string): Section {
  const sections = listSections(body);
  const wanted = splitSectionPath(sectionPath);
  const split = sections.map((s) => s.path.split(' > ').map(normalizeTitle));
  let matches = sections.filter((_, i) => sameParts(split[i] ?? [], wanted));
  if (matches.length === 0) {
    matches = sections.filter((_, i) => {
      const parts = split[i] ?? [];
      return parts.length > wanted.length && sameParts(parts.slice(parts.length - wanted.length), wanted);
    });
  }
  const available = sections.map((s) => s.path);
  const only = matches[0];
  if (matches.length === 1 && only) return only;
  if (matches.length === 0) {
    const list =
      available.length > 0
        ? `Available sections: ${available.map((p) => `"${p}"`).join(', ')}.`
        : 'The page has no headings.';
    throw new WikiError('SECTION_NOT_FOUND', `Section "${sectionPath}" was not found. ${list}`, {
      section: sectionPath,
      available,
    });
  }
  throw new WikiError(
    'SECTION_NOT_FOUND',
    `Section "${sectionPath}" is ambiguous: it matches ${matches.length} sections (${matches
      .map((s) => `"${s.path}"`)
      .join(', ')}). Give the full path with " > ".`,
    { section: sectionPath, available, matches: matches.map((s) => s.path) },
  );
}

function sameParts(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

/** The section's text, heading line included. */
export function readSection(body: string, sectionPath: string): string {
  const section = findSection(body, sectionPath);
  return body.slice(section.start, section.end);
}

function trimBlankLines(s: string): string {
  return s.replace(/^(?:[ \t]*\r?\n)+/, '').replace(/\s+$/, '');
}

/**
 * Edits one section. `replace` swaps the whole section (heading included; content that does not start with a
 * heading keeps the original heading line), `append` adds after its last subsection, `prepend` right after its
 * heading line. Blocks are separated by one blank line.
 */
export function editSection(body: string, sectionPath: string, mode: SectionEditMode, content: string): string {
  const section = findSection(body, sectionPath);
  const before = body.slice(0, section.start);
  const after = body.slice(section.end);
  const headingLine = body.slice(section.start, section.bodyStart).replace(/\r?\n$/, '');
  const sectionBody = trimBlankLines(body.slice(section.bodyStart, section.end));
  const added = trimBlankLines(content);
  let blocks: string[];
  if (mode === 'replace') {
    blocks = STARTS_WITH_HEADING.test(added) ? [added] : [headingLine, added];
  } else if (mode === 'append') {
    blocks = [headingLine, sectionBody, added];
  } else {
    blocks = [headingLine, added, sectionBody];
  }
  const text = blocks.filter((b) => b !== '').join('\n\n');
  // The next section keeps a blank line before its heading; the last section ends with one line break.
  return `${before}${text}${after === '' ? '\n' : '\n\n'}${after}`;
}
