/**
 * Rendered HTML cached by blob id. Links to missing pages render differently, so entries also carry the wiki's
 * page-set version: adding or removing a page invalidates that wiki's cached HTML, editing one does not.
 */
import { LRUCache } from 'lru-cache';
import { renderMarkdown } from '../domain/index.js';
import type { OpenWiki } from './wiki-access.js';

type Rendered = ReturnType<typeof renderMarkdown>;

const cache = new LRUCache<string, Rendered>({
  maxSize: 64 * 1024 * 1024,
  sizeCalculation: (r) => r.html.length * 2 + 64,
});

/** The HTML of `body`, whose identity is `blobKey` (a blob id, or a revision-qualified name). */
export function renderCached(w: OpenWiki, blobKey: string, body: string): Rendered {
  // The WikiLink order is part of the key: changing the wiki's setting must not serve HTML read the other way.
  const key = `${w.base.owner}/${w.base.wiki}:${w.base.linkOrder ?? 'page-text'}:${w.runtime.pageSetVersion}:${blobKey}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const rendered = renderMarkdown(body, { ...w.base, resolvePage: (k) => w.index.findByKey(k)[0]?.path ?? null });
  cache.set(key, rendered);
  return rendered;
}
