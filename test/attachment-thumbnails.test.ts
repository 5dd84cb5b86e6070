// Attachment thumbnails (REST and web) from real images made here with sharp: size, format, aspect ratio, no
// enlarging, ETag/304 and cache headers, refused sizes, SVG and non-images, decompression bombs, foreign wikis and old
// revisions; and upload under another name, with a name clash refused unless replacing.
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { cliActor } from '../src/auth/actor.js';
import * as uc from '../src/usecases/index.js';
import { assertError, assertUnchanged, createPage, makeTenant, showFile, startServer, uniqueName, type Tenant, type TestServer } from './harness.js';
import { makeWebTenant, WebClient } from './web-support.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

type Format = 'png' | 'jpeg' | 'webp' | 'gif';
/** A real image: a colour gradient so that encoders have something to encode. */
async function image(width: number, height: number, format: Format): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = 128;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** A few hundred bytes of PNG that declare a `width`×`height` canvas: a decompression bomb. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function upload(t: Tenant, page: string, name: string, content: Buffer) {
  const res = await t.api('POST', `/pages/${page}/attachments?filename=${encodeURIComponent(name)}`, { body: content, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(res.status, 201, res.text);
  return res;
}

const thumb = (t: Tenant, page: string, name: string, query = '', headers: Record<string, string> = {}) =>
  t.api('GET', `/pages/${page}/attachments/${encodeURIComponent(name)}/thumbnail${query}`, { headers });

void describe('REST thumbnails', () => {
  void it('scale the longest side to the size asked, keep the aspect ratio and the format, and never enlarge', async () => {
    const t = await makeTenant(h, uniqueName('thumb-fmt'));
    await createPage(t, 'Pics', '# Pics\n');
    await upload(t, 'Pics', 'wide.png', await image(1000, 500, 'png'));
    await upload(t, 'Pics', 'tall.jpg', await image(300, 600, 'jpeg'));
    await upload(t, 'Pics', 'square.webp', await image(400, 400, 'webp'));
    await upload(t, 'Pics', 'anim.gif', await image(120, 80, 'gif'));
    const small = await image(50, 30, 'png');
    await upload(t, 'Pics', 'small.png', small);
    const cases: Array<[string, string, string, number, number]> = [
      ['wide.png', '?size=200', 'image/png', 200, 100],
      ['tall.jpg', '?size=128', 'image/jpeg', 64, 128],
      ['square.webp', '?size=64', 'image/webp', 64, 64],
      ['anim.gif', '?size=800', 'image/png', 120, 80],
      ['small.png', '?size=800', 'image/png', 50, 30],
      ['wide.png', '', 'image/png', 200, 100],
    ];
    for (const [name, q, type, width, height] of cases) {
      const res = await thumb(t, 'Pics', name, q);
      assert.equal(res.status, 200, `${name}${q}: ${res.text}`);
      assert.equal(res.headers.get('content-type'), type, name);
      const meta = await sharp(res.bytes).metadata();
      assert.deepEqual([meta.width, meta.height], [width, height], `${name}${q}`);
      assert.equal(`image/${meta.format}`, type, name);
    }
    // An image already within the size is sent as it is, not re-encoded.
    assert.deepEqual((await thumb(t, 'Pics', 'small.png', '?size=800')).bytes, small);
    // The thumbnail is smaller than the file.
    const full = await t.api('GET', '/pages/Pics/attachments/wide.png');
    assert.ok((await thumb(t, 'Pics', 'wide.png', '?size=64')).bytes.length < full.bytes.length);
  });

  void it('carry a strong ETag of the blob and size, answer If-None-Match with 304, and change when the file does', async () => {
    const t = await makeTenant(h, uniqueName('thumb-etag'));
    await createPage(t, 'Pics', '# Pics\n');
    await upload(t, 'Pics', 'a.png', await image(600, 300, 'png'));
    const list = await t.api('GET', '/pages/Pics/attachments');
    const oid = (list.json as unknown as { attachments: Array<{ oid: string }> }).attachments[0]!.oid;
    assert.match(oid, /^[0-9a-f]{40}$/);
    const first = await thumb(t, 'Pics', 'a.png', '?size=200');
    assert.equal(first.headers.get('etag'), `"${oid}-200"`);
    assert.equal(first.headers.get('cache-control'), 'private, no-cache');
    assert.equal(first.headers.get('x-content-type-options'), 'nosniff');
    assert.notEqual((await thumb(t, 'Pics', 'a.png', '?size=400')).headers.get('etag'), first.headers.get('etag'));
    const again = await thumb(t, 'Pics', 'a.png', '?size=200', { 'if-none-match': `"${oid}-200"` });
    assert.equal(again.status, 304);
    assert.equal(again.bytes.length, 0);
    assert.equal((await thumb(t, 'Pics', 'a.png', '?size=200', { 'if-none-match': '"something-else"' })).status, 200);
    await upload(t, 'Pics', 'a.png', await image(100, 400, 'png'));
    const changed = await thumb(t, 'Pics', 'a.png', '?size=200', { 'if-none-match': `"${oid}-200"` });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), `"${oid}-200"`);
    const meta = await sharp(changed.bytes).metadata();
    assert.deepEqual([meta.width, meta.height], [50, 200]);
  });

  void it('refuse sizes outside the allowed set, saying which are allowed', async () => {
    const t = await makeTenant(h, uniqueName('thumb-size'));
    await createPage(t, 'Pics', '# Pics\n');
    await upload(t, 'Pics', 'a.png', await image(100, 100, 'png'));
    for (const q of ['?size=100', '?size=0', '?size=100000', '?size=-5', '?size=abc', '?size=1.5']) {
      const res = await thumb(t, 'Pics', 'a.png', q);
      assertError(res, 400, 'INVALID_INPUT');
      if (/^\?size=\d+$/.test(q)) {
        assert.match(res.json.message ?? '', /64, 128, 200, 400, 800/, q);
        assert.deepEqual(res.json.data?.allowed, [64, 128, 200, 400, 800]);
      }
    }
  });

  void it('refuse SVG, non-images and files whose content is not the image their name says', async () => {
    const t = await makeTenant(h, uniqueName('thumb-kind'));
    await createPage(t, 'Pics', '# Pics\n');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    await upload(t, 'Pics', 'logo.svg', svg);
    await upload(t, 'Pics', 'notes.txt', Buffer.from('hello'));
    await upload(t, 'Pics', 'fake.png', Buffer.from('not really a png'));
    await upload(t, 'Pics', 'svg-inside.png', svg);
    assertError(await thumb(t, 'Pics', 'logo.svg', '?size=64'), 400, 'INVALID_INPUT', /SVG files are never rasterised/);
    assertError(await thumb(t, 'Pics', 'notes.txt', '?size=64'), 400, 'INVALID_INPUT', /only PNG, JPEG, GIF, WebP and AVIF images have thumbnails/);
    assertError(await thumb(t, 'Pics', 'fake.png', '?size=64'), 400, 'INVALID_INPUT', /not a readable image/);
    assertError(await thumb(t, 'Pics', 'svg-inside.png', '?size=64'), 400, 'INVALID_INPUT', /content is svg/);
    assertError(await thumb(t, 'Pics', 'missing.png', '?size=64'), 404, 'ATTACHMENT_NOT_FOUND');
    // The SVG still downloads as a file, as before.
    const file = await t.api('GET', '/pages/Pics/attachments/logo.svg');
    assert.equal(file.status, 200);
    assert.match(file.headers.get('content-disposition') ?? '', /^attachment;/);
  });

  void it('refuse an image that declares too many pixels before decoding it', async () => {
    const t = await makeTenant(h, uniqueName('thumb-bomb'));
    await createPage(t, 'Pics', '# Pics\n');
    const bomb = bombPng(10_000, 10_000);
    assert.ok(bomb.length < 2000);
    await upload(t, 'Pics', 'bomb.png', bomb);
    const started = Date.now();
    const res = await thumb(t, 'Pics', 'bomb.png', '?size=64');
    assertError(res, 413, 'PAYLOAD_TOO_LARGE', /10000×10000 pixels; images over 40000000 pixels get no thumbnail/);
    assert.equal(res.json.data?.limit, 'thumbnail_pixels');
    assert.ok(Date.now() - started < 2000, 'refused without decoding');
  });

  void it('refuse an image file over 20 MB', async () => {
    const big = await startServer({ env: { WIKIBOT_TIERS: JSON.stringify({ free: { attachmentBytes: 32 * 1024 * 1024, attachmentBytesPerWiki: 64 * 1024 * 1024 } }) } });
    try {
      const t = await makeTenant(big, uniqueName('thumb-bytes'));
      await createPage(t, 'Pics', '# Pics\n');
      const owner = cliActor(await big.services.meta.getUserByUsername(t.owner));
      const content = Buffer.concat([await image(10, 10, 'png'), Buffer.alloc(21 * 1024 * 1024)]);
      await uc.uploadAttachment(big.services, owner, { owner: t.owner, slug: t.slug, path: 'Pics', filename: 'huge.png', content });
      const res = await thumb(t, 'Pics', 'huge.png', '?size=64');
      assertError(res, 413, 'PAYLOAD_TOO_LARGE', /images over 20971520 bytes get no thumbnail/);
      assert.equal(res.json.data?.limit, 'thumbnail_bytes');
    } finally {
      await big.close();
    }
  });

  void it('are 404 in a wiki the caller may not see, and work at an old revision', async () => {
    const t = await makeTenant(h, uniqueName('thumb-rev'));
    const other = await makeTenant(h, uniqueName('thumb-other'));
    await createPage(t, 'Pics', '# Pics\n');
    await upload(t, 'Pics', 'a.png', await image(400, 200, 'png'));
    const first = t.head()!;
    await upload(t, 'Pics', 'a.png', await image(100, 400, 'png'));
    const foreign = await h.request('GET', `${t.base}/pages/Pics/attachments/a.png/thumbnail?size=64`, { token: other.writeToken });
    assert.equal(foreign.status, 404, foreign.text);
    assert.equal(foreign.json.error, 'WIKI_NOT_FOUND');
    assert.equal((await h.request('GET', `${t.base}/pages/Pics/attachments/a.png/thumbnail?size=64`)).status, 404, 'anonymous, private wiki');
    for (const rev of [first, first.slice(0, 7)]) {
      const old = await thumb(t, 'Pics', 'a.png', `?size=200&revision=${rev}`);
      assert.equal(old.status, 200, old.text);
      const meta = await sharp(old.bytes).metadata();
      assert.deepEqual([meta.width, meta.height], [200, 100]);
    }
    const now = await sharp((await thumb(t, 'Pics', 'a.png', '?size=200')).bytes).metadata();
    assert.deepEqual([now.width, now.height], [50, 200]);
    assertError(await thumb(t, 'Pics', 'a.png', '?size=200&revision=0000000'), 404, 'REVISION_NOT_FOUND');
  });
});

