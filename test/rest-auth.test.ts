// REST authorization over real HTTP: read tokens cannot write, tokens are bound to their wiki, private wikis are
// invisible (404, not 403) to everyone without a role, bad tokens are 401 — by every route.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateToken, hashToken } from '../src/auth/tokens.js';
import * as uc from '../src/usecases/index.js';
import { assertError, assertUnchanged, createPage, makeTenant, startServer, type Tenant, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

interface Route {
  method: string;
  path: string;
  body?: unknown;
  write: boolean;
}

/** Every REST route under a wiki, aimed at page `Page` (which has attachment `a.txt`) with a valid revision. */
function everyRoute(revision: string): Route[] {
  const r = (method: string, path: string, write: boolean, body?: unknown): Route => ({ method, path, write, ...(body !== undefined ? { body } : {}) });
  return [
    r('GET', '/pages', false),
    r('GET', '/pages/Page', false),
    r('GET', '/pages/Page?format=html', false),
    r('PUT', '/pages/Page', true, { content: 'hijacked\n', revision }),
    r('PUT', '/pages/New_Page', true, { content: 'hijacked\n' }),
    r('PATCH', '/pages/Page', true, { revision, old_string: 'original', new_string: 'hijacked' }),
    r('PATCH', '/pages/Page', true, { revision, section: 'Top', content: 'hijacked' }),
    r('DELETE', '/pages/Page', true),
    r('POST', '/pages/Page/rename', true, { new_path: 'Stolen' }),
    r('GET', '/pages/Page/history', false),
    r('GET', '/pages/Page/blame', false),
    r('GET', `/pages/Page/diff?from=${revision}`, false),
    r('GET', '/pages/Page/attachments', false),
    r('POST', '/pages/Page/attachments', true, { filename: 'x.txt', content_base64: 'eA==' }),
    r('GET', '/pages/Page/attachments/a.txt', false),
    r('DELETE', '/pages/Page/attachments/a.txt', true),
    r('POST', '/pages/Page/attachments/a.txt/rename', true, { new_filename: 'b.txt' }),
    r('GET', '/changes', false),
    r('GET', '/search?q=original', false),
    r('GET', '/links', false),
    r('GET', '/links/Page', false),
    r('GET', '/orphans', false),
    r('GET', '/broken-links', false),
    r('GET', '/stale', false),
    r('POST', '/revert', true, { commit: revision }),
  ];
}

async function victim(name: string, visibility: 'public' | 'private' = 'private'): Promise<{ t: Tenant; revision: string }> {
  const t = await makeTenant(h, name, { visibility });
  const revision = await createPage(t, 'Page', '# Top\n\noriginal text\n');
  const up = await t.api('POST', '/pages/Page/attachments', { body: { filename: 'a.txt', content_base64: 'YQ==' } });
  assert.equal(up.status, 201);
  return { t, revision: up.json.commit?.oid ?? revision };
}

void test('the owner\'s write token can use every route (the route list below is real)', async () => {
  // Each route on a fresh wiki, so that a destructive one cannot hide the next one's answer.
  for (const [i, route] of everyRoute('').entries()) {
    const { t, revision } = await victim(`owner-all-${i}`);
    const rev = route.path.includes('diff') || route.method === 'PUT' || route.method === 'PATCH' || route.path === '/revert' ? (await t.api('GET', '/pages/Page')).json.revision! : revision;
    const real = everyRoute(rev)[i]!;
    const res = await t.api(real.method, real.path, real.body !== undefined ? { body: real.body } : {});
    assert.ok(res.status >= 200 && res.status < 300, `${real.method} ${real.path}: ${res.status} ${res.text}`);
  }
});

void test('a read token can read but not write: 403 FORBIDDEN by every writing route, nothing changes', async () => {
  const { t, revision } = await victim('read-token');
  for (const route of everyRoute(revision)) {
    const res = await assertUnchanged(t, () => t.api(route.method, route.path, { token: t.readToken, ...(route.body !== undefined ? { body: route.body } : {}) }));
    if (route.write) assertError(res, 403, 'FORBIDDEN', /read-only/);
    else assert.equal(res.status, 200, `${route.method} ${route.path}: ${res.text}`);
  }
});

void test('another tenant\'s private wiki is 404 by every route, with their token, and nothing changes', async () => {
  const { t: b, revision } = await victim('cross-b');
  const a = await makeTenant(h, 'cross-a');
  // A token of A for all of A's wikis (not bound to one) still sees nothing of B.
  const unbound = (await uc.createToken(h.services, { username: 'cross-a', scope: 'write' })).token;
  for (const token of [a.writeToken, a.readToken, unbound]) {
    for (const route of everyRoute(revision)) {
      const res = await assertUnchanged(b, () => h.request(route.method, b.base + route.path, { token, ...(route.body !== undefined ? { body: route.body } : {}) }));
      assertError(res, 404, 'WIKI_NOT_FOUND', /cross-b\/notes/);
    }
  }
});

void test('a token bound to wiki A gets 404 on wiki B even when its user may write B', async () => {
  const { t: b, revision } = await victim('bound-b');
  // bound-b's own second token, limited to another wiki (of a premium user who shares B with them is not needed:
  // the token's wiki binding alone must hide B).
  const other = await makeTenant(h, 'bound-other');
  const user = await h.services.meta.getUserByUsername('bound-b');
  const wiki = await h.services.meta.getWiki('bound-other', 'notes');
  await h.services.meta.setRole(wiki!.id, user!.id, 'editor');
  const boundToOther = (await uc.createToken(h.services, { username: 'bound-b', wiki: 'bound-other/notes', scope: 'write' })).token;
  assert.equal((await other.api('GET', '/pages/Home', { token: boundToOther })).status, 200, 'the token works on its own wiki');
  for (const route of everyRoute(revision)) {
    const res = await assertUnchanged(b, () => h.request(route.method, b.base + route.path, { token: boundToOther, ...(route.body !== undefined ? { body: route.body } : {}) }));
    assertError(res, 404, 'WIKI_NOT_FOUND');
  }
});

void test('no token on a private wiki is 404 by every route; nothing changes', async () => {
  const { t, revision } = await victim('anon-private');
  for (const route of everyRoute(revision)) {
    const res = await assertUnchanged(t, () => h.request(route.method, t.base + route.path, route.body !== undefined ? { body: route.body } : {}));
    assertError(res, 404, 'WIKI_NOT_FOUND');
  }
});

void test('no token on a public wiki can read but not write', async () => {
  const { t, revision } = await victim('anon-public', 'public');
  for (const route of everyRoute(revision)) {
    const res = await assertUnchanged(t, () => h.request(route.method, t.base + route.path, route.body !== undefined ? { body: route.body } : {}));
    if (route.write) assertError(res, 401, 'UNAUTHORIZED');
    else assert.equal(res.status, 200, `${route.method} ${route.path}: ${res.text}`);
  }
});

void test('a bad, malformed, expired or revoked token is 401 UNAUTHORIZED; nothing changes', async () => {
  const { t, revision } = await victim('bad-token');
  const user = (await h.services.meta.getUserByUsername('bad-token'))!;
  const expired = generateToken();
  await h.services.meta.createToken({ userId: user.id, name: 'expired', hash: hashToken(expired), wikiId: null, scope: 'write', expiresAt: '2000-01-01T00:00:00.000Z' });
  const revoked = await uc.createToken(h.services, { username: 'bad-token', wiki: 'bad-token/notes' });
  assert.equal(await h.services.meta.revokeToken(user.id, revoked.record.id), true);
  const cases: Array<Record<string, string>> = [
    { authorization: 'Bearer wbt_thisisnotarealtokenatallxxxxxxxxxxxxxxxxxxxx' },
    { authorization: 'Bearer not-even-shaped-like-one' },
    { authorization: 'Basic dXNlcjpwYXNz' },
    { authorization: `Bearer ${expired}` },
    { authorization: `Bearer ${revoked.token}` },
  ];
  for (const headers of cases) {
    for (const route of everyRoute(revision)) {
      const res = await assertUnchanged(t, () => h.request(route.method, t.base + route.path, { headers, ...(route.body !== undefined ? { body: route.body } : {}) }));
      assertError(res, 401, 'UNAUTHORIZED');
    }
  }
});
