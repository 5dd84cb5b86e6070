/**
 * Deleting a page with its sub-pages: the web form offers it (listing them) and the REST API takes
 * `with_subpages=true`; one commit removes the pages and their attachments, pages beside them stay, and a refused
 * delete changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, createPage, git, makeTenant, startServer, uniqueName, type Tenant, type TestServer } from './harness.js';
import { makeWebTenant } from './web-support.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(() => h.close());

const files = (t: { repoDir: string }) => git(t.repoDir, 'ls-tree', '-r', '--name-only', 'main').split('\n').filter((f) => f !== '' && !f.startsWith('Meta/') && f !== 'Home.md');

const subpages = (res: { json: object }) => (res.json as { deleted_subpages?: string[] }).deleted_subpages;

async function seed(t: Tenant) {
  for (const path of ['Area', 'Area/One', 'Area/One/Deep', 'area/Two', 'Area_Beside', 'Other']) await createPage(t, path, `# ${path}\n`);
  const up = await t.api('POST', '/pages/Area/One/attachments', { body: { filename: 'x.txt', content_base64: Buffer.from('x').toString('base64') } });
  assert.equal(up.status, 201, up.text);
}

void describe('delete with sub-pages (REST)', () => {
  void it('deletes only the page by default, and the page with every page below it on request, in one commit', async () => {
    const t = await makeTenant(h, uniqueName('ds'));
    await seed(t);
    const plain = await t.api('DELETE', '/pages/Area_Beside');
    assert.equal(plain.status, 200, plain.text);
    assert.deepEqual(subpages(plain), []);
    const before = git(t.repoDir, 'rev-list', '--count', 'main');
    const res = await t.api('DELETE', '/pages/Area?with_subpages=true');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(subpages(res), ['Area/One', 'Area/One/Deep', 'area/Two']);
    assert.equal(Number(git(t.repoDir, 'rev-list', '--count', 'main')), Number(before) + 1, 'one commit');
    assert.match(git(t.repoDir, 'log', '-1', '--format=%s'), /Delete: Area \(and 3 sub-pages\)/);
    assert.deepEqual(files(t), ['Other.md']);
  });

  void it('refuses a bad flag or a stale revision and changes nothing', async () => {
    const t = await makeTenant(h, uniqueName('ds'));
    await seed(t);
    const head = t.head();
    const listed = files(t);
    assertError(await t.api('DELETE', '/pages/Area?with_subpages=maybe'), 400, 'INVALID_INPUT');
    const stale = git(t.repoDir, 'rev-list', '--max-parents=0', 'main');
    assertError(await t.api('DELETE', `/pages/Area?with_subpages=true&revision=${stale}`), 409, 'REVISION_CONFLICT');
    assert.equal(t.head(), head);
    assert.deepEqual(files(t), listed);
  });
});

void describe('delete with sub-pages (web)', () => {
  void it('lists the sub-pages with a checkbox, deletes only the page unless it is ticked', async () => {
    const t = await makeWebTenant(h, uniqueName('dw'));
    for (const path of ['Area', 'Area/One', 'Area/Two', 'Other']) await t.write(path, `# ${path}\n`);
    const form = await t.client.get(`${t.base}/-/delete/Area`);
    assert.equal(form.status, 200);
    assert.match(form.text, /<input type="checkbox" name="with_subpages" value="1"> Also delete its 2 sub-page\(s\)/);
    assert.match(form.text, /<li><a href="\/[^"]+\/Area\/One">Area\/One<\/a><\/li><li><a href="\/[^"]+\/Area\/Two">Area\/Two<\/a><\/li>/);
    const other = await t.client.get(`${t.base}/-/delete/Other`);
    assert.doesNotMatch(other.text, /with_subpages/, 'no checkbox without sub-pages');

    const only = await t.client.post(`${t.base}/-/delete/Area`, { revision: (await t.read('Area')).revision });
    assert.equal(only.status, 303);
    assert.equal((await t.client.get(`${t.base}/Area/One`)).status, 200, 'the sub-page stays');

    await t.write('Area', '# Area again\n');
    const all = await t.client.post(`${t.base}/-/delete/Area`, { revision: (await t.read('Area')).revision, with_subpages: '1' });
    assert.equal(all.status, 303);
    for (const path of ['Area', 'Area/One', 'Area/Two']) assert.equal((await t.client.get(`${t.base}/${path}`)).status, 404, path);
    assert.equal((await t.client.get(`${t.base}/Other`)).status, 200);
  });
});
