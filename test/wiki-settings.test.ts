// Per-wiki settings Otterwiki users expect, through every door they affect: the home page the root shows, the
// commit-message policy (optional / required / disabled) on every write path, and the WikiLink order
// ([[Page|Text]] or [[Text|Page]]) for rendering, the link index and rename's backlink rewriting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as uc from '../src/usecases/index.js';
import { assertError, assertUnchanged, commitIds, createPage, git, makeTenant, startServer, uniqueName, type Tenant, type TestServer } from './harness.js';
import { connectMcp } from './mcp-client.js';
import { makeWebTenant } from './web-support.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(() => h.close());

/** A token for all the owner's wikis (a tenant's own tokens are limited to one wiki and may not manage it). */
async function manage(t: Tenant, body: Record<string, unknown>) {
  const token = (await uc.createToken(h.services, { username: t.owner, scope: 'write' })).token;
  return h.request('PATCH', t.base, { token, body });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const lastSubject = (t: Tenant) => git(t.repoDir, 'log', '-1', '--format=%s');
/** The settings fields of a wiki as REST answers them. */
const settingsOf = (json: unknown) => {
  const w = json as { home_page?: string; commit_messages?: string; wikilink_order?: string };
  return [w.home_page, w.commit_messages, w.wikilink_order];
};

void describe('settings over REST', () => {
  void it('reads the defaults, changes each setting, and refuses bad values with the allowed values, changing nothing', async () => {
    const t = await makeTenant(h, uniqueName('set-rest'));
    const initial = await manage(t, {});
    assert.equal(initial.status, 200, initial.text);
    assert.deepEqual(settingsOf(initial.json), ['Home', 'optional', 'page-text']);
    const changed = await manage(t, { home_page: ' Projects/Start Here ', commit_messages: 'required', wikilink_order: 'text-page' });
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual(settingsOf(changed.json), ['Projects/Start_Here', 'required', 'text-page']);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ commit_messages: 'sometimes', name: 'Not applied' }, /commit_messages must be one of optional, required, disabled/],
      [{ wikilink_order: 'page|text' }, /wikilink_order must be one of page-text, text-page/],
      [{ home_page: '../etc' }, /home_page must be a page path/],
      [{ home_page: '' }, /home_page must be a page path/],
    ];
    for (const [body, message] of cases) assertError(await manage(t, body), 400, 'INVALID_INPUT', message);
    const now = await h.services.meta.getWiki(t.owner, t.slug);
    assert.equal(now?.name, `${t.owner} research`, 'a refused patch changes none of its fields');
    assert.equal(now.homePage, 'Projects/Start_Here');
    assert.equal(now.commitMessages, 'required');
    assert.equal(now.wikilinkOrder, 'text-page');
    // Editors cannot change settings.
    assertError(await t.api('PATCH', '', { body: { commit_messages: 'optional' } }), 403, 'FORBIDDEN');
  });
});

void describe('home page', () => {
  void it('the root shows the configured page, or the create view for it while it does not exist; MCP instructions name it', async () => {
    const w = await makeWebTenant(h, uniqueName('home'), 'public');
    const token = (await uc.createToken(h.services, { username: w.name, scope: 'write' })).token;
    await w.write('Start', '# Start\n\nWelcome aboard.\n');
    const before = await w.client.get(`${w.base}/`);
    assert.equal(before.status, 200);
    assert.doesNotMatch(before.text, /Welcome aboard/);
    const orphans = async () =>
      ((await h.request('GET', `/api/v1/wikis/${w.name}/notes/orphans`, { token })).json as { pages: Array<{ path: string }> }).pages.map((p) => p.path);
    assert.ok((await orphans()).includes('Start'), 'nobody links to Start');
    const patch = await h.request('PATCH', `/api/v1/wikis/${w.name}/notes`, { token, body: { home_page: 'Start' } });
    assert.equal(patch.status, 200, patch.text);
    assert.match((await w.client.get(`${w.base}/`)).text, /Welcome aboard/);
    assert.ok(!(await orphans()).includes('Start'), 'the home page is the root, no orphan');
    await h.request('PATCH', `/api/v1/wikis/${w.name}/notes`, { token, body: { home_page: 'Not/Yet' } });
    const missing = await w.client.get(`${w.base}/`);
    assert.equal(missing.status, 404);
    assert.match(missing.text, /Not\/Yet/);
    assert.match(missing.text, /action=create|-\/edit\/Not\/Yet/);

    const mcp = await connectMcp(`${h.url}/${w.name}/notes/mcp`, { token });
    try {
      const instructions = mcp.client.getInstructions() ?? '';
      assert.match(instructions, /reading Not\/Yet and Meta\/Wiki_Usage_Guide/);
      assert.doesNotMatch(instructions, /reading Home/);
    } finally {
      await mcp.close();
    }
  });
});

