/**
 * Page outlines for the page index: each page's section headings (levels 2 and 3) with the ids the rendered page
 * gives them. Scanned from the page text without rendering, and cached by blob id (a blob never changes), so the
 * index pays for a page once per version of it.
 */
import { LRUCache } from 'lru-cache';
import type { Actor } from '../auth/actor.js';
import { listSections, slugify, splitFrontmatter } from '../domain/index.js';
import type { Services } from './services.js';
import { openWiki, type WikiRef } from './wiki-access.js';

export interface OutlineEntry {
  level: number;
  text: string;
  /** The heading's id on the rendered page (`Page#id`). */
  id: string;
}

const outlines = new LRUCache<string, OutlineEntry[]>({ max: 100_000 });

/** Heading text as the reader sees it: links and emphasis markers dropped. */
function plain(title: string): string {
  return title
    .replace(/\[\[([^\]|]+)\|([^\]]+)\]\]/g, '$2')
    .replace(/\[\[([^\]]+)\]\]/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*_~]/g, '')
    .trim();
}

/** Outline of one page text; ids de-duplicated as the renderer does (`head`, `head-1`, …). */
export function outlineOf(markdown: string): OutlineEntry[] {
  const { body } = splitFrontmatter(markdown);
  const seen = new Map<string, number>();
  const out: OutlineEntry[] = [];
  for (const s of listSections(body)) {
    const text = plain(s.title);
    const base = slugify(text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    if (s.level >= 2 && s.level <= 3 && text) out.push({ level: s.level, text, id: n === 0 ? base : `${base}-${n}` });
  }
  return out;
}

/** Outlines of the wiki's pages (all, or those under `prefix`), by page path. */
export async function pageOutlines(services: Services, actor: Actor, input: WikiRef & { category?: string | undefined }): Promise<Map<string, OutlineEntry[]>> {
  const w = await openWiki(services, actor, input, 'read');
  const pages = w.index.listPages({ limit: 10_000, ...(input.category ? { category: input.category } : {}) });
  const result = new Map<string, OutlineEntry[]>();
  const missing: Array<{ path: string; blob: string }> = [];
  for (const p of pages) {
    const hit = outlines.get(p.blob);
    if (hit) result.set(p.path, hit);
    else missing.push({ path: p.path, blob: p.blob });
  }
  await Promise.all(
    missing.map(async ({ path, blob }) => {
      const outline = outlineOf((await w.repo.readBlob(blob)).toString('utf8'));
      outlines.set(blob, outline);
      result.set(path, outline);
    }),
  );
  return result;
}
