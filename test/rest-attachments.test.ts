// REST attachments over real HTTP: upload (base64 JSON and raw body), list, download (also at a revision), rename,
// delete, and the per-file size limit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertError, assertUnchanged, createPage, git, makeTenant, showFile, startServer, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

void test('upload as base64 JSON and as a raw body, list and download', async () => {
  const t = await makeTenant(h, 'att-upload');
  await createPage(t, 'Reports/Q1', '# Q1\n');
  const json = await t.api('POST', '/pages/Reports/Q1/attachments', { body: { filename: 'summary data.csv', content_base64: b64('a,b\n1,2\n') } });
  assert.equal(json.status, 201, json.text);
  assert.equal(json.json.name, 'summary_data.csv');
  assert.equal(json.json.path, 'Reports/Q1/summary_data.csv');
  assert.equal(json.json.size, 8);
  assert.equal(git(t.repoDir, 'log', '-1', '--format=%an|%s'), 'att-upload|[api] Upload: Reports/Q1/summary_data.csv');

  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10]);
  const raw = await t.api('POST', '/pages/Reports/Q1/attachments?filename=chart.png&commit_message=add%20chart', {
    body: png,
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(raw.status, 201, raw.text);
  assert.equal(raw.json.mime_type, 'image/png');
  assert.equal(git(t.repoDir, 'log', '-1', '--format=%s'), '[api] add chart');

  const list = await t.api('GET', '/pages/Reports/Q1/attachments');
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.json.attachments?.map((a) => [a.name, a.size, a.mime_type]),
    [
      ['chart.png', png.length, 'image/png'],
      ['summary_data.csv', 8, 'text/csv; charset=utf-8'],
    ],
  );

  const down = await t.api('GET', '/pages/Reports/Q1/attachments/chart.png');
  assert.equal(down.status, 200);
  assert.deepEqual(down.bytes, png);
  assert.equal(down.headers.get('content-type'), 'image/png');
  assert.equal(down.headers.get('x-content-type-options'), 'nosniff');
  assert.match(down.headers.get('content-disposition') ?? '', /^attachment;/);
  assertError(await t.api('GET', '/pages/Reports/Q1/attachments/none.png'), 404, 'ATTACHMENT_NOT_FOUND');
  assertError(await t.api('POST', '/pages/Reports/Q1/attachments', { body: png, headers: { 'content-type': 'application/octet-stream' } }), 400, 'INVALID_INPUT', /filename/);
});

void test('download at an older revision returns the file as it was', async () => {
  const t = await makeTenant(h, 'att-revision');
  await createPage(t, 'Page', 'x\n');
  const first = await t.api('POST', '/pages/Page/attachments', { body: { filename: 'notes.txt', content_base64: b64('first') } });
  await t.api('POST', '/pages/Page/attachments', { body: { filename: 'notes.txt', content_base64: b64('second') } });
  assert.equal((await t.api('GET', '/pages/Page/attachments/notes.txt')).text, 'second');
  const old = await t.api('GET', `/pages/Page/attachments/notes.txt?revision=${first.json.commit?.oid.slice(0, 7) ?? ''}`);
  assert.equal(old.status, 200);
  assert.equal(old.text, 'first');
});

void test('rename and delete an attachment', async () => {
  const t = await makeTenant(h, 'att-rename');
  await createPage(t, 'Page', 'x\n');
  await t.api('POST', '/pages/Page/attachments', { body: { filename: 'a.txt', content_base64: b64('A') } });
  await t.api('POST', '/pages/Page/attachments', { body: { filename: 'b.txt', content_base64: b64('B') } });
  const ren = await t.api('POST', '/pages/Page/attachments/a.txt/rename', { body: { new_filename: 'c.txt' } });
  assert.equal(ren.status, 200, ren.text);
  assert.equal(showFile(t, 'Page/a.txt'), null);
  assert.equal(showFile(t, 'Page/c.txt'), 'A');
  const clash = await assertUnchanged(t, () => t.api('POST', '/pages/Page/attachments/c.txt/rename', { body: { new_filename: 'b.txt' } }));
  assertError(clash, 409, 'PAGE_EXISTS', /already has an attachment/);

  const del = await t.api('DELETE', '/pages/Page/attachments/c.txt');
  assert.equal(del.status, 200);
  assert.equal(showFile(t, 'Page/c.txt'), null);
  assert.equal(git(t.repoDir, 'log', '-1', '--format=%s'), '[api] Delete attachment: Page/c.txt');
  const missing = await assertUnchanged(t, () => t.api('DELETE', '/pages/Page/attachments/c.txt'));
  assertError(missing, 404, 'ATTACHMENT_NOT_FOUND');
});

void test('deleting a page deletes its attachments in the same commit', async () => {
  const t = await makeTenant(h, 'att-page-delete');
  await createPage(t, 'Page', 'x\n');
  await t.api('POST', '/pages/Page/attachments', { body: { filename: 'a.txt', content_base64: b64('A') } });
  const res = await t.api('DELETE', '/pages/Page');
  assert.deepEqual(res.json.deleted_attachments, ['a.txt']);
  assert.equal(showFile(t, 'Page/a.txt'), null);
  assert.equal(git(t.repoDir, 'show', '--name-only', '--format=', 'main').split('\n').sort().join(','), 'Page.md,Page/a.txt');
});

void test('an attachment over the tier limit is refused with 413 and nothing changes', async () => {
  const t = await makeTenant(h, 'att-too-big');
  await createPage(t, 'Page', 'x\n');
  const max = h.services.config.tiers.free.attachmentBytes;
  const res = await assertUnchanged(t, () =>
    t.api('POST', '/pages/Page/attachments?filename=big.bin', { body: Buffer.alloc(max + 1, 7), headers: { 'content-type': 'application/octet-stream' } }),
  );
  assertError(res, 413, 'PAYLOAD_TOO_LARGE', new RegExp(`${max} bytes`));
  assert.equal(showFile(t, 'Page/big.bin'), null);
});

void test('uploading to a missing page is 404 and invalid base64 is 400; nothing changes', async () => {
  const t = await makeTenant(h, 'att-bad');
  await createPage(t, 'Page', 'x\n');
  assertError(await assertUnchanged(t, () => t.api('POST', '/pages/Nope/attachments', { body: { filename: 'a.txt', content_base64: b64('A') } })), 404, 'PAGE_NOT_FOUND');
  assertError(await assertUnchanged(t, () => t.api('POST', '/pages/Page/attachments', { body: { filename: 'a.txt', content_base64: '!!!not base64' } })), 400, 'INVALID_INPUT', /base64/);
  assertError(await assertUnchanged(t, () => t.api('POST', '/pages/Page/attachments', { body: { filename: 'page.md', content_base64: b64('A') } })), 400, 'INVALID_PATH', /\.md/);
});