void describe('commit messages', () => {
  void it('required: every REST write without a message is refused with INVALID_INPUT naming the setting; with one it goes through', async () => {
    const t = await makeTenant(h, uniqueName('msg-req'));
    const r1 = await createPage(t, 'Page', '# Page\n\n## A\n\none\n');
    await t.api('POST', '/pages/Page/attachments', { body: { filename: 'a.txt', content_base64: b64('a') } });
    assert.equal((await manage(t, { commit_messages: 'required' })).status, 200);
    const refused: Array<[string, string, Record<string, unknown> | undefined]> = [
      ['PUT', '/pages/New', { content: 'new\n' }],
      ['PUT', '/pages/Page', { content: 'two\n', revision: r1 }],
      ['PATCH', '/pages/Page', { revision: r1, old_string: 'one', new_string: 'uno' }],
      ['PATCH', '/pages/Page', { revision: r1, section: 'A', content: '## A\n\nuno\n' }],
      ['POST', '/pages/Page/rename', { new_path: 'Moved' }],
      ['DELETE', '/pages/Page', undefined],
      ['POST', '/revert', { commit: r1 }],
      ['POST', '/pages/Page/attachments', { filename: 'b.txt', content_base64: b64('b') }],
      ['POST', '/pages/Page/attachments/a.txt/rename', { new_filename: 'c.txt' }],
      ['DELETE', '/pages/Page/attachments/a.txt', undefined],
      ['PUT', '/pages/New', { content: 'new\n', commit_message: '   ' }],
    ];
    for (const [method, path, body] of refused) {
      const res = await assertUnchanged(t, () => t.api(method, path, body ? { body } : {}));
      assertError(res, 400, 'INVALID_INPUT', /requires a commit message .*commit_messages setting is "required".*send commit_message/);
      assert.equal(res.json.data?.setting, 'commit_messages', `${method} ${path}`);
    }
    const ok = await t.api('PUT', '/pages/Page', { body: { content: 'two\n', revision: r1, commit_message: 'Update: Page — why' } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(lastSubject(t), '[api] Update: Page — why');
    // A save that changes nothing needs no message.
    const same = await t.api('PUT', '/pages/Page', { body: { content: 'two\n', revision: ok.json.revision } });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.json.changed, false);
  });

  void it('disabled: given messages are replaced by the default; optional keeps them', async () => {
    const t = await makeTenant(h, uniqueName('msg-off'));
    await t.api('PUT', '/pages/Page', { body: { content: 'one\n', commit_message: 'my words' } });
    assert.equal(lastSubject(t), '[api] my words');
    await manage(t, { commit_messages: 'disabled' });
    const r = await t.api('PUT', '/pages/Other', { body: { content: 'x\n', commit_message: 'ignored words' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(lastSubject(t), '[api] Create: Other');
    await t.api('POST', '/pages/Other/attachments', { body: { filename: 'a.txt', content_base64: b64('a'), commit_message: 'ignored too' } });
    assert.equal(lastSubject(t), '[api] Upload: Other/a.txt');
  });

  void it('MCP: a write without commit_message is refused with text telling the assistant to pass it; instructions say so', async () => {
    const t = await makeTenant(h, uniqueName('msg-mcp'));
    await manage(t, { commit_messages: 'required' });
    const mcp = await connectMcp(`${h.url}/${t.owner}/notes/mcp`, { token: t.writeToken });
    try {
      assert.match(mcp.client.getInstructions() ?? '', /requires a commit message: pass commit_message with every write/);
      const before = commitIds(t).length;
      const refused = await mcp.call('write_note', { path: 'Idea', content: '# Idea\n' });
      assert.equal(refused.isError, true);
      assert.match(refused.text, /requires a commit message.*pass commit_message/);
      assert.equal(commitIds(t).length, before);
      const ok = await mcp.call('write_note', { path: 'Idea', content: '# Idea\n', commit_message: 'Create: Idea — a start' });
      assert.equal(ok.isError, false, ok.text);
      assert.equal(lastSubject(t), '[mcp] Create: Idea — a start');
    } finally {
      await mcp.close();
    }
  });

  void it('web: the editor asks for the message when required (a save without one is refused) and hides it when disabled', async () => {
    const w = await makeWebTenant(h, uniqueName('msg-web'));
    const token = (await uc.createToken(h.services, { username: w.name, scope: 'write' })).token;
    const settings = (body: Record<string, unknown>) => h.request('PATCH', `/api/v1/wikis/${w.name}/notes`, { token, body });
    const editor = () => w.client.get(`${w.base}/-/edit/Page`);
    assert.match((await editor()).text, /<input id="message" name="message"[^>]*size="60">/);
    await settings({ commit_messages: 'required' });
    assert.match((await editor()).text, /Commit message \(required\)<\/label> <input id="message" name="message"[^>]* required>/);
    const head = w.head();
    const refused = await w.client.post(`${w.base}/-/edit/Page`, { content: 'text\n', message: '' });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /requires a commit message .*fill in the commit message/);
    assert.equal(w.head(), head);
    const saved = await w.client.post(`${w.base}/-/edit/Page`, { content: 'text\n', message: 'Create: Page — first notes' });
    assert.equal(saved.status, 303, saved.text);
    await settings({ commit_messages: 'disabled' });
    assert.doesNotMatch((await editor()).text, /name="message"/);
    assert.doesNotMatch((await w.client.get(`${w.base}/-/rename/Page`)).text, /name="message"/);
  });
});

void describe('WikiLink order', () => {
  void it('switching to [[Text|Page]] re-reads links, re-renders pages, and rename rewrites the page side', async () => {
    const t = await makeTenant(h, uniqueName('order'));
    await createPage(t, 'Target', '# Target\n');
    await createPage(t, 'Source', '# Source\n\nSee [[the target|Target]] and [[Target|shown]].\n');
    const links = async () => (await t.api('GET', '/links/Source')).json.links_to?.map((l) => [l.target, l.exists]);
    assert.deepEqual(await links(), [
      ['the_target', false],
      ['Target', true],
    ]);
    const html = async () => (await t.api('GET', '/pages/Source?format=html')).json.html ?? '';
    assert.match(await html(), /<a class="wikilink missing" href="[^"]*the_target[^"]*">Target<\/a>/);

    assert.equal((await manage(t, { wikilink_order: 'text-page' })).status, 200);
    assert.deepEqual(await links(), [
      ['Target', true],
      ['shown', false],
    ]);
    const after = await html();
    assert.match(after, /<a class="wikilink" href="\/[^"]*\/Target">the target<\/a>/);
    assert.match(after, /<a class="wikilink missing" href="[^"]*shown[^"]*">Target<\/a>/);

    const renamed = await t.api('POST', '/pages/Target/rename', { body: { new_path: 'Goal' } });
    assert.equal(renamed.status, 200, renamed.text);
    const source = await t.api('GET', '/pages/Source');
    assert.equal(source.json.content, '# Source\n\nSee [[the target|Goal]] and [[Target|shown]].\n');

    // Back to the default: the index follows again.
    await manage(t, { wikilink_order: 'page-text' });
    assert.deepEqual(await links(), [
      ['the_target', false],
      ['Target', false],
    ]);
  });

  void it('the web settings form changes all three settings and shows a bad value as an error, changing nothing', async () => {
    const w = await makeWebTenant(h, uniqueName('order-web'));
    assert.match((await w.client.get(`${w.base}/-/edit/Start`)).text, /data-link-order="page-text"/);
    const page = await w.client.get(`/-/wikis/${w.name}/notes`);
    assert.match(page.text, /name="home_page"[^>]*value="Home"/);
    assert.match(page.text, /<option value="optional" selected>/);
    assert.match(page.text, /name="wikilink_order" value="page-text" checked/);
    const fields = { op: 'settings', name: 'Renamed', purpose: 'p', categories: 'actor, event', visibility: 'private' };
    const bad = await w.client.post(`/-/wikis/${w.name}/notes`, { ...fields, home_page: 'Home', commit_messages: 'never', wikilink_order: 'text-page' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /commit_messages must be one of optional, required, disabled/);
    assert.equal((await h.services.meta.getWiki(w.name, 'notes'))?.name, `${w.name} research`);
    const ok = await w.client.post(`/-/wikis/${w.name}/notes`, { ...fields, home_page: 'Start', commit_messages: 'required', wikilink_order: 'text-page' });
    assert.equal(ok.status, 303, ok.text);
    const wiki = await h.services.meta.getWiki(w.name, 'notes');
    assert.deepEqual([wiki?.name, wiki?.homePage, wiki?.commitMessages, wiki?.wikilinkOrder], ['Renamed', 'Start', 'required', 'text-page']);
    // The editor completes page names on the page side of the pipe.
    assert.match((await w.client.get(`${w.base}/-/edit/Start`)).text, /data-link-order="text-page"/);
    const again = await w.client.get(`/-/wikis/${w.name}/notes`);
    assert.match(again.text, /<option value="required" selected>/);
    assert.match(again.text, /name="wikilink_order" value="text-page" checked/);
  });
});
