/**
 * Server-side tests of the web wiki: every route's status, permissions and content, sign-in/out and sessions, CSRF
 * refusals that change nothing, safe redirects, security headers, and user text kept inert everywhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, uniqueName, type TestServer } from './harness.js';
import { makeWebTenant, PASSWORD, signedIn, WebClient } from './web-support.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(() => h.close());

const tenant = (visibility: 'public' | 'private' = 'private') => makeWebTenant(h, uniqueName('w'), visibility);

void describe('sign-in, sessions and security headers', () => {
  void it('signs in with username or email, sets a HttpOnly SameSite=Lax cookie, and signs out', async () => {
    const t = await tenant();
    const c = new WebClient(h);
    const form = await c.get('/-/signin?next=' + encodeURIComponent(`${t.base}/Home`));
    assert.equal(form.status, 200);
    assert.match(form.text, /<label for="login">Username or email<\/label>/);
    assert.equal(form.headers.get('content-security-policy')?.includes("script-src 'self'"), true);
    assert.equal(form.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(form.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(form.headers.get('referrer-policy'), 'same-origin');
    assert.doesNotMatch(form.text, /<script>(?!<\/script>)/, 'no inline script');
    const res = await c.post('/-/signin', { login: `${t.name}@example.test`, password: PASSWORD, next: `${t.base}/Home` });
    assert.equal(res.status, 303);
    assert.equal(res.location, `${t.base}/Home`);
    const set = res.headers.getSetCookie().find((x) => x.startsWith('wb_session='))!;
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Lax/);
    assert.doesNotMatch(set, /Secure/);
    const home = await c.get(`${t.base}/Home`);
    assert.match(home.text, new RegExp(`<a class="who" href="/-/sessions"[^>]*>${t.name}</a>`));
    const out = await c.post('/-/signout');
    assert.equal(out.status, 303);
    const after = await c.get(`${t.base}/Home`);
    assert.equal(after.status, 404, 'a private wiki is not found once signed out');
  });

  void it('refuses a wrong password alike for every account, and opens no session', async () => {
    const t = await tenant();
    for (const login of [t.name, 'nobody-here']) {
      const c = new WebClient(h);
      await c.get('/-/signin');
      const res = await c.post('/-/signin', { login, password: 'wrong password' });
      assert.equal(res.status, 401);
      assert.match(res.text, /The username or password is wrong\./);
      assert.equal(c.cookies.has('wb_session'), false);
    }
  });

  void it('only redirects inside the site after sign-in', async () => {
    const t = await tenant();
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/\tevil', 'javascript:alert(1)']) {
      const c = new WebClient(h);
      await c.get('/-/signin');
      const res = await c.post('/-/signin', { login: t.name, password: PASSWORD, next });
      assert.equal(res.status, 303);
      assert.equal(res.location, '/', `next=${next}`);
    }
  });

  void it('refuses a sign-in or any post without the CSRF token, or from another origin, changing nothing', async () => {
    const t = await tenant();
    const c = new WebClient(h);
    await c.get('/-/signin');
    const noToken = await c.request('POST', '/-/signin', { login: t.name, password: PASSWORD });
    assert.equal(noToken.status, 403);
    assert.equal(c.cookies.has('wb_session'), false);
    const head = t.head();
    const forged = await t.client.post(`${t.base}/-/edit/Forged`, { content: 'x', _csrf: 'forged-token-forged-token-forged-token' });
    assert.equal(forged.status, 403);
    assert.match(forged.text, /CSRF/);
    const foreign = await t.client.post(`${t.base}/-/edit/Forged`, { content: 'x' }, { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal(t.head(), head);
  });

  void it('lists the user’s sessions and signs out another browser', async () => {
    const t = await tenant();
    const laptop = await signedIn(h, t.name);
    const list = await t.client.get('/-/sessions');
    assert.equal((list.text.match(/name="revoke" value="\d+"/g) ?? []).length, 2);
    assert.match(list.text, /\(this browser\)/);
    // The row of the other browser: its first cell has no "(this browser)" marker inside.
    const laptopId = /<tr><td>[^<]*<\/td>[\s\S]*?name="revoke" value="(\d+)"/.exec(list.text)![1]!;
    const res = await t.client.post('/-/sessions', { revoke: laptopId });
    assert.equal(res.status, 303);
    assert.equal((await laptop.get(`${t.base}/Home`)).status, 404, 'the revoked browser is signed out');
    assert.equal((await t.client.get(`${t.base}/Home`)).status, 200);
    const bad = await t.client.post('/-/sessions', { revoke: '999999' });
    assert.equal(bad.status, 400);
  });

  void it('marks the cookie Secure behind https', async () => {
    const hs = await startServer({ env: { WIKIBOT_BASE_URL: 'https://wiki.example' } });
    try {
      const t = await makeWebTenant(hs, uniqueName('s'));
      const c = new WebClient(hs);
      await c.get('/-/signin');
      const res = await c.post('/-/signin', { login: t.name, password: PASSWORD });
      assert.match(res.headers.getSetCookie().find((x) => x.startsWith('wb_session='))!, /; Secure/);
    } finally {
      await hs.close();
    }
  });
});

void describe('permissions', () => {
  void it('private wiki: 404 to anonymous and strangers; a viewer reads without edit buttons and gets 403 on post', async () => {
    const t = await tenant('private');
    await t.write('Notes', '# Notes\n\nhello\n');
    assert.equal((await new WebClient(h).get(`${t.base}/Notes`)).status, 404);
    const stranger = await signedIn(h, uniqueName('stranger'));
    assert.equal((await stranger.get(`${t.base}/Notes`)).status, 404);
    assert.equal((await stranger.get(`${t.base}/-/history/Notes`)).status, 404);
    const before = t.head();
    assert.equal((await stranger.post(`${t.base}/-/edit/Notes`, { content: 'taken over' })).status, 404);
    assert.equal((await stranger.post(`${t.base}/-/revert`, { commit: before ?? '' })).status, 404);
    assert.equal(t.head(), before);
    const viewerName = uniqueName('viewer');
    const viewer = await signedIn(h, viewerName);
    const wiki = (await h.services.meta.getWiki(t.name, 'notes'))!;
    const vu = (await h.services.meta.getUserByUsername(viewerName))!;
    await h.services.meta.setRole(wiki.id, vu.id, 'viewer');
    const page = await viewer.get(`${t.base}/Notes`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /-\/edit\//);
    assert.doesNotMatch(page.text, />New page</);
    const head = t.head();
    const post = await viewer.post(`${t.base}/-/edit/Notes`, { content: 'mine now', revision: (await t.read('Notes')).revision });
    assert.equal(post.status, 403);
    assert.equal((await viewer.post(`${t.base}/-/delete/Notes`)).status, 403);
    assert.equal((await viewer.get(`${t.base}/-/edit/Notes`)).status, 403);
    assert.equal(t.head(), head);
    const owner = await t.client.get(`${t.base}/Notes`);
    assert.match(owner.text, /href="\/[^"]+\/-\/edit\/Notes"/);
  });

  void it('public wiki: anonymous reads, and is sent to sign in when opening the editor', async () => {
    const t = await tenant('public');
    const c = new WebClient(h);
    const home = await c.get(`${t.base}/`);
    assert.equal(home.status, 200);
    assert.match(home.text, /Sign in<\/a>/);
    const edit = await c.get(`${t.base}/-/edit/Home`);
    assert.equal(edit.status, 303);
    assert.match(edit.location!, /^\/-\/signin\?next=/);
    await c.get('/-/signin');
    const post = await c.post(`${t.base}/-/edit/Home`, { content: 'x' });
    assert.equal(post.status, 401);
  });
});

void describe('page view', () => {
  void it('shows title, breadcrumbs, TOC, properties, archived banner, last edit, backlinks and missing links', async () => {
    const t = await tenant();
    await t.write('Actors/Iran', '---\ncategory: actor\ntags: [nuclear, gulf]\nconfidence: high\narchived: true\n---\nIntro.\n\n## Military\n\nx\n\n## Economy\n\nSee [[Not Yet]].\n');
    await t.write('Events/Talks', 'About [[Actors/Iran]].\n');
    const res = await t.client.get(`${t.base}/Actors/Iran`);
    assert.equal(res.status, 200);
    assert.match(res.text, /<nav class="crumbs" aria-label="Breadcrumb">.*<a href="\/[^"]+\/Actors">Actors<\/a>.*<li aria-current="page">Iran<\/li>/s);
    assert.match(res.text, /<h1>Iran<\/h1>/);
    assert.match(res.text, /<nav class="toc" aria-label="Contents">.*href="#military".*href="#economy"/s);
    assert.match(res.text, /<dt>category<\/dt><dd><a [^>]*>actor<\/a>/);
    assert.match(res.text, /<dt>confidence<\/dt><dd>high<\/dd>/);
    assert.match(res.text, /class="banner archived"/);
    assert.match(res.text, /Last edited by [^,]+, <a href="[^"]+\/-\/diff\/Actors\/Iran\?to=[0-9a-f]{40}"><time[^>]*>just now<\/time>/);
    assert.match(res.text, /<h2>Linked from<\/h2><ul><li><a href="\/[^"]+\/Events\/Talks">Events\/Talks<\/a>/);
    assert.match(res.text, /<a class="wikilink missing" href="[^"]+\/Not_Yet\?action=create">/);
    assert.match(res.text, /<main id="main"/);
    assert.match(res.text, /<nav id="sidebar" class="sidebar" aria-label="Pages">/);
  });

  void it('redirects another spelling to the stored one, and offers to create a missing page', async () => {
    const t = await tenant();
    await t.write('Actors/Iran', 'x\n');
    const res = await t.client.get(`${t.base}/actors/IRAN?notice=saved`);
    assert.equal(res.status, 301);
    assert.equal(res.location, `${t.base}/Actors/Iran?notice=saved`);
    const missing = await t.client.get(`${t.base}/Nowhere`);
    assert.equal(missing.status, 404);
    assert.match(missing.text, /This page does not exist yet\./);
    assert.match(missing.text, new RegExp(`href="${t.base}/-/edit/Nowhere">Create this page`));
    const folder = await t.client.get(`${t.base}/Actors`);
    assert.equal(folder.status, 200);
    assert.match(folder.text, /<ul class="folder-index"><li><a href="[^"]+\/Actors\/Iran">Iran<\/a><\/li><\/ul>/);
    const create = await t.client.get(`${t.base}/Nowhere?action=create`);
    assert.equal(create.location, `${t.base}/-/edit/Nowhere`);
  });

  void it('shows an old revision with a banner', async () => {
    const t = await tenant();
    const first = await t.write('P', 'first text\n');
    await t.write('P', 'second text\n', first.revision);
    const res = await t.client.get(`${t.base}/P?revision=${first.revision}`);
    assert.equal(res.status, 200);
    assert.match(res.text, /first text/);
    assert.match(res.text, /class="banner old"/);
    const now = await t.client.get(`${t.base}/P`);
    assert.doesNotMatch(now.text, /class="banner old"/);
    assert.equal((await t.client.get(`${t.base}/P?revision=0000000`)).status, 404);
  });
});

void describe('editing', () => {
  void it('creates a page, then saves an edit carrying the base revision', async () => {
    const t = await tenant();
    const form = await t.client.get(`${t.base}/-/new`);
    assert.equal(form.status, 200);
    assert.match(form.text, /<script type="module" src="\/-\/assets\/editor\.js/);
    const created = await t.client.post(`${t.base}/-/edit/`, { path: 'Ideas', content: 'Line one\r\nSee [[Home]]\r\n', revision: '', message: 'first ideas' });
    assert.equal(created.status, 303);
    assert.equal(created.location, `${t.base}/Ideas?notice=saved`);
    const page = await t.read('Ideas');
    assert.equal(page.content, 'Line one\nSee [[Home]]\n');
    assert.equal(page.lastCommit.message, 'first ideas');
    const edit = await t.client.get(`${t.base}/-/edit/Ideas`);
    assert.match(edit.text, new RegExp(`<input type="hidden" name="revision" value="${page.revision}">`));
    assert.match(edit.text, /<textarea id="content" name="content"[^>]*>Line one\nSee \[\[Home\]\]\n<\/textarea>/);
    const saved = await t.client.post(`${t.base}/-/edit/Ideas`, { content: 'Line one\nLine two\n', revision: page.revision });
    assert.equal(saved.location, `${t.base}/Ideas?notice=saved`);
    const unchanged = await t.client.post(`${t.base}/-/edit/Ideas`, { content: 'Line one\nLine two\n', revision: (await t.read('Ideas')).revision });
    assert.equal(unchanged.location, `${t.base}/Ideas?notice=unchanged`);
    assert.match((await t.client.get(unchanged.location)).text, /Nothing changed/);
  });

  void it('merges a stale save that does not overlap, and shows both sides of one that does (nothing overwritten)', async () => {
    const t = await tenant();
    const base = await t.write('Plan', 'alpha\nbeta\ngamma\ndelta\nepsilon\n');
    await t.write('Plan', 'ALPHA\nbeta\ngamma\ndelta\nepsilon\n', base.revision);
    const merged = await t.client.post(`${t.base}/-/edit/Plan`, { content: 'alpha\nbeta\ngamma\ndelta\nEPSILON\n', revision: base.revision });
    assert.equal(merged.location, `${t.base}/Plan?notice=merged`);
    assert.equal((await t.read('Plan')).content, 'ALPHA\nbeta\ngamma\ndelta\nEPSILON\n');
    assert.match((await t.client.get(merged.location)).text, /were merged/);
    const head = t.head();
    const conflict = await t.client.post(`${t.base}/-/edit/Plan`, { content: 'Alpha!\nbeta\ngamma\ndelta\nepsilon\n', revision: base.revision });
    assert.equal(conflict.status, 409);
    assert.equal(t.head(), head);
    assert.match(conflict.text, /Someone else changed this page/);
    assert.match(conflict.text, /<pre class="source">ALPHA\nbeta/);
    assert.match(conflict.text, /<textarea[^>]*>Alpha!\nbeta/);
    const current = (await t.read('Plan')).revision;
    assert.match(conflict.text, new RegExp(`name="revision" value="${current}"`));
    const resolved = await t.client.post(`${t.base}/-/edit/Plan`, { content: 'Alpha!\nbeta\ngamma\ndelta\nEPSILON\n', revision: current });
    assert.equal(resolved.location, `${t.base}/Plan?notice=saved`);
  });

  void it('refuses a bad page name with the editor and a clear message, changing nothing', async () => {
    const t = await tenant();
    const head = t.head();
    const res = await t.client.post(`${t.base}/-/edit/`, { path: '../etc', content: 'x', revision: '' });
    assert.equal(res.status, 400);
    assert.match(res.text, /class="banner error"/);
    assert.equal(t.head(), head);
  });

  void it('renders a preview with the wiki’s links', async () => {
    const t = await tenant();
    const res = await t.client.post(`${t.base}/-/preview`, { content: '# T\n\n[[Home]] [[Nope]] <img src=x onerror=alert(1)>' });
    assert.equal(res.status, 200);
    assert.match(res.text, /<a class="wikilink" href="[^"]+\/Home">Home<\/a>/);
    assert.match(res.text, /wikilink missing/);
    assert.doesNotMatch(res.text, /onerror/);
    const noCsrf = await t.client.request('POST', `${t.base}/-/preview`, { content: 'x' });
    assert.equal(noCsrf.status, 403);
  });
});

void describe('history, diff, blame, revert, source', () => {
  void it('lists history, compares two revisions both ways, blames by commit and reverts', async () => {
    const t = await tenant();
    const a = await t.write('Doc', 'one\ntwo\nthree\n');
    const b = await t.write('Doc', 'one\ntwo changed here\nthree\n', a.revision);
    const hist = await t.client.get(`${t.base}/-/history/Doc`);
    assert.equal(hist.status, 200);
    assert.match(hist.text, new RegExp(`value="${b.revision}"[^>]*checked`));
    assert.match(hist.text, /Compare selected revisions/);
    const diff = await t.client.get(`${t.base}/-/diff/Doc?from=${a.revision}&to=${b.revision}`);
    assert.equal(diff.status, 200);
    assert.match(diff.text, /<tr class="del">.*two/);
    assert.match(diff.text, /<ins> changed here<\/ins>/);
    const split = await t.client.get(`${t.base}/-/diff/Doc?from=${a.revision}&to=${b.revision}&view=split`);
    assert.match(split.text, /<table class="diff split">/);
    const byCommit = await t.client.get(`${t.base}/-/diff/Doc?to=${b.revision}`);
    assert.match(byCommit.text, new RegExp(`From <a[^>]*><code>${a.revision.slice(0, 7)}</code>`));
    const blame = await t.client.get(`${t.base}/-/blame/Doc`);
    assert.equal(blame.status, 200);
    assert.equal((blame.text.match(/<td class="commit" rowspan/g) ?? []).length, 3, 'three groups: a, b, a');
    const source = await t.client.get(`${t.base}/-/source/Doc`);
    assert.match(source.text, /<pre class="source">one\ntwo changed here/);
    const raw = await t.client.get(`${t.base}/-/raw/Doc`);
    assert.equal(raw.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(raw.text, 'one\ntwo changed here\nthree\n');
    const revert = await t.client.post(`${t.base}/-/revert`, { commit: b.revision, next: `${t.base}/-/history/Doc` });
    assert.equal(revert.status, 303);
    assert.equal(revert.location, `${t.base}/-/history/Doc`);
    assert.equal((await t.read('Doc')).content, 'one\ntwo\nthree\n');
    const again = await t.client.post(`${t.base}/-/revert`, { commit: b.revision });
    assert.equal(again.status, 409);
    assert.match(again.text, /already undone/);
  });

  void it('shows recent changes with Atom and RSS feeds', async () => {
    const t = await tenant();
    await t.write('Feed', 'x\n', undefined, 'Create <Test> & more');
    const changes = await t.client.get(`${t.base}/-/changes`);
    assert.match(changes.text, /Create &lt;Test&gt; &amp; more/);
    const atom = await t.client.get(`${t.base}/-/feed.atom`);
    assert.match(atom.headers.get('content-type')!, /application\/atom\+xml/);
    assert.match(atom.text, /<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    assert.match(atom.text, /<title>Create &lt;Test&gt; &amp; more<\/title>/);
    const rss = await t.client.get(`${t.base}/-/feed.rss`);
    assert.match(rss.text, /<rss version="2.0">/);
  });
});

void describe('index, search, health', () => {
  void it('lists pages A–Z, by folder and category; searches with highlights and filters; reports health', async () => {
    const t = await tenant();
    await t.write('Actors/Iran', '---\ncategory: actor\ntags: [gulf]\n---\nThe uranium programme.\n');
    await t.write('Actors/Oman', '---\ncategory: actor\n---\nLinks to [[Ghost]].\n');
    const index = await t.client.get(`${t.base}/-/index`);
    assert.match(index.text, /<h3 id="letter-I">I<\/h3>/);
    assert.match(index.text, /actor \(2\)/);
    const cat = await t.client.get(`${t.base}/-/index?category=actor`);
    assert.match(cat.text, /2 pages/);
    const search = await t.client.get(`${t.base}/-/search?q=uranium`);
    assert.match(search.text, /<mark>uranium<\/mark>/);
    assert.match(search.text, /<a href="[^"]+\/Actors\/Iran">Iran<\/a>/);
    const tag = await t.client.get(`${t.base}/-/search?tag=gulf`);
    const results = tag.text.slice(tag.text.indexOf('<ol class="results">'));
    assert.match(results, /Actors\/Iran/);
    assert.doesNotMatch(results, /Actors\/Oman/);
    const bad = await t.client.get(`${t.base}/-/search?q=${'x'.repeat(1001)}`);
    assert.match(bad.text, /longer than 1000/);
    const health = await t.client.get(`${t.base}/-/health`);
    assert.match(health.text, /Broken links \(1\)/);
    assert.match(health.text, /Ghost/);
    assert.match(health.text, /Orphans \(/);
  });
});

void describe('rename, delete, attachments', () => {
  void it('renames with link updates listed beforehand, and deletes after a confirmation', async () => {
    const t = await tenant();
    await t.write('Old', 'old page\n');
    await t.write('Ref', 'See [[Old]].\n');
    const form = await t.client.get(`${t.base}/-/rename/Old`);
    assert.match(form.text, /<ul class="will-change"><li>Ref<\/li><\/ul>/);
    const res = await t.client.post(`${t.base}/-/rename/Old`, { new_path: 'New', update_links: '1' });
    assert.equal(res.location, `${t.base}/New?notice=renamed&updated=1`);
    assert.equal((await t.read('Ref')).content, 'See [[New]].\n');
    const confirm = await t.client.get(`${t.base}/-/delete/New`);
    assert.match(confirm.text, /Delete the page/);
    const del = await t.client.post(`${t.base}/-/delete/New`, { revision: (await t.read('New')).revision });
    assert.equal(del.status, 303);
    assert.equal((await t.client.get(`${t.base}/New`)).status, 404);
  });

  void it('uploads attachments, lists them, serves them safely and keeps file names inert', async () => {
    const t = await tenant();
    await t.write('Pics', 'x\n');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e2f4a0e80000000049454e44ae426082', 'hex');
    const up = await t.client.request('POST', `${t.base}/-/upload/Pics?filename=dot.png`, png, { 'x-csrf-token': t.client.csrf });
    assert.equal(up.status, 201, up.text);
    assert.deepEqual(JSON.parse(up.text), { name: 'dot.png', url: `${t.base}/-/file/Pics/dot.png` });
    const noCsrf = await t.client.request('POST', `${t.base}/-/upload/Pics?filename=evil.png`, png);
    assert.equal(noCsrf.status, 403);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const badName = await t.client.request('POST', `${t.base}/-/upload/Pics?filename=${encodeURIComponent('"><img src=x onerror=alert(1)>.svg')}`, svg, { 'x-csrf-token': t.client.csrf });
    assert.equal(badName.status, 400);
    assert.match((JSON.parse(badName.text) as { message: string }).message, /Invalid attachment name/);
    const svgUp = await t.client.request('POST', `${t.base}/-/upload/Pics?filename=${encodeURIComponent("it's&x.svg")}`, svg, { 'x-csrf-token': t.client.csrf });
    assert.equal(svgUp.status, 201);
    const file = await t.client.get(`${t.base}/-/file/Pics/dot.png`);
    assert.equal(file.headers.get('content-type'), 'image/png');
    assert.match(file.headers.get('content-disposition')!, /^inline; filename\*=UTF-8''dot\.png/);
    assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
    const asPage = await t.client.get(`${t.base}/Pics/dot.png`);
    assert.equal(asPage.headers.get('content-type'), 'image/png');
    const svgFile = await t.client.get(`${t.base}/-/file/Pics/${encodeURIComponent("it's&x.svg")}`);
    assert.match(svgFile.headers.get('content-disposition')!, /^attachment;/);
    assert.match(svgFile.headers.get('content-security-policy')!, /sandbox/);
    const list = await t.client.get(`${t.base}/-/attachments/Pics`);
    assert.match(list.text, /<img src="[^"]+\/-\/thumb\/Pics\/dot\.png\?size=128&amp;v=[0-9a-f]{40}"/);
    assert.match(list.text, />it&#39;s&amp;x\.svg<\/a>/);
    assert.doesNotMatch(list.text, /<img [^>]*x\.svg/, 'an SVG never shows inline');
    const page = await t.client.get(`${t.base}/Pics`);
    assert.match(page.text, /dot\.png<\/a> <span class="muted">\d+ B<\/span>/);
    const del = await t.client.post(`${t.base}/-/attachments/Pics`, { delete: 'dot.png' });
    assert.equal(del.status, 303);
    assert.equal((await t.client.get(`${t.base}/-/file/Pics/dot.png`)).status, 404);
  });
});

void describe('assets and small endpoints', () => {
  void it('serves versioned assets (gzip when asked), the page list for completion, and refuses unknown actions', async () => {
    const t = await tenant();
    const page = await t.client.get(`${t.base}/Home`);
    const css = /<link rel="stylesheet" href="([^"]+)">/.exec(page.text)![1]!;
    assert.match(css, /^\/-\/assets\/app\.css\?v=[0-9a-f]{12}$/);
    const plain = await fetch(h.url + css, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.match(plain.headers.get('cache-control')!, /immutable/);
    assert.match(await plain.text(), /--bg:/);
    const js = await t.client.request('GET', '/-/assets/app.js', undefined, { 'accept-encoding': 'gzip' });
    assert.equal(js.status, 200);
    assert.match(js.text, /wikibot-theme/, 'fetch decodes the gzip body');
    assert.equal((await t.client.get('/-/assets/nothing.js')).status, 404);
    assert.doesNotMatch(page.text, /editor\.js/, 'the editor loads on edit pages only');
    const list = await t.client.get(`${t.base}/-/pages.json`);
    assert.deepEqual((JSON.parse(list.text) as { pages: string[] }).pages.sort(), ['Home', 'Meta/Page_Template', 'Meta/Wiki_Usage_Guide']);
    assert.equal((await new WebClient(h).get(`${t.base}/-/pages.json`)).status, 404, 'a private wiki’s page list is not for strangers');
    const unknown = await t.client.get(`${t.base}/-/nonsense`);
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /There is no GET action &quot;nonsense&quot;/);
  });

  void it('renames an attachment', async () => {
    const t = await tenant();
    await t.write('Docs', 'x\n');
    const up = await t.client.request('POST', `${t.base}/-/upload/Docs?filename=a.txt`, Buffer.from('hello'), { 'x-csrf-token': t.client.csrf });
    assert.equal(up.status, 201);
    await t.client.get(`${t.base}/-/attachments/Docs`);
    const res = await t.client.post(`${t.base}/-/attachments/Docs`, { rename: 'a.txt', new_name: 'b.txt' });
    assert.equal(res.status, 303);
    assert.match((await t.client.get(res.location!)).text, /Renamed a\.txt to b\.txt\./);
    const file = await t.client.get(`${t.base}/-/file/Docs/b.txt`);
    assert.equal(file.text, 'hello');
    assert.match(file.headers.get('content-disposition')!, /^attachment; filename\*=UTF-8''b\.txt$/);
  });
});

void describe('user text stays inert', () => {
  void it('escapes page names, front matter, diffs and search snippets', async () => {
    const t = await tenant();
    const evil = '<script>alert(1)</script>';
    const name = "Tom's&Jerry's";
    const a = await t.write(name, `---\ntitle: "${evil}"\ncategory: "<b>c</b>"\n---\n${evil}\n\nfindme ${evil} <img src=y onerror=alert(1)>\n`, undefined, `msg ${evil}`);
    await t.write(name, `changed ${evil} <img src=y onerror=alert(1)>\n`, a.revision, `second <img src=y onerror=alert(1)>`);
    const enc = encodeURIComponent(name);
    for (const path of [`/${enc}`, `/-/history/${enc}`, `/-/diff/${enc}?from=${a.revision}`, `/-/blame/${enc}?revision=${a.revision}`, `/-/source/${enc}?revision=${a.revision}`, '/-/search?q=findme', '/-/changes', '/-/index']) {
      const res = await t.client.get(t.base + path);
      assert.equal(res.status, 200, path);
      assert.doesNotMatch(res.text, /<script>alert/, path);
      assert.doesNotMatch(res.text, /<img src=y/, path);
      assert.doesNotMatch(res.text, /<b>c<\/b>/, path);
      assert.doesNotMatch(res.text, /Tom's&Jerry/, path);
    }
  });
});
