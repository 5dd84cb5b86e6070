/**
 * YAML front matter: the block between a first `---` line and the next `---` line. A broken block never loses the
 * page: the body is still returned and the YAML problem is reported beside it, so the index and the editor can show
 * it instead of failing.
 */
import { parse, stringify } from 'yaml';

export interface SplitFrontmatter {
  frontmatter: Record<string, unknown>;
  /** Text after the closing `---` line (the whole text when there is no front matter). */
  body: string;
  /** YAML text between the fences, or null when the page has no front matter. */
  raw: string | null;
  /** Why the YAML could not be used, or null. */
  error: string | null;
}

const OPENING = /^\uFEFF?---[ \t]*\r?\n/;
const CLOSING = /^---[ \t]*(?:\r?\n|$)/m;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Splits front matter from the body. The YAML core schema is used so dates stay ISO strings (`2026-01-31`) and
 * `yes`/`no` stay strings, exactly as written.
 */
export function splitFrontmatter(text: string): SplitFrontmatter {
  const open = OPENING.exec(text);
  if (!open) return { frontmatter: {}, body: text, raw: null, error: null };
  const rest = text.slice(open[0].length);
  const close = CLOSING.exec(rest);
  if (!close) return { frontmatter: {}, body: text, raw: null, error: null };
  const raw = rest.slice(0, close.index);
  const body = rest.slice(close.index + close[0].length);
  let value: unknown;
  try {
    value = parse(raw, { schema: 'core', prettyErrors: false });
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { frontmatter: {}, body, raw, error: `Front matter is not valid YAML: ${message}` };
  }
  if (value === null || value === undefined) return { frontmatter: {}, body, raw, error: null };
  if (!isPlainObject(value)) {
    return {
      frontmatter: {},
      body,
      raw,
      error: 'Front matter must be a YAML mapping of keys to values (like "title: My page").',
    };
  }
  return { frontmatter: value, body, raw, error: null };
}

/** Puts front matter back in front of a body; an empty object gives the body alone. */
export function joinFrontmatter(frontmatter: Record<string, unknown>, body: string): string {
  if (Object.keys(frontmatter).length === 0) return body;
  const yaml = stringify(frontmatter, { schema: 'core', lineWidth: 0 });
  return `---\n${yaml}---\n${body}`;
}
