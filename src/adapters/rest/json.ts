/**
 * JSON in and out of the REST API: strict UTF-8 request bodies, and responses in snake_case (front matter is
 * user data and keeps its own keys).
 */
import { WikiError } from '../../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Parses a request body as strict UTF-8 JSON; malformed input is INVALID_INPUT. */
export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw new WikiError('INVALID_INPUT', 'The request body is not valid UTF-8.');
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new WikiError('INVALID_INPUT', `The request body is not valid JSON: ${(err as Error).message}`);
  }
}

const KEEP = new Set(['frontmatter']);

/** Converts object keys from camelCase to snake_case, deeply, leaving front matter untouched. */
export function snake(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snake);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = KEEP.has(k) ? v : snake(v);
  }
  return out;
}
