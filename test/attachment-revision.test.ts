// Attachments at a revision from before their page was renamed: the page's folder is looked up as it was then, by
// REST and through the web's attachment history; unknown files, foreign wikis and malformed revisions are refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cliActor } from '../src/auth/actor.js';
import * as uc from '../src/usecases/index.js';
import {
  assertError,
  assertUnchanged,
  createPage,
  git,
  makeTenant,
  startServer,
  type Tenant,
  type TestServer,
} from './harness.js';
import { makeWebTenant } from './web-support.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const head = (t: Tenant) => git(t.repoDir, 'rev-parse', 'main');

/** Page `Old/Name` with `notes.txt` ("first"), renamed to `New/Place`, then `notes.txt` replaced ("second"). */
async function renamedPage(t: Tenant) {
  await createPage(t, 'Old/Name', '# Name\n');
  const up = await t.api('POST', '/pages/Old/Name/attachments', {
    body: { filename: 'notes.txt', content_base64: b64('first') },
  });
  assert.equal(up.status, 201, up.text);
  const beforeRename = head(t);
  const ren = await t.api('POST', '/pages/Old/Name/rename', { body: { new_path: 'New/Place' } });
  assert.equal(ren.status, 200, ren.text);
  const afterRename = head(t);
  assert.notEqual(afterRename, beforeRename);
  const up2 = await t.api('POST', '/pages/New/Place/attachments', {
    body: { filename: 'notes.txt', content_base64: b64('second') },
  });
  assert.equal(up2.status, 201, up2.text);
  return { beforeRename, afterRename, latest: head(t) };
}

void test('REST: an attachment downloads at a revision from before its page was renamed', async () => {
  const t = await makeTenant(h, 'attrev-before');
  const { beforeRename } = await renamedPage(t);
  for (const rev of [beforeRename, beforeRename.slice(0, 7)]) {
    const old = await t.api('GET', `/pages/New/Place/attachments/notes.txt?revision=${rev}`);
    assert.equal(old.status, 200, old.text);
    assert.equal(old.text, 'first');
    assert.equal(old.headers.get('content-type'), 'text/plain; charset=utf-8');
  }
  // A case-insensitive page name finds the same page and its old folder.
  const anyCase = await t.api('GET', `/pages/new/place/attachments/notes.txt?revision=${beforeRename}`);
  assert.equal(anyCase.status, 200, anyCase.text);
  assert.equal(anyCase.text, 'first');
});

void test('REST: an attachment downloads at the rename commit, after it, and at head', async () => {
  const t = await makeTenant(h, 'attrev-after');
  const { afterRename, latest } = await renamedPage(t);
  const atRename = await t.api('GET', `/pages/New/Place/attachments/notes.txt?revision=${afterRename}`);
  assert.equal(atRename.status, 200, atRename.text);
  assert.equal(atRename.text, 'first');
  const atLatest = await t.api('GET', `/pages/New/Place/attachments/notes.txt?revision=${latest}`);
  assert.equal(atLatest.status, 200, atLatest.text);
  assert.equal(atLatest.text, 'second');
  assert.equal((await t.api('GET', '/pages/New/Place/attachments/notes.txt')).text, 'second');
});

void test('REST: a page renamed twice finds its folder at each of its names', async () => {
  const t = await makeTenant(h, 'attrev-twice');
  const { beforeRename, latest } = await renamedPage(t);
  const ren = await t.api('POST', '/pages/New/Place/rename', { body: { new_path: 'Third' } });
  assert.equal(ren.status, 200, ren.text);
  assert.equal((await t.api('GET', `/pages/Third/attachments/notes.txt?revision=${beforeRename}`)).text, 'first');
  assert.equal((await t.api('GET', `/pages/Third/attachments/notes.txt?revision=${latest}`)).text, 'second');
  assert.equal((await t.api('GET', '/pages/Third/attachments/notes.txt')).text, 'second');
});

void test('REST: a file that did not exist at the revision is a 404 naming the revision', async () => {
  const t = await makeTenant(h, 'attrev-missing');
  const { beforeRename } = await renamedPage(t);
  const later = await t.api('POST', '/pages/New/Place/attachments', {
    body: { filename: 'later.txt', content_base64: b64('L') },
  });
  assert.equal(later.status, 201, later.text);
  const short = beforeRename.slice(0, 7);
  const res = await assertUnchanged(t, () => t.api('GET', `/pages/New/Place/attachments/later.txt?revision=${short}`));
  assertError(res, 404, 'ATTACHMENT_NOT_FOUND', new RegExp(`"later\\.txt" at revision ${short}`));
  assertError(
    await t.api('GET', `/pages/New/Place/attachments/never.txt?revision=${beforeRename}`),
    404,
    'ATTACHMENT_NOT_FOUND',
    /never\.txt.*at revision/,
  );
  // The file exists now, so the same name downloads without a revision.
  assert.equal((await t.api('GET', '/pages/New/Place/attachments/later.txt')).text, 'L');
});

