/**
 * Image thumbnails of attachments at a few fixed sizes (longest side, never enlarged), rendered with sharp and kept in a
 * bounded in-memory cache keyed by (blob id, size): a blob id names its content for good, so a cached thumbnail is
 * never stale. Who may see one, and at which revision, is `attachmentEntry`'s rule (the same as a download). SVG and
 * other non-raster files have no thumbnail; oversized images (bytes or pixels) are refused before they are decoded.
 */
import { LRUCache } from 'lru-cache';
import sharp, { type Metadata } from 'sharp';
import type { Actor } from '../auth/actor.js';
import { WikiError } from '../errors.js';
import { attachmentEntry, type DownloadInput } from './attachments.js';
import type { Services } from './services.js';

/** The sizes a thumbnail may have: a small set bounds the work and the cache keys. */
export const THUMBNAIL_SIZES: readonly number[] = [64, 128, 200, 400, 800];
/** Largest attachment (bytes) that gets a thumbnail. */
export const THUMBNAIL_MAX_BYTES = 20 * 1024 * 1024;
/** Largest image (width × height) that gets a thumbnail: a small file can declare a huge canvas (decompression bomb). */
export const THUMBNAIL_MAX_PIXELS = 40_000_000;
const CACHE_BYTES = 32 * 1024 * 1024;

// Our cache holds the results; libvips' own operation cache would only hold the same bytes a second time.
sharp.cache(false);

/** Attachment types that may have a thumbnail (by name); the content is checked again after reading. */
const RASTER = /^image\/(png|jpeg|gif|webp|avif)$/;
/** What the decoder reports for those; anything else (SVG, PDF, TIFF…) read from a misnamed file is refused. */
const DECODABLE = new Set(['png', 'jpeg', 'gif', 'webp', 'heif']);

export interface ThumbnailInput extends DownloadInput {
  size: number;
}

export interface RenderedThumbnail {
  content: Buffer;
  mimeType: string;
  width: number;
  height: number;
}

interface ThumbnailCache {
  done: LRUCache<string, RenderedThumbnail>;
  /** Renders under way, so that concurrent requests for one thumbnail decode the image once. */
  pending: Map<string, Promise<RenderedThumbnail>>;
}

const caches = new WeakMap<Services, ThumbnailCache>();

function cacheOf(services: Services): ThumbnailCache {
  let c = caches.get(services);
  if (!c) {
    c = { done: new LRUCache({ maxSize: CACHE_BYTES, sizeCalculation: (t) => t.content.length + 200 }), pending: new Map() };
    caches.set(services, c);
  }
  return c;
}

/**
 * A thumbnail of one image attachment (now or at `revision`). The checks that need no decoding run first, and the
 * result's `etag` is known before `render` runs: a caller answering a conditional request need not render at all.
 */
export async function attachmentThumbnail(services: Services, actor: Actor, input: ThumbnailInput) {
  if (!THUMBNAIL_SIZES.includes(input.size)) {
    throw new WikiError('INVALID_INPUT', `A thumbnail size is one of ${THUMBNAIL_SIZES.join(', ')} (pixels, longest side); got ${String(input.size)}.`, {
      field: 'size',
      allowed: THUMBNAIL_SIZES,
    });
  }
  const file = await attachmentEntry(services, actor, input);
  if (!RASTER.test(file.mimeType)) {
    const why = file.mimeType === 'image/svg+xml' ? 'SVG files are never rasterised or shown inline; download the file instead' : 'only PNG, JPEG, GIF, WebP and AVIF images have thumbnails';
    throw new WikiError('INVALID_INPUT', `"${file.name}" has no thumbnail: ${why}.`, { filename: file.name, mime_type: file.mimeType });
  }
  if (file.size > THUMBNAIL_MAX_BYTES) {
    throw new WikiError('PAYLOAD_TOO_LARGE', `"${file.name}" is ${file.size} bytes; images over ${THUMBNAIL_MAX_BYTES} bytes get no thumbnail.`, {
      limit: 'thumbnail_bytes',
      size: file.size,
      max: THUMBNAIL_MAX_BYTES,
    });
  }
  const key = `${file.oid}:${input.size}`;
  const render = async (): Promise<RenderedThumbnail> => {
    const cache = cacheOf(services);
    const hit = cache.done.get(key);
    if (hit) return hit;
    let job = cache.pending.get(key);
    if (!job) {
      job = file
        .read()
        .then((bytes) => renderThumbnail(bytes, file.name, input.size))
        .then((t) => {
          cache.done.set(key, t);
          return t;
        })
        .finally(() => cache.pending.delete(key));
      cache.pending.set(key, job);
    }
    return job;
  };
  return { name: file.name, oid: file.oid, size: input.size, etag: `"${file.oid}-${input.size}"`, render };
}

/** Scales `bytes` so that its longest side is at most `size`, in its own format (GIF and AVIF as PNG and WebP). */
export async function renderThumbnail(bytes: Buffer, name: string, size: number): Promise<RenderedThumbnail> {
  // pages: 1 reads the first frame of an animation only; limitInputPixels backs up the check below. The header is read
  // without the limit (it decodes no pixels) so that an oversized image gets its own clear error.
  const open = (limitInputPixels: number | false) => sharp(bytes, { limitInputPixels, pages: 1, failOn: 'error' });
  let meta: Metadata;
  try {
    meta = await open(false).metadata();
  } catch {
    throw new WikiError('INVALID_INPUT', `"${name}" is not a readable image.`, { filename: name });
  }
  if (!meta.format || !DECODABLE.has(meta.format)) {
    throw new WikiError('INVALID_INPUT', `"${name}" is not a PNG, JPEG, GIF, WebP or AVIF image (its content is ${meta.format ?? 'unknown'}).`, { filename: name });
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width * height > THUMBNAIL_MAX_PIXELS) {
    throw new WikiError('PAYLOAD_TOO_LARGE', `"${name}" is ${width}×${height} pixels; images over ${THUMBNAIL_MAX_PIXELS} pixels get no thumbnail.`, {
      limit: 'thumbnail_pixels',
      size: width * height,
      max: THUMBNAIL_MAX_PIXELS,
    });
  }
  const oriented = (meta.orientation ?? 1) >= 5 ? { w: height, h: width } : { w: width, h: height };
  const fits = oriented.w <= size && oriented.h <= size && (meta.orientation ?? 1) === 1;
  if (fits && (meta.format === 'png' || meta.format === 'jpeg' || meta.format === 'webp')) {
    // Already small enough: the original is the best thumbnail (never enlarged, never re-encoded worse).
    return { content: bytes, mimeType: `image/${meta.format}`, width, height };
  }
  try {
    const pipeline = open(THUMBNAIL_MAX_PIXELS).rotate().resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true });
    const encoded =
      meta.format === 'jpeg'
        ? pipeline.jpeg({ quality: 80, mozjpeg: true })
        : meta.format === 'webp' || meta.format === 'heif'
          ? pipeline.webp({ quality: 80 })
          : pipeline.png({ compressionLevel: 9, palette: meta.format === 'gif' });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { content: data, mimeType: `image/${info.format === 'jpeg' ? 'jpeg' : info.format}`, width: info.width, height: info.height };
  } catch (err) {
    if (err instanceof WikiError) throw err;
    throw new WikiError('INVALID_INPUT', `"${name}" could not be decoded as an image: ${err instanceof Error ? err.message : String(err)}.`, { filename: name });
  }
}
