/**
 * Server-side tests of the web dashboard: the landing page, "your wikis" with usage, creating a wiki, settings,
 * collaborators, deleting with a typed confirmation, connect instructions, access tokens and connected apps — each
 * form CSRF-checked, and viewers and strangers refused without any change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../src/auth/actor.js';
import * as uc from '../src/usecases/index.js';
import { startServer, uniqueName, type TestServer } from './harness.js';
import { makeWebTenant, signedIn, WebClient } from './web-support.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(() => h.close());

const tenant = () => makeWebTenant(h, uniqueName('d'));
const wikiOf = (owner: string, slug: string) => h.services.meta.getWiki(owner, slug);

void describe('dashboard', () => {
  void it('shows visitors a landing page with sign-in and sign-up links, and sends them to sign in for account pages', async () => {
    const c = new WebClient(h);
    const res = await c.get('/');
    assert.equal(res.status, 200);
    assert.match(res.text, /href="\/-\/signin"/);
    assert.match(res.text, /href="\/-\/signup"/);
    assert.doesNotMatch(res.text, /Your wikis/);
    for (const path of ['/-/tokens', '/-/apps', '/-/wikis/x-y/notes']) {
      const r = await c.get(path);
      assert.equal(r.status, 303, path);
      assert.equal(r.location, `/-/signin?next=${encodeURIComponent(path)}`);
    }
  });

  void it('lists my wikis with pages, storage and collaborators against limits, last change, and wikis shared with me', async () => {
    const t = await tenant();
    const other = await tenant();
    await t.write('Extra', '# Extra\n', undefined, 'Add extra');
    await uc.addCollaborator(h.services, cliActor(null), { owner: other.name, slug: 'notes' }, { user: t.name, role: 'editor' });
    const res = await t.client.get('/');
    assert.equal(res.status, 200);
    assert.match(res.text, /<h1>Your wikis<\/h1>/);
    assert.match(res.text, new RegExp(`<a href="/${t.name}/notes/">${t.name} research</a>`));
    assert.match(res.text, /<td>4 \/ 500<\/td>/, 'Home, usage guide, page template and Extra against the free limit');
    assert.match(res.text, /<td>0 B \/ 50 MB<\/td>/);
    assert.match(res.text, /<td>0 \/ 3<\/td>/);
    assert.match(res.text, /<time datetime="[^"]+">[^<]+<\/time> by/);
    assert.match(res.text, new RegExp(`<a href="/${other.name}/notes/">${other.name} research</a><br><small>${other.name}/notes</small></td><td>editor</td>`));
    assert.match(res.text, /1 of 1 wiki\(s\)/);
    assert.match(res.text, /allows 1 wiki\(s\); delete one to create another/, 'the free tier is full: no create form');
  });

  void it('creates a wiki from the form, and refuses a bad slug, a full tier, a missing CSRF token or a visitor, creating nothing', async () => {
    const name = uniqueName('d');
    const c = await signedIn(h, name);
    const bad = await c.post('/-/wikis', { slug: 'No Good', name: 'X' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /role="alert">[^<]*slug/i);
    assert.match(bad.text, /value="No Good"/, 'the form keeps what was typed');
    assert.equal((await h.services.meta.listWikisOwnedBy((await h.services.meta.getUserByUsername(name))!.id)).length, 0);
    const forged = await c.post('/-/wikis', { slug: 'forged', _csrf: 'x'.repeat(43) });
    assert.equal(forged.status, 403);
    assert.equal(await wikiOf(name, 'forged'), null);
    const anon = new WebClient(h);
    await anon.get('/');
    const visitor = await anon.post('/-/wikis', { slug: 'anon' });
    assert.equal(visitor.status, 401);
    const ok = await c.post('/-/wikis', { slug: 'drought', name: 'Drought', purpose: 'Rain & dust', categories: 'actor, event, source', visibility: 'public' });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, `/${name}/drought/`);
    const wiki = (await wikiOf(name, 'drought'))!;
    assert.equal(wiki.name, 'Drought');
    assert.equal(wiki.visibility, 'public');
    assert.deepEqual(wiki.categories, ['actor', 'event', 'source']);
    const full = await c.post('/-/wikis', { slug: 'second' });
    assert.equal(full.status, 403);
    assert.match(full.text, /limit of the free tier/);
    assert.equal(await wikiOf(name, 'second'), null);
  });

  void it('changes settings, and refuses bad ones with the form and no change', async () => {
    const t = await tenant();
    const page = await t.client.get(`/-/wikis/${t.name}/notes`);
    assert.equal(page.status, 200);
    assert.match(page.text, /value="actor, event, trend, hypothesis, variable, reference, index"/);
    const saved = await t.client.post(`/-/wikis/${t.name}/notes`, { op: 'settings', name: 'Renamed', purpose: 'New purpose', categories: 'a, b', visibility: 'public' });
    assert.equal(saved.status, 303);
    assert.equal((await t.client.get(saved.location!)).text.includes('Settings saved.'), true);
    let wiki = (await wikiOf(t.name, 'notes'))!;
    assert.deepEqual([wiki.name, wiki.purpose, wiki.visibility, wiki.categories], ['Renamed', 'New purpose', 'public', ['a', 'b']]);
    const bad = await t.client.post(`/-/wikis/${t.name}/notes`, { op: 'settings', name: '   ', categories: 'a' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /The wiki name must have 1 to 100 characters/);
    wiki = (await wikiOf(t.name, 'notes'))!;
    assert.equal(wiki.name, 'Renamed');
  });

  void it('adds collaborators by username and by email (an invitation), changes a role and removes them', async () => {
    const t = await tenant();
    const friend = uniqueName('f');
    await uc.createUser(h.services, { username: friend, email: `${friend}@example.test`, password: null });
    const url = `/-/wikis/${t.name}/notes`;
    assert.equal((await t.client.post(url, { op: 'add', user: friend, role: 'viewer' })).status, 303);
    assert.equal((await t.client.post(url, { op: 'add', user: 'later@example.test', role: 'editor' })).status, 303);
    let page = await t.client.get(url);
    assert.match(page.text, new RegExp(`<td>${friend}</td>`));
    assert.match(page.text, /later@example\.test <small>\(invitation pending\)<\/small>/);
    assert.match(page.text, /2 of 3 \(pending invitations count\)/);
    const wiki = (await wikiOf(t.name, 'notes'))!;
    const friendUser = (await h.services.meta.getUserByUsername(friend))!;
    assert.equal(await h.services.meta.getRole(wiki.id, friendUser.id), 'viewer');
    assert.equal((await t.client.post(url, { op: 'role', who: friend, role: 'editor' })).status, 303);
    assert.equal(await h.services.meta.getRole(wiki.id, friendUser.id), 'editor');
    const unknown = await t.client.post(url, { op: 'add', user: 'nobody-like-this', role: 'viewer' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /There is no user &quot;nobody-like-this&quot;; invite them by email instead/);
    const badRole = await t.client.post(url, { op: 'role', who: friend, role: 'owner' });
    assert.equal(badRole.status, 400);
    assert.equal(await h.services.meta.getRole(wiki.id, friendUser.id), 'editor');
    assert.equal((await t.client.post(url, { op: 'remove', who: friend })).status, 303);
    assert.equal((await t.client.post(url, { op: 'remove', who: 'later@example.test' })).status, 303);
    assert.equal(await h.services.meta.getRole(wiki.id, friendUser.id), null);
    page = await t.client.get(url);
    assert.match(page.text, /Nobody else has a role on this wiki/);
  });

  void it('refuses viewers (403) and strangers (404) on settings pages and posts, changing nothing', async () => {
    const t = await tenant();
    const viewerName = uniqueName('v');
    const viewer = await signedIn(h, viewerName);
    const stranger = await signedIn(h, uniqueName('s'));
    await uc.addCollaborator(h.services, cliActor(null), { owner: t.name, slug: 'notes' }, { user: viewerName, role: 'viewer' });
    const url = `/-/wikis/${t.name}/notes`;
    assert.equal((await viewer.get(url)).status, 403);
    assert.equal((await stranger.get(url)).status, 404);
    for (const [client, status] of [[viewer, 403], [stranger, 404]] as const) {
      for (const fields of [{ op: 'settings', name: 'Hijacked' }, { op: 'add', user: 'x@example.test', role: 'editor' }, { op: 'delete', confirm: `${t.name}/notes` }]) {
        const res = await client.post(url, fields);
        assert.equal(res.status, status, JSON.stringify(fields));
      }
    }
    const wiki = (await wikiOf(t.name, 'notes'))!;
    assert.equal(wiki.name, `${t.name} research`);
    assert.equal((await h.services.meta.listInvitations(wiki.id)).length, 0);
  });

  void it('deletes a wiki only when its address is typed', async () => {
    const t = await tenant();
    const url = `/-/wikis/${t.name}/notes`;
    const wrong = await t.client.post(url, { op: 'delete', confirm: 'notes' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /nothing was deleted/);
    assert.notEqual(await wikiOf(t.name, 'notes'), null);
    const ok = await t.client.post(url, { op: 'delete', confirm: `${t.name}/notes` });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/?deleted=1');
    assert.equal(await wikiOf(t.name, 'notes'), null);
    assert.equal(h.services.repos.exists(t.name, 'notes'), false);
    assert.match((await t.client.get('/?deleted=1')).text, /The wiki was deleted\./);
  });

  void it('shows how to connect: MCP URL, git clone URL with a token as password, and a curl example', async () => {
    const t = await tenant();
    const page = await t.client.get(`/-/wikis/${t.name}/notes`);
    assert.match(page.text, new RegExp(`<code class="mcp-url">${h.url}/mcp</code>`));
    assert.match(page.text, new RegExp(`<code>${h.url}/${t.name}/notes/mcp</code>`));
    assert.match(page.text, new RegExp(`git clone ${h.url}/${t.name}/notes\\.git`));
    assert.match(page.text, /personal access token<\/a> as the password/);
    assert.match(page.text, new RegExp(`curl -H "Authorization: Bearer \\$TOKEN" ${h.url}/api/v1/wikis/${t.name}/notes/pages/Home`));
  });
});

void describe('tokens and connected apps', () => {
  void it('creates a token shown once that works for the API, lists it with its last use, and revokes it', async () => {
    const t = await tenant();
    const created = await t.client.post('/-/tokens', { name: 'my script', wiki: `${t.name}/notes`, scope: 'read', expires: '30d' });
    assert.equal(created.status, 201);
    const secret = /<code class="new-token">([^<]+)<\/code>/.exec(created.text)?.[1];
    assert.ok(secret);
    const api = await h.request('GET', `/api/v1/wikis/${t.name}/notes/pages/Home`, { token: secret });
    assert.equal(api.status, 200);
    const list = await t.client.get('/-/tokens');
    assert.doesNotMatch(list.text, new RegExp(secret), 'never shown again');
    assert.match(list.text, new RegExp(`<td>my script</td><td>${t.name}/notes</td><td>read</td><td><time[^>]*>[^<]+</time></td><td><time`), 'last used is shown');
    const id = /name="revoke" value="(\d+)"/.exec(list.text)![1]!;
    const revoked = await t.client.post('/-/tokens', { revoke: id });
    assert.equal(revoked.status, 303);
    assert.equal((await h.request('GET', `/api/v1/wikis/${t.name}/notes/pages/Home`, { token: secret })).status, 401);
    const again = await t.client.post('/-/tokens', { revoke: id });
    assert.equal(again.status, 404);
    assert.match(again.text, /You have no access token with id/);
  });

  void it('refuses a token for a wiki the user cannot reach and a forged token post, creating nothing', async () => {
    const t = await tenant();
    const other = await tenant();
    const res = await t.client.post('/-/tokens', { wiki: `${other.name}/notes`, scope: 'write' });
    assert.equal(res.status, 404);
    const forged = await t.client.post('/-/tokens', { name: 'x', _csrf: 'y'.repeat(43) });
    assert.equal(forged.status, 403);
    const user = (await h.services.meta.getUserByUsername(t.name))!;
    assert.equal((await h.services.meta.listTokens(user.id)).length, 0);
  });

  void it('lists connected apps (none yet) and refuses to disconnect an unknown one', async () => {
    const t = await tenant();
    const page = await t.client.get('/-/apps');
    assert.equal(page.status, 200);
    assert.match(page.text, /No app is connected to your account/);
    const res = await t.client.post('/-/apps', { revoke: 'no-such-client' });
    assert.equal(res.status, 404);
    assert.match(res.text, /No connected app has the client ID/);
  });
});