void describe('web thumbnails', () => {
  void it('serve -/thumb at a size, immutable when the address names the blob, and the lists use them', async () => {
    const t = await makeWebTenant(h, uniqueName('wthumb'));
    await t.write('Pics', 'x\n');
    const png = await image(500, 250, 'png');
    const up = await t.client.request('POST', `${t.base}/-/upload/Pics?filename=dot.png`, png, { 'x-csrf-token': t.client.csrf });
    assert.equal(up.status, 201, up.text);
    const svg = await t.client.request('POST', `${t.base}/-/upload/Pics?filename=logo.svg`, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), { 'x-csrf-token': t.client.csrf });
    assert.equal(svg.status, 201, svg.text);
    const list = await t.client.get(`${t.base}/-/attachments/Pics`);
    const src = /<img src="([^"]+)"/.exec(list.text)?.[1]?.replace(/&amp;/g, '&');
    assert.match(src ?? '', new RegExp(`^${t.base}/-/thumb/Pics/dot\\.png\\?size=128&v=[0-9a-f]{40}$`));
    assert.match(list.text, new RegExp(`<a class="thumb" href="${t.base}/-/file/Pics/dot\\.png"`), 'the link still goes to the full file');
    assert.doesNotMatch(list.text, /<img [^>]*logo\.svg/);
    const page = await t.client.get(`${t.base}/Pics`);
    assert.match(page.text, /<img src="[^"]+\/-\/thumb\/Pics\/dot\.png\?size=128&amp;v=[0-9a-f]{40}"/);

    const res = await fetch(h.url + src!, { headers: { cookie: [...t.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('cache-control'), 'private, max-age=31536000, immutable');
    assert.match(res.headers.get('content-security-policy') ?? '', /sandbox/);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [128, 64]);
    const plain = await t.client.get(`${t.base}/-/thumb/Pics/dot.png?size=64`);
    assert.equal(plain.headers.get('cache-control'), 'private, no-cache');
    const etag = plain.headers.get('etag')!;
    assert.match(etag, /^"[0-9a-f]{40}-64"$/);
    assert.equal((await t.client.request('GET', `${t.base}/-/thumb/Pics/dot.png?size=64`, undefined, { 'if-none-match': etag })).status, 304);

    const bad = await t.client.get(`${t.base}/-/thumb/Pics/dot.png?size=300`);
    assert.equal(bad.status, 400);
    assert.match(bad.text, /64, 128, 200, 400, 800/);
    const svgThumb = await t.client.get(`${t.base}/-/thumb/Pics/logo.svg?size=64`);
    assert.equal(svgThumb.status, 400);
    assert.match(svgThumb.text, /SVG files are never rasterised/);
    assert.equal((await t.client.get(`${t.base}/-/thumb/Pics`)).status, 400);
    assert.equal((await new WebClient(h).get(`${t.base}/-/thumb/Pics/dot.png?size=64`)).status, 404, 'private wiki, anonymous');
  });
});

