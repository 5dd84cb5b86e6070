/**
 * Parameter schemas the tools share, each with the clear message a model gets when it sends something else, and
 * small helpers that turn use-case answers into compact text.
 */
import { z } from 'zod';
import type { CommitSummary } from '../../usecases/index.js';

export const pathParam = (description: string) =>
  z
    .string({ invalid_type_error: 'must be a string (a page path such as "Actors/Iran_Regime")' })
    .min(1, 'must not be empty')
    .max(2048, 'is longer than 2048 characters')
    .describe(description);

export const revisionParam = (description: string) =>
  z
    .string({ invalid_type_error: 'must be a string of 7 to 40 hexadecimal characters' })
    .regex(/^\s*[0-9a-fA-F]{7,40}\s*$/, 'must be 7 to 40 hexadecimal characters, as returned by read_note or get_history')
    .describe(description);

export const commitMessageParam = z
  .string({ invalid_type_error: 'must be a string' })
  .max(10_000, 'is longer than 10,000 characters')
  .optional()
  .describe('Why you made the change, in the form "Verb: Page — why", e.g. "Update: Actors/Iran_Regime — add 2026 budget figures". A default is used when omitted.');

export const limitParam = (max: number, fallback: number, what: string) =>
  z
    .number({ invalid_type_error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .optional()
    .describe(`How many ${what} to return, 1 to ${max} (default ${fallback}), e.g. ${Math.min(10, max)}.`);

export const dateParam = (description: string) =>
  z
    .string({ invalid_type_error: 'must be an ISO date string' })
    .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO date such as "2026-01-31" or "2026-01-31T12:00:00Z"')
    .optional()
    .describe(description);

export const filterParams = {
  prefix: z
    .string({ invalid_type_error: 'must be a string' })
    .max(1024, 'is longer than 1024 characters')
    .optional()
    .describe('Only pages whose path starts with this folder, e.g. "Actors/".'),
  category: z
    .string({ invalid_type_error: 'must be a string' })
    .max(200, 'is longer than 200 characters')
    .optional()
    .describe('Only pages of this category (front matter `category`), e.g. "actor".'),
  tag: z
    .string({ invalid_type_error: 'must be a string' })
    .max(200, 'is longer than 200 characters')
    .optional()
    .describe('Only pages with this tag (front matter `tags`), e.g. "sanctions".'),
};

/** Undefined-free options object for use-case inputs (exactOptionalPropertyTypes). */
export const opt = <K extends string, T>(key: K, value: T | undefined): Partial<Record<K, T>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, T>>;

/** `2026-11-27 10:31 by Claude (MCP): [mcp] Update: X` */
export const commitLine = (c: Pick<CommitSummary, 'date' | 'authorName' | 'message'> & { oid?: string }): string =>
  `${c.oid ? `${c.oid.slice(0, 12)} ` : ''}${c.date.slice(0, 16).replace('T', ' ')} by ${c.authorName}: ${c.message.split('\n')[0] ?? ''}`;

/** Removes the `<mark>` tags and HTML escapes of a search snippet. */
export const plainSnippet = (snippet: string): string =>
  snippet
    .replace(/<\/?mark>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();

/** The browser address of a page. */
export const pageUrl = (baseUrl: string, owner: string, slug: string, path: string): string =>
  `${baseUrl}/${owner}/${slug}/${path.split('/').map(encodeURIComponent).join('/')}`;