void test('REST: a page that did not exist yet at the revision has no attachment there', async () => {
  const t = await makeTenant(h, 'attrev-young');
  const early = t.head()!;
  await renamedPage(t);
  assertError(
    await t.api('GET', `/pages/New/Place/attachments/notes.txt?revision=${early}`),
    404,
    'ATTACHMENT_NOT_FOUND',
    /at revision/,
  );
});

void test('REST: another tenant cannot reach the attachment at an old revision, nor use the revision on their wiki', async () => {
  const t = await makeTenant(h, 'attrev-owner');
  const other = await makeTenant(h, 'attrev-other');
  const { beforeRename } = await renamedPage(t);
  const foreign = await h.request('GET', `${t.base}/pages/New/Place/attachments/notes.txt?revision=${beforeRename}`, {
    token: other.writeToken,
  });
  assertError(foreign, 404, 'WIKI_NOT_FOUND');
  assert.ok(!foreign.text.includes('first'));
  await createPage(other, 'New/Place', 'x\n');
  assertError(
    await other.api('GET', `/pages/New/Place/attachments/notes.txt?revision=${beforeRename}`),
    404,
    'REVISION_NOT_FOUND',
    /no revision/,
  );
});

void test('REST: a malformed revision is refused with a clear error', async () => {
  const t = await makeTenant(h, 'attrev-bad');
  await renamedPage(t);
  for (const bad of ['zzzzzzz', 'abc', 'HEAD~1', '..%2F..']) {
    const res = await assertUnchanged(t, () => t.api('GET', `/pages/New/Place/attachments/notes.txt?revision=${bad}`));
    assertError(res, 404, 'REVISION_NOT_FOUND', /is not a revision: give 7 to 40 hexadecimal characters/);
  }
  assertError(
    await t.api('GET', `/pages/New/Place/attachments/notes.txt?revision=${'a'.repeat(65)}`),
    400,
    'INVALID_INPUT',
    /revision/,
  );
});

void test('web: the attachment history downloads each revision, also from before the page was renamed', async () => {
  const w = await makeWebTenant(h, 'attrev-web');
  const actor = cliActor(await h.services.meta.getUserByUsername('attrev-web'));
  const ref = { owner: 'attrev-web', slug: 'notes' };
  await w.write('Old/Name', '# Name\n');
  await uc.uploadAttachment(h.services, actor, {
    ...ref,
    path: 'Old/Name',
    filename: 'chart.png',
    content: Buffer.from('png one'),
  });
  const beforeRename = w.head()!;
  await uc.renamePage(h.services, actor, { ...ref, path: 'Old/Name', newPath: 'New/Place' });
  await uc.uploadAttachment(h.services, actor, {
    ...ref,
    path: 'New/Place',
    filename: 'chart.png',
    content: Buffer.from('png two'),
  });

  const page = await w.client.get(`${w.base}/-/attachment-history/New/Place/chart.png`);
  assert.equal(page.status, 200, page.text);
  const links = [...page.text.matchAll(/href="([^"]*-\/file\/[^"]*\?revision=([0-9a-f]+))"/g)].map((m) => ({
    href: m[1]!.replace(/&amp;/g, '&'),
    rev: m[2]!,
  }));
  assert.equal(links.length, 3, page.text);
  const old = links.find((l) => l.rev === beforeRename);
  assert.ok(old, 'a download link for the revision before the rename');
  const res = await w.client.get(old.href);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, 'png one');
  const newest = await w.client.get(links[0]!.href);
  assert.equal(newest.status, 200);
  assert.equal(newest.text, 'png two');
  // The page-like address with a revision finds the old folder too.
  const pageLike = await w.client.get(`${w.base}/New/Place/chart.png?revision=${beforeRename}`);
  assert.equal(pageLike.status, 200);
  assert.equal(pageLike.text, 'png one');
});

void test('web: a signed-out visitor and another user get no old attachment of a private wiki', async () => {
  const w = await makeWebTenant(h, 'attrev-webpriv');
  const actor = cliActor(await h.services.meta.getUserByUsername('attrev-webpriv'));
  const ref = { owner: 'attrev-webpriv', slug: 'notes' };
  await w.write('Old/Name', '# Name\n');
  await uc.uploadAttachment(h.services, actor, {
    ...ref,
    path: 'Old/Name',
    filename: 'secret.txt',
    content: Buffer.from('secret one'),
  });
  const beforeRename = w.head()!;
  await uc.renamePage(h.services, actor, { ...ref, path: 'Old/Name', newPath: 'New/Place' });
  const stranger = await makeWebTenant(h, 'attrev-stranger');
  const res = await stranger.client.get(`${w.base}/-/file/New/Place/secret.txt?revision=${beforeRename}`);
  assert.equal(res.status, 404);
  assert.ok(!res.text.includes('secret one'));
  const anonymous = await h.request('GET', `${w.base}/-/file/New/Place/secret.txt?revision=${beforeRename}`);
  assert.equal(anonymous.status, 404);
  assert.ok(!anonymous.text.includes('secret one'));
  // The owner does get it: the refusals above are about who asks, not about the address.
  assert.equal(
    (await w.client.get(`${w.base}/-/file/New/Place/secret.txt?revision=${beforeRename}`)).text,
    'secret one',
  );
});
