/**
 * Finding code in markdown source, so link extraction, link rewriting and section editing leave code alone. Code
 * blocks come from markdown-it's own block parser (the same one that renders the page, so "is this code?" gets the
 * same answer in both places); inline code spans are found with a small scanner that keeps character offsets.
 */
import MarkdownIt from 'markdown-it';
import footnotePlugin from 'markdown-it-footnote';
import type { PluginSimple, Token } from 'markdown-it';

// @types/markdown-it-footnote types the plugin against markdown-it's CommonJS typings; the runtime is the same.
const footnote = footnotePlugin as unknown as PluginSimple;

const blockParser = new MarkdownIt('default', { html: true }).use(footnote);

/** Lines whose indentation or fences could start a code block; without one, the block parse can be skipped. */
const MAYBE_CODE = /^(?: {0,3}(?:`{3,}|~{3,})| {4}|\t| {0,3}(?:[-+*]|\d{1,9}[.)]|>)[ \t])/m;

export interface SourceLines {
  /** Offset of the first character of each line. */
  starts: number[];
  /** Offset just after each line's content (before its line break). */
  ends: number[];
}

/** Splits into lines the way markdown-it counts them (`\r\n`, `\r` and `\n` each end a line). */
export function sourceLines(text: string): SourceLines {
  const starts: number[] = [0];
  const ends: number[] = [];
  const re = /\r\n|\r|\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    ends.push(m.index);
    starts.push(m.index + m[0].length);
  }
  ends.push(text.length);
  return { starts, ends };
}

/** One flag per line: 1 when the line belongs to a fenced or indented code block (fence lines included). */
export function codeLineFlags(text: string, lineCount: number): Uint8Array {
  const flags = new Uint8Array(lineCount);
  if (!MAYBE_CODE.test(text)) return flags;
  const tokens: Token[] = [];
  blockParser.block.parse(text.replace(/\r\n?/g, '\n'), blockParser, {}, tokens);
  for (const token of tokens) {
    if ((token.type === 'fence' || token.type === 'code_block') && token.map) {
      const [from, to] = token.map;
      for (let i = from; i < to && i < lineCount; i++) flags[i] = 1;
    }
  }
  return flags;
}

/**
 * The text with every code block and inline code span replaced by spaces (line breaks kept), so patterns can be
 * matched on the mask and the offsets used on the original.
 */
export function maskCode(text: string): string {
  const lines = sourceLines(text);
  const flags = codeLineFlags(text, lines.starts.length);
  let masked = text;
  if (flags.includes(1)) {
    const parts: string[] = [];
    for (let i = 0; i < flags.length; i++) {
      const start = lines.starts[i] ?? 0;
      const end = lines.ends[i] ?? text.length;
      const next = lines.starts[i + 1] ?? text.length;
      parts.push(flags[i] ? ' '.repeat(end - start) : text.slice(start, end), text.slice(end, next));
    }
    masked = parts.join('');
  }
  return maskCodeSpans(masked);
}

/** Masks inline code spans: a run of N backticks up to the next run of exactly N, within one paragraph. */
function maskCodeSpans(text: string): string {
  let i = text.indexOf('`');
  if (i === -1) return text;
  const parts: string[] = [];
  let copied = 0;
  while (i !== -1) {
    if (isEscaped(text, i)) {
      i = text.indexOf('`', i + 1);
      continue;
    }
    let runEnd = i;
    while (text.charCodeAt(runEnd) === 96) runEnd++;
    const size = runEnd - i;
    const close = findClosingRun(text, runEnd, size);
    if (close === -1) {
      i = text.indexOf('`', runEnd);
      continue;
    }
    const end = close + size;
    parts.push(text.slice(copied, i), text.slice(i, end).replace(/[^\r\n]/g, ' '));
    copied = end;
    i = text.indexOf('`', end);
  }
  parts.push(text.slice(copied));
  return parts.join('');
}

function isEscaped(text: string, pos: number): boolean {
  let slashes = 0;
  for (let j = pos - 1; j >= 0 && text.charCodeAt(j) === 92; j--) slashes++;
  return slashes % 2 === 1;
}

function findClosingRun(text: string, from: number, size: number): number {
  const paragraphEnd = /\n[ \t]*\r?\n/g;
  paragraphEnd.lastIndex = from;
  const limit = paragraphEnd.exec(text)?.index ?? text.length;
  let j = text.indexOf('`', from);
  while (j !== -1 && j < limit) {
    let end = j;
    while (text.charCodeAt(end) === 96) end++;
    if (end - j === size) return j;
    j = text.indexOf('`', end);
  }
  return -1;
}