void describe('upload under another name', () => {
  void it('web: stores the file under the name given, refuses a bad name and a clash unless replacing', async () => {
    const t = await makeWebTenant(h, uniqueName('wrename'));
    await t.write('Pics', 'x\n');
    const form = await t.client.get(`${t.base}/-/attachments/Pics`);
    assert.match(form.text, /<input id="save-as" name="save_as"/);
    assert.match(form.text, /<input type="checkbox" name="replace" value="1">/);
    const send = (name: string, body: Buffer, replace?: boolean) =>
      t.client.request('POST', `${t.base}/-/upload/Pics?filename=${encodeURIComponent(name)}${replace === false ? '&replace=0' : ''}`, body, { 'x-csrf-token': t.client.csrf });
    const up = await send('Chart 2024.png', Buffer.from('one'), false);
    assert.equal(up.status, 201, up.text);
    // The name is stored as the wiki spells names: spaces as underscores.
    assert.equal((JSON.parse(up.text) as { name: string }).name, 'Chart_2024.png');
    const before = t.head();
    for (const bad of ['', '../x.png', 'a/b.png', '.hidden']) {
      const res = await send(bad, Buffer.from('two'), false);
      assert.equal(res.status, 400, `${bad}: ${res.text}`);
      assert.match((JSON.parse(res.text) as { message: string }).message, /.{10}/);
    }
    const clash = await send('Chart 2024.png', Buffer.from('two'), false);
    assert.equal(clash.status, 409, clash.text);
    const clashBody = JSON.parse(clash.text) as { error: string; message: string };
    assert.equal(clashBody.error, 'PAGE_EXISTS');
    assert.match(clashBody.message, /already has an attachment "Chart_2024\.png": choose to replace it, or give the file another name/);
    assert.equal(t.head(), before, 'nothing stored');
    const file = await t.client.get(`${t.base}/-/file/Pics/Chart_2024.png`);
    assert.equal(file.text, 'one');
    const replaced = await send('Chart 2024.png', Buffer.from('two'));
    assert.equal(replaced.status, 201, replaced.text);
    assert.equal((await t.client.get(`${t.base}/-/file/Pics/Chart_2024.png`)).text, 'two');
  });

  void it('REST: replace false refuses a clash (JSON and raw bodies); the default replaces as before', async () => {
    const t = await makeTenant(h, uniqueName('rrename'));
    await createPage(t, 'Docs', '# Docs\n');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    assert.equal((await t.api('POST', '/pages/Docs/attachments', { body: { filename: 'renamed.txt', content_base64: b64('one'), replace: false } })).status, 201);
    await assertUnchanged(t, async () => {
      assertError(await t.api('POST', '/pages/Docs/attachments', { body: { filename: 'renamed.txt', content_base64: b64('two'), replace: false } }), 409, 'PAGE_EXISTS', /already has an attachment "renamed\.txt"/);
      const raw = await t.api('POST', '/pages/Docs/attachments?filename=renamed.txt&replace=false', { body: Buffer.from('two'), headers: { 'content-type': 'application/octet-stream' } });
      assertError(raw, 409, 'PAGE_EXISTS');
      assertError(await t.api('POST', '/pages/Docs/attachments?filename=renamed.txt&replace=maybe', { body: Buffer.from('two'), headers: { 'content-type': 'application/octet-stream' } }), 400, 'INVALID_INPUT');
    });
    assert.equal(showFile(t, 'Docs/renamed.txt'), 'one');
    assert.equal((await t.api('POST', '/pages/Docs/attachments', { body: { filename: 'renamed.txt', content_base64: b64('two') } })).status, 201);
    assert.equal(showFile(t, 'Docs/renamed.txt'), 'two');
  });
});
