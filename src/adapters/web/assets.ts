/**
 * Static assets of the web UI (stylesheet, the small site script, the editor bundle), built by esbuild into
 * `dist/web/` (see build-assets.ts) and held in memory with a gzip copy and a content hash for cache-busting URLs.
 * The plain stylesheet and site script are also read from `web/` when no build exists (tests of a fresh checkout).
 * KaTeX's stylesheet and fonts (for pages with math) come from the `katex` package, loaded on first use.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface Asset {
  name: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  hash: string;
}

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  map: 'application/json',
  woff2: 'font/woff2',
};
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

function asset(name: string, body: Buffer, level = 9): Asset {
  const ext = name.split('.').pop() ?? '';
  return {
    name,
    type: TYPES[ext] ?? 'application/octet-stream',
    body,
    gzip: gzipSync(body, { level }),
    hash: createHash('sha256').update(body).digest('hex').slice(0, 12),
  };
}

let katexCache: Map<string, Asset> | null = null;

/**
 * `katex.css` and its fonts. Only the woff2 fonts are kept (every browser we support reads them), flat beside the
 * stylesheet, each URL versioned by content so it may be cached forever.
 */
function katexAssets(): Map<string, Asset> {
  if (katexCache) return katexCache;
  const dist = dirname(createRequire(import.meta.url).resolve('katex'));
  const out = new Map<string, Asset>();
  for (const file of readdirSync(`${dist}/fonts`).filter((f) => /^KaTeX_[\w-]+\.woff2$/.test(f))) {
    out.set(file, asset(file, readFileSync(`${dist}/fonts/${file}`), 1));
  }
  const css = readFileSync(`${dist}/katex.min.css`, 'utf8').replace(
    /url\(fonts\/([\w-]+)\.woff2\) format\("woff2"\)(?:,url\(fonts\/[\w-]+\.woff\) format\("woff"\))?(?:,url\(fonts\/[\w-]+\.ttf\) format\("truetype"\))?/g,
    (_m, font: string) => `url(${font}.woff2?v=${out.get(`${font}.woff2`)?.hash ?? ''}) format("woff2")`,
  );
  out.set('katex.css', asset('katex.css', Buffer.from(css)));
  katexCache = out;
  return out;
}

export function getAsset(name: string): Asset | undefined {
  return assets().get(name) ?? (name === 'katex.css' || name.startsWith('KaTeX_') ? katexAssets().get(name) : undefined);
}

/** The URL of an asset, versioned by its content so browsers may cache it forever. */
export function assetUrl(name: string): string {
  const asset = getAsset(name);
  return `/-/assets/${name}${asset ? `?v=${asset.hash}` : ''}`;
}
