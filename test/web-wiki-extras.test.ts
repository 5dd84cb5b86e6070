/**
 * Server-side tests of the web wiki's later pieces: the owner's "sync needs attention" banner and the `-/sync` page,
 * attachment thumbnails and history, headings in the page index, the single-commit view, sitemap.xml and robots.txt,
 * and sign-in throttling.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signInThrottleOf } from '../src/auth/throttle.js';
import { startServer, uniqueName, type TestServer } from './harness.js';
import { makeWebTenant, PASSWORD, signedIn, WebClient } from './web-support.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(() => h.close());

const tenant = (visibility: 'public' | 'private' = 'private') => makeWebTenant(h, uniqueName('x'), visibility);

async function premium(name: string) {
  const user = (await h.services.meta.getUserByUsername(name))!;
  await h.services.meta.updateUser(user.id, { tier: 'premium' });
  return (await h.services.meta.getWiki(name, 'notes'))!;
}

void describe('external sync in the web wiki', () => {
  void it('shows the owner a banner with the message and both heads, and nobody else', async () => {
    const t = await tenant();
    const wrote = await t.write('Notes', '# Notes\n');
    const wiki = await premium(t.name);
    const store = h.services.jobs;
    await store.putSyncLink({ wikiId: wiki.id, url: '/nowhere/remote.git', username: null, secret: null, nextRunAt: '2999-01-01T00:00:00.000Z' });
    const plain = await t.client.get(`${t.base}/Notes`);
    assert.equal(plain.status, 200);
    assert.doesNotMatch(plain.text, /sync-attention/, 'a link that never ran needs no attention');
    await store.recordSync(wiki.id, {
      state: 'needs_attention',
      lastResult: 'diverged',
      ourHead: wrote.revision,
      theirHead: 'abcdef0123456789abcdef0123456789abcdef01',
      message: 'Both sides changed <b>since</b> they last agreed.',
      lastRunAt: new Date().toISOString(),
      nextRunAt: '2999-01-01T00:00:00.000Z',
    });
    const page = await t.client.get(`${t.base}/Notes`);
    assert.match(page.text, /class="banner sync-attention"/);
    assert.match(page.text, /Sync needs attention/);
    assert.match(page.text, /Both sides changed &lt;b&gt;since&lt;\/b&gt; they last agreed\./);
    assert.match(page.text, new RegExp(`<code>${wrote.revision.slice(0, 7)}</code>`));
    assert.match(page.text, /<code>abcdef0<\/code>/);
    assert.match(page.text, new RegExp(`href="${t.base}/-/sync"`));
    const editorName = uniqueName('ed');
    const editor = await signedIn(h, editorName);
    await h.services.meta.setRole(wiki.id, (await h.services.meta.getUserByUsername(editorName))!.id, 'editor');
    const theirs = await editor.get(`${t.base}/Notes`);
    assert.equal(theirs.status, 200);
    assert.doesNotMatch(theirs.text, /sync-attention/);
    assert.equal((await editor.get(`${t.base}/-/sync`)).status, 403);
    const status = await t.client.get(`${t.base}/-/sync`);
    assert.equal(status.status, 200);
    assert.match(status.text, /needs attention · last result: diverged/);
    assert.match(status.text, /<button type="submit" class="primary">Sync now<\/button>/);
  });

  void it('"Sync now" runs the sync for the owner only, with a CSRF token; a failed run shows its banner', async () => {
    const t = await tenant();
    await t.write('Notes', '# Notes\n');
    const wiki = await premium(t.name);
    const store = h.services.jobs;
    await store.putSyncLink({ wikiId: wiki.id, url: '/nowhere/remote.git', username: null, secret: null, nextRunAt: '2999-01-01T00:00:00.000Z' });
    const editorName = uniqueName('ed');
    const editor = await signedIn(h, editorName);
    await h.services.meta.setRole(wiki.id, (await h.services.meta.getUserByUsername(editorName))!.id, 'editor');
    assert.equal((await editor.post(`${t.base}/-/sync`)).status, 403);
    assert.equal((await t.client.post(`${t.base}/-/sync`, { _csrf: 'forged-token-forged-token-forged-token' })).status, 403);
    assert.equal((await store.getSyncLink(wiki.id))!.state, 'never', 'refused posts ran nothing');
    const run = await t.client.post(`${t.base}/-/sync`);
    assert.equal(run.status, 303);
    assert.match(run.location ?? '', /\/-\/sync\?notice=Sync%20ran/);
    const link = (await store.getSyncLink(wiki.id))!;
    assert.equal(link.state, 'error');
    assert.equal(link.lastResult, 'failed');
    const page = await t.client.get(`${t.base}/Notes`);
    assert.match(page.text, /Sync failed/);
  });

  void it('a free owner has no sync page, and a wiki without a link says so', async () => {
    const t = await tenant();
    await t.write('Notes', '# Notes\n');
    assert.equal((await t.client.get(`${t.base}/-/sync`)).status, 403);
    await premium(t.name);
    const page = await t.client.get(`${t.base}/-/sync`);
    assert.equal(page.status, 200);
    assert.match(page.text, /is not linked to an external remote/);
    assert.equal((await new WebClient(h).get(`${t.base}/-/sync`)).status, 404);
  });
});

void describe('attachments: thumbnails, dates and history', () => {
  const upload = (t: Awaited<ReturnType<typeof tenant>>, name: string, body: Buffer) =>
    t.client.request('POST', `${t.base}/-/upload/Pics?filename=${encodeURIComponent(name)}`, body, { 'x-csrf-token': t.client.csrf });

  void it('lists raster images as lazy thumbnails with size and date; SVG only as a link', async () => {
    const t = await tenant();
    await t.write('Pics', 'x\n');
    assert.equal((await upload(t, 'dot.png', Buffer.from('not really a png'))).status, 201);
    assert.equal((await upload(t, 'logo.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).status, 201);
    const list = await t.client.get(`${t.base}/-/attachments/Pics`);
    assert.equal(list.status, 200);
    assert.match(list.text, new RegExp(`<img src="${t.base}/-/thumb/Pics/dot\\.png\\?size=128&amp;v=[0-9a-f]{40}" alt="" loading="lazy" decoding="async" width="64" height="64">`));
    assert.doesNotMatch(list.text, /<img [^>]*logo\.svg/);
    assert.match(list.text, /<span class="thumb file" aria-hidden="true">SVG<\/span><span class="att-info"><a href="[^"]+logo\.svg">logo\.svg<\/a>/);
    assert.match(list.text, /dot\.png<\/a> <span class="muted">16 B · <time datetime="[^"]+"[^>]*>just now<\/time> by /);
    assert.match(list.text, new RegExp(`href="${t.base}/-/attachment-history/Pics/dot\\.png">history</a>`));
  });

  void it('shows each attachment’s commits (following a rename) with a download of each revision', async () => {
    const t = await tenant();
    await t.write('Pics', 'x\n');
    assert.equal((await upload(t, 'a.png', Buffer.from('first'))).status, 201);
    const first = t.head()!;
    assert.equal((await upload(t, 'a.png', Buffer.from('second'))).status, 201);
    assert.equal((await t.client.post(`${t.base}/-/attachments/Pics`, { rename: 'a.png', new_name: 'b.png' })).status, 303);
    const hist = await t.client.get(`${t.base}/-/attachment-history/Pics/b.png`);
    assert.equal(hist.status, 200, hist.text);
    const rows = hist.text.match(/<tr><td><a href="[^"]+\/-\/commit\/[0-9a-f]{40}">/g) ?? [];
    assert.equal(rows.length, 3);
    assert.match(hist.text, /renamed from a\.png/);
    assert.match(hist.text, new RegExp(`href="${t.base}/-/file/Pics/a\\.png\\?revision=${first}">download a\\.png</a>`));
    const old = await t.client.get(`${t.base}/-/file/Pics/a.png?revision=${first}`);
    assert.equal(old.status, 200);
    assert.equal(old.text, 'first');
    assert.equal((await t.client.get(`${t.base}/-/attachment-history/Pics/never.png`)).status, 404);
    assert.equal((await t.client.get(`${t.base}/-/attachment-history/Pics`)).status, 400);
    assert.equal((await new WebClient(h).get(`${t.base}/-/attachment-history/Pics/b.png`)).status, 404, 'private wiki');
  });
});

void describe('page index headings and the single-commit view', () => {
  void it('lists each page’s level 2–3 headings with the ids the page gives them', async () => {
    const t = await tenant();
    const w = await t.write('Actors/Iran', '---\ncategory: actor\n---\n# Iran\n## Background\n### Military `strategy`\n## Background\n```\n## not a heading\n```\n## <b>x</b>\n');
    const index = await t.client.get(`${t.base}/-/index`);
    assert.equal(index.status, 200);
    assert.match(index.text, new RegExp(`<ul class="outline"><li class="l2"><a href="${t.base}/Actors/Iran#background">Background</a></li><li class="l3"><a href="${t.base}/Actors/Iran#military-strategy">Military strategy</a></li><li class="l2"><a href="${t.base}/Actors/Iran#background-1">Background</a></li>`));
    assert.doesNotMatch(index.text, /not a heading/);
    assert.match(index.text, /&lt;b&gt;x&lt;\/b&gt;/, 'heading text stays inert');
    const page = await t.client.get(`${t.base}/Actors/Iran`);
    for (const id of ['background', 'military-strategy', 'background-1']) assert.match(page.text, new RegExp(`id="${id}"`));
    await t.write('Actors/Iran', '# Iran\n## Now\n', w.revision);
    assert.match((await t.client.get(`${t.base}/-/index`)).text, /#now">Now<\/a>/, 'a new version has its own outline');
  });

  void it('shows a commit with message, author, date and the diff of each file; linked from history, changes and the page', async () => {
    const t = await tenant();
    const first = await t.write('Notes', 'one\ntwo\n');
    const second = await t.write('Notes', 'one\n<script>2</script>\n', first.revision, 'Second <take>\n\nWith a body.');
    const res = await t.client.get(`${t.base}/-/commit/${second.revision}`);
    assert.equal(res.status, 200);
    assert.match(res.text, /<strong>Second &lt;take&gt;<\/strong>/);
    assert.match(res.text, /<pre class="commit-body">With a body\.<\/pre>/);
    assert.match(res.text, new RegExp(`parent <a href="${t.base}/-/commit/${first.revision}">`));
    assert.match(res.text, /1 file\(s\) changed/);
    assert.match(res.text, /<span class="added">\+1<\/span> <span class="removed">−1<\/span>/);
    assert.match(res.text, /&lt;script&gt;2&lt;\/script&gt;/);
    assert.doesNotMatch(res.text, /<script>2/);
    const short = await t.client.get(`${t.base}/-/commit/${second.revision.slice(0, 7)}`);
    assert.equal(short.status, 200);
    assert.equal((await t.client.get(`${t.base}/-/commit/0000000`)).status, 404);
    assert.equal((await t.client.get(`${t.base}/-/commit/nothex`)).status, 404);
    const link = `href="${t.base}/-/commit/${second.revision}"`;
    assert.ok((await t.client.get(`${t.base}/-/history/Notes`)).text.includes(link));
    assert.ok((await t.client.get(`${t.base}/-/changes`)).text.includes(link));
    assert.ok((await t.client.get(`${t.base}/Notes`)).text.includes(link));
    assert.equal((await new WebClient(h).get(`${t.base}/-/commit/${second.revision}`)).status, 404, 'private wiki');
  });
});

void describe('sitemap.xml and robots.txt', () => {
  void it('a public wiki lists its pages in a sitemap and allows its pages (not its actions) in robots.txt', async () => {
    const t = await tenant('public');
    await t.write('Actors/Iran & Co', 'x\n');
    const anon = new WebClient(h);
    const map = await anon.get(`${t.base}/-/sitemap.xml`);
    assert.equal(map.status, 200);
    assert.match(map.headers.get('content-type') ?? '', /^application\/xml/);
    assert.match(map.text, /<urlset xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9">/);
    assert.match(map.text, new RegExp(`<loc>${h.url}${t.base}/Actors/Iran_%26_Co</loc><lastmod>\\d{4}-\\d\\d-\\d\\dT[^<]+</lastmod>`));
    const robots = await anon.get(`${t.base}/-/robots.txt`);
    assert.equal(robots.status, 200);
    assert.equal(robots.text, `User-agent: *\nAllow: ${t.base}/\nDisallow: ${t.base}/-/\nSitemap: ${h.url}${t.base}/-/sitemap.xml\n`);
    const site = await anon.get('/robots.txt');
    assert.equal(site.status, 200);
    assert.match(site.text, /^User-agent: \*\nDisallow: \/-\/\nDisallow: \/\*\/\*\/-\/\n/);
  });

  void it('a private wiki: robots disallow everything, no sitemap; strangers find neither', async () => {
    const t = await tenant('private');
    await t.write('Secret', 'x\n');
    const robots = await t.client.get(`${t.base}/-/robots.txt`);
    assert.equal(robots.text, `User-agent: *\nDisallow: ${t.base}/\n`);
    assert.equal((await t.client.get(`${t.base}/-/sitemap.xml`)).status, 404);
    const anon = new WebClient(h);
    assert.equal((await anon.get(`${t.base}/-/robots.txt`)).status, 404);
    assert.equal((await anon.get(`${t.base}/-/sitemap.xml`)).status, 404);
    assert.doesNotMatch((await anon.get('/robots.txt')).text, new RegExp(t.name));
  });
});

void describe('sign-in throttling', () => {
  void it('after 10 failures for one account from one address, even the right password waits (429, Retry-After); the OAuth pages count in the same throttle', async () => {
    const t = await tenant();
    const c = new WebClient(h);
    await c.get('/-/signin');
    for (let i = 0; i < 10; i++) assert.equal((await c.post('/-/signin', { login: t.name.toUpperCase(), password: `guess ${i}` })).status, 401);
    const throttled = await c.post('/-/signin', { login: t.name, password: PASSWORD });
    assert.equal(throttled.status, 429);
    assert.match(throttled.text, /Too many sign-in attempts\. Try again in 15 minute\(s\)\./);
    const retry = Number(throttled.headers.get('retry-after'));
    assert.ok(retry > 800 && retry <= 900, `retry-after ${retry}`);
    assert.equal(c.cookies.has('wb_session'), false, 'not signed in');
    const other = await signedIn(h, uniqueName('other'));
    assert.ok(other.cookies.has('wb_session'), 'other accounts from the same address still sign in');
    assert.equal(signInThrottleOf(h.services).wait('127.0.0.1', t.name) !== null, true, 'one throttle for every sign-in form');
  });
});
