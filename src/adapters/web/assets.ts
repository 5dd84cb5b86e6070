/**
 * Static assets of the web UI (stylesheet, the small site script, the editor bundle), built by esbuild into
 * `dist/web/` (see build-assets.ts) and held in memory with a gzip copy and a content hash for cache-busting URLs.
 * The plain stylesheet and site script are also read from `web/` when no build exists (tests of a fresh checkout).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface Asset {
  name: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  hash: string;
}

const TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', map: 'application/json' };
/** The asset names the UI references. */
export const ASSET_NAMES = ['app.css', 'app.js', 'editor.js'] as const;

const builtDir = fileURLToPath(new URL('../../../web/', import.meta.url));
const sourceDir = fileURLToPath(new URL('../../../../web/', import.meta.url));

let cache: Map<string, Asset> | null = null;

function load(): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const name of ASSET_NAMES) {
    const file = [builtDir + name, sourceDir + name].find((f) => existsSync(f));
    if (!file) continue;
    const body = readFileSync(file);
    const ext = name.split('.').pop() ?? '';
    out.set(name, {
      name,
      type: TYPES[ext] ?? 'application/octet-stream',
      body,
      gzip: gzipSync(body, { level: 9 }),
      hash: createHash('sha256').update(body).digest('hex').slice(0, 12),
    });
  }
  return out;
}

export function assets(): Map<string, Asset> {
  cache ??= load();
  return cache;
}

export function getAsset(name: string): Asset | undefined {
  return assets().get(name);
}

/** The URL of an asset, versioned by its content so browsers may cache it forever. */
export function assetUrl(name: string): string {
  const asset = getAsset(name);
  return `/-/assets/${name}${asset ? `?v=${asset.hash}` : ''}`;
}
