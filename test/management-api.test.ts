// The management REST API over real HTTP: a role × action matrix, cross-tenant 404s, token scopes, wiki creation,
// settings and deletion, collaborators and invitations, personal access tokens, and every tier limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { registerManagementRoutes } from '../src/adapters/rest/management-routes.js';
import { openApiDocument } from '../src/adapters/rest/openapi.js';
import * as uc from '../src/usecases/index.js';
import type { Services } from '../src/usecases/index.js';
import { assertError, assertUnchanged, createPage, makeTenant, startServer, uniqueName, type TestServer } from './harness.js';
import { body, makeMember, onDisk, wikiFiles, type Member } from './management-support.js';

async function withServer(fn: (h: TestServer) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const h = await startServer({ env });
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

/** An owner with wiki `<owner>/notes`, an editor, a viewer, a stranger and the site admin, each with a manager token. */
async function cast(h: TestServer) {
  const owner = await makeMember(h, uniqueName('owner'));
  await uc.createWiki(h.services, { user: null, token: null, door: 'cli' }, { owner: owner.username, slug: 'notes', name: 'Notes' });
  const editor = await makeMember(h, uniqueName('editor'));
  const viewer = await makeMember(h, uniqueName('viewer'));
  const stranger = await makeMember(h, uniqueName('stranger'));
  const admin: Member = {
    username: 'site-admin',
    email: 'admin@example.test',
    token: (await uc.createToken(h.services, { username: 'site-admin', scope: 'write' })).token,
    call: (method, path, options = {}) => h.request(method, path, { token: admin.token, ...options }),
  };
  const anonymous: Member = { username: '', email: '', token: '', call: (method, path, options = {}) => h.request(method, path, options) };
  const wiki = (await h.services.meta.getWiki(owner.username, 'notes'))!;
  await h.services.meta.setRole(wiki.id, (await h.services.meta.getUserByUsername(editor.username))!.id, 'editor');
  await h.services.meta.setRole(wiki.id, (await h.services.meta.getUserByUsername(viewer.username))!.id, 'viewer');
  return { owner, editor, viewer, stranger, admin, anonymous, base: `/api/v1/wikis/${owner.username}/notes` };
}

void describe('management API: who may do what', () => {
  void it('role × action matrix over the wiki management routes (owner, editor, viewer, stranger, admin, anonymous)', () =>
    withServer(async (h) => {
      const c = await cast(h);
      const extra = await makeMember(h, uniqueName('extra'));
      type Row = [string, string, (m: Member) => Record<string, unknown> | undefined, Record<string, number>];
      const matrix: Row[] = [
        ['GET', '', () => undefined, { owner: 200, editor: 200, viewer: 200, stranger: 404, admin: 200, anonymous: 404 }],
        ['PATCH', '', () => ({ purpose: 'Changed purpose' }), { owner: 200, editor: 403, viewer: 403, stranger: 404, admin: 200, anonymous: 404 }],
        ['GET', '/collaborators', () => undefined, { owner: 200, editor: 403, viewer: 403, stranger: 404, admin: 200, anonymous: 404 }],
        ['POST', '/collaborators', () => ({ user: extra.username, role: 'viewer' }), { owner: 201, editor: 403, viewer: 403, stranger: 404, admin: 201, anonymous: 404 }],
        ['PATCH', `/collaborators/${extra.username}`, () => ({ role: 'editor' }), { owner: 200, editor: 403, viewer: 403, stranger: 404, admin: 200, anonymous: 404 }],
        ['DELETE', `/collaborators/${extra.username}`, () => undefined, { owner: 200, editor: 403, viewer: 403, stranger: 404, admin: 200, anonymous: 404 }],
        // A wrong confirmation: the owner and admin pass the policy and are stopped by the check; nothing is deleted.
        ['DELETE', '', () => ({ confirm: 'nope' }), { owner: 400, editor: 403, viewer: 403, stranger: 404, admin: 400, anonymous: 404 }],
      ];
      for (const [method, path, makeBody, expected] of matrix) {
        for (const role of ['owner', 'editor', 'viewer', 'stranger', 'admin', 'anonymous'] as const) {
          // Each allowed POST/DELETE of the collaborator needs the state it expects: add before PATCH/DELETE.
          if ((method === 'PATCH' || method === 'DELETE') && path.startsWith('/collaborators/')) {
            await uc.addCollaborator(h.services, { user: null, token: null, door: 'cli' }, { owner: c.owner.username, slug: 'notes' }, { user: extra.username, role: 'viewer' });
          }
          const b = makeBody(c[role]);
          const res = await c[role].call(method, c.base + path, b === undefined ? {} : { body: b });
          assert.equal(res.status, expected[role], `${role} ${method} ${path}: ${res.status} ${res.text}`);
          if (expected[role] === 404) assert.equal(body(res).error, 'WIKI_NOT_FOUND', `${role} ${method} ${path}`);
          if (expected[role] === 403) assert.match(String(body(res).message), /Only the owner/);
          if (expected[role] === 400) assert.match(String(body(res).message), /confirm/);
          if (method === 'POST' && expected[role] === 201) {
            await uc.removeCollaborator(h.services, { user: null, token: null, door: 'cli' }, { owner: c.owner.username, slug: 'notes' }, extra.username);
          }
        }
      }
      assert.ok(onDisk(wikiFiles(h, c.owner.username, 'notes').repo), 'the wiki survived the refused deletions');
      // Usage is shown to the wiki's managers only.
      assert.ok('usage' in body(await c.owner.call('GET', c.base)));
      assert.ok(!('usage' in body(await c.editor.call('GET', c.base))));
    }));

  void it('account routes need a credential; a token for one wiki or a read token cannot manage', () =>
    withServer(async (h) => {
      const t = await makeTenant(h, uniqueName('scoped'));
      const anonymous = [
        ['GET', '/api/v1/me'],
        ['DELETE', '/api/v1/me'],
        ['GET', '/api/v1/me/export'],
        ['POST', '/api/v1/wikis'],
        ['GET', '/api/v1/tokens'],
        ['POST', '/api/v1/tokens'],
        ['DELETE', '/api/v1/tokens/1'],
      ];
      for (const [method, path] of anonymous) assertError(await h.request(method!, path!, method === 'GET' ? {} : { body: {} }), 401, 'UNAUTHORIZED');
      const readAll = (await uc.createToken(h.services, { username: t.owner, scope: 'read' })).token;
      for (const token of [t.writeToken, readAll]) {
        for (const [method, path, b] of [
          ['PATCH', t.base, { name: 'x' }],
          ['POST', '/api/v1/tokens', { scope: 'write' }],
          ['GET', '/api/v1/tokens', undefined],
          ['POST', '/api/v1/wikis', { slug: 'second' }],
          ['DELETE', '/api/v1/me', { confirm: t.owner }],
        ] as const) {
          const res = await h.request(method, path, { token, ...(b ? { body: b } : {}) });
          assertError(res, 403, 'FORBIDDEN', /token for all wikis with write scope/);
        }
      }
      // Reading one's own account works with any token; nothing above changed anything.
      assert.equal((await h.request('GET', '/api/v1/me', { token: t.readToken })).status, 200);
      assert.equal((await h.services.meta.listTokens((await h.services.meta.getUserByUsername(t.owner))!.id)).length, 3);
      assert.equal((await h.services.meta.getWiki(t.owner, t.slug))?.name, `${t.owner} research`);
    }));

  void it('cross-tenant: nobody sees or manages a private wiki they have no role on (404, never 403), and nothing changes', () =>
    withServer(async (h) => {
      const a = await makeMember(h, uniqueName('alice'));
      const b = await makeTenant(h, uniqueName('bob'));
      const before = await h.services.meta.getWiki(b.owner, b.slug);
      for (const [method, path, payload] of [
        ['GET', b.base, undefined],
        ['PATCH', b.base, { name: 'pwned' }],
        ['DELETE', b.base, { confirm: `${b.owner}/${b.slug}` }],
        ['GET', `${b.base}/collaborators`, undefined],
        ['POST', `${b.base}/collaborators`, { user: a.username, role: 'editor' }],
        ['PATCH', `${b.base}/collaborators/${a.username}`, { role: 'editor' }],
        ['DELETE', `${b.base}/collaborators/${a.username}`, undefined],
        ['POST', '/api/v1/tokens', { wiki: `${b.owner}/${b.slug}` }],
      ] as const) {
        const res = await a.call(method, path, payload ? { body: payload } : {});
        assertError(res, 404, 'WIKI_NOT_FOUND');
      }
      assert.deepEqual(await h.services.meta.getWiki(b.owner, b.slug), before);
      assert.deepEqual(await h.services.meta.listGrants(before!.id), []);
      assert.equal((await h.services.meta.listTokens((await h.services.meta.getUserByUsername(a.username))!.id)).length, 1);
      const listed = body(await a.call('GET', '/api/v1/wikis')).wikis as unknown[];
      assert.deepEqual(listed, []);
    }));
});

void describe('management API: wikis', () => {
  void it('creates a wiki from the template with name, purpose, categories and visibility; lists it; bad input changes nothing', () =>
    withServer(async (h) => {
      const p = await makeMember(h, uniqueName('prem'), 'premium');
      const created = await p.call('POST', '/api/v1/wikis', {
        body: { slug: 'iran-watch', name: 'Iran Watch', purpose: 'Tracking the regime and its neighbours.', categories: ['actor', 'event', 'signal'], visibility: 'public' },
      });
      assert.equal(created.status, 201, created.text);
      const w = body(created);
      assert.deepEqual([w.id, w.name, w.visibility, w.categories, w.role], [`${p.username}/iran-watch`, 'Iran Watch', 'public', ['actor', 'event', 'signal'], 'owner']);
      const home = await h.request('GET', `/api/v1/wikis/${p.username}/iran-watch/pages/Home`);
      assert.equal(home.status, 200, 'public: readable without a token');
      assert.match(home.json.content ?? '', /Iran Watch/);
      const guide = await p.call('GET', `/api/v1/wikis/${p.username}/iran-watch/pages/Meta/Wiki_Usage_Guide`);
      assert.match(guide.json.content ?? '', /signal/);
      const list = body(await p.call('GET', '/api/v1/wikis')).wikis as Array<{ id: string; can_write: boolean }>;
      assert.deepEqual(list.map((x) => [x.id, x.can_write]), [[`${p.username}/iran-watch`, true]]);

      const bad: Array<[Record<string, unknown>, number, string, RegExp]> = [
        [{ slug: 'Bad Slug!' }, 400, 'INVALID_INPUT', /./],
        [{ slug: 'api' }, 400, 'INVALID_INPUT', /reserved/],
        [{ slug: 'ok-slug', categories: [] }, 400, 'INVALID_INPUT', /between 1 and 50 categories/],
        [{ slug: 'ok-slug', categories: ['a', 'A'] }, 400, 'INVALID_INPUT', /listed twice/],
        [{ slug: 'ok-slug', visibility: 'secret' }, 400, 'INVALID_INPUT', /visibility/],
        [{ slug: 'ok-slug', name: '   ' }, 400, 'INVALID_INPUT', /1 to 100 characters/],
        [{ slug: 'iran-watch' }, 409, 'WIKI_EXISTS', /already exists/],
      ];
      for (const [payload, status, code, message] of bad) {
        const res = await p.call('POST', '/api/v1/wikis', { body: payload });
        assert.equal(res.status, status, `${JSON.stringify(payload)}: ${res.text}`);
        assert.equal(body(res).error, code);
        assert.match(String(body(res).message), message);
      }
      assert.deepEqual((await h.services.meta.listWikisOwnedBy((await h.services.meta.getUserByUsername(p.username))!.id)).map((x) => x.slug), ['iran-watch']);
      assert.ok(!onDisk(wikiFiles(h, p.username, 'ok-slug').repo));
    }));

  void it('changes settings; refuses bad ones without changing anything', () =>
    withServer(async (h) => {
      const c = await cast(h);
      const res = await c.owner.call('PATCH', c.base, { body: { name: 'Renamed', visibility: 'public', categories: ['actor', 'place'] } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual([body(res).name, body(res).visibility, body(res).categories], ['Renamed', 'public', ['actor', 'place']]);
      assert.equal((await h.request('GET', `${c.base}/pages/Home`)).status, 200, 'public now');
      const before = await h.services.meta.getWiki(c.owner.username, 'notes');
      for (const [payload, message] of [
        [{ visibility: 'hidden' }, /visibility/],
        [{ colour: 'red' }, /unknown field/],
        [{ categories: ['ok', '!!'] }, /Invalid category/],
        [{ purpose: 'x'.repeat(2001) }, /2,000/],
      ] as const) {
        assertError(await c.owner.call('PATCH', c.base, { body: payload }), 400, 'INVALID_INPUT', message);
      }
      assert.deepEqual(await h.services.meta.getWiki(c.owner.username, 'notes'), before);
    }));

  void it('deletes a wiki only with its address as confirmation: repository, index, grants and scoped tokens go', () =>
    withServer(async (h) => {
      const t = await makeTenant(h, uniqueName('del'));
      const owner = await makeMember(h, uniqueName('other'));
      const manager = (await uc.createToken(h.services, { username: t.owner, scope: 'write' })).token;
      const wiki = (await h.services.meta.getWiki(t.owner, t.slug))!;
      await h.services.meta.setRole(wiki.id, (await h.services.meta.getUserByUsername(owner.username))!.id, 'viewer');
      const files = wikiFiles(h, t.owner, t.slug);
      assert.ok(onDisk(files.repo) && onDisk(files.index));
      for (const confirm of [undefined, 'notes', `${t.owner}/other`]) {
        const res = await assertUnchanged(t, () => h.request('DELETE', t.base, { token: manager, body: confirm === undefined ? {} : { confirm } }));
        assertError(res, 400, 'INVALID_INPUT', new RegExp(`confirm: "${t.owner}/${t.slug}"`));
      }
      assert.ok(onDisk(files.repo));
      const res = await h.request('DELETE', t.base, { token: manager, body: { confirm: `${t.owner}/${t.slug}` } });
      assert.equal(res.status, 200, res.text);
      assert.ok(!onDisk(files.repo), 'repository removed');
      assert.ok(!onDisk(files.index), 'index removed');
      assert.equal(await h.services.meta.getWiki(t.owner, t.slug), null);
      assert.deepEqual(await h.services.meta.listGrants(wiki.id), []);
      assertError(await t.api('GET', '/pages/Home'), 401, 'UNAUTHORIZED');
      assertError(await h.request('GET', `${t.base}/pages/Home`, { token: manager }), 404, 'WIKI_NOT_FOUND');
      // The slug is free again.
      assert.equal((await h.request('POST', '/api/v1/wikis', { token: manager, body: { slug: t.slug } })).status, 201);
    }));
});

void describe('management API: collaborators and invitations', () => {
  void it('adds by username or email, changes roles, removes; the collaborator gains and loses access', () =>
    withServer(async (h) => {
      const c = await cast(h);
      const dan = await makeMember(h, uniqueName('dan'));
      const page = `${c.base}/pages/Dan_Notes`;
      assertError(await dan.call('GET', page), 404, 'WIKI_NOT_FOUND');
      const added = await c.owner.call('POST', `${c.base}/collaborators`, { body: { user: dan.email.toUpperCase(), role: 'viewer' } });
      assert.equal(added.status, 201, added.text);
      assert.deepEqual(body(added), { username: dan.username, email: null, role: 'viewer', status: 'active' });
      assertError(await dan.call('PUT', page, { body: { content: '# x\n' } }), 403, 'FORBIDDEN');
      assert.equal((await c.owner.call('PATCH', `${c.base}/collaborators/${dan.username}`, { body: { role: 'editor' } })).status, 200);
      assert.equal((await dan.call('PUT', page, { body: { content: '# Dan\n' } })).status, 201);
      const list = body(await c.owner.call('GET', `${c.base}/collaborators`));
      assert.deepEqual(
        (list.collaborators as Array<{ username: string; role: string }>).map((x) => [x.username, x.role]).sort(),
        [[c.editor.username, 'editor'], [c.viewer.username, 'viewer'], [dan.username, 'editor']].sort(),
      );
      assert.deepEqual(list.usage, { used: 3, max: 3 });
      assert.equal((await c.owner.call('DELETE', `${c.base}/collaborators/${dan.username}`)).status, 200);
      assertError(await dan.call('GET', page), 404, 'WIKI_NOT_FOUND');
    }));

  void it('refuses bad collaborator input with a clear error and changes nothing', () =>
    withServer(async (h) => {
      const c = await cast(h);
      const wiki = (await h.services.meta.getWiki(c.owner.username, 'notes'))!;
      const before = await h.services.meta.listGrants(wiki.id);
      const cases: Array<[string, string, Record<string, unknown> | undefined, number, string, RegExp]> = [
        ['POST', '/collaborators', { user: c.stranger.username, role: 'owner' }, 400, 'INVALID_INPUT', /role/],
        ['POST', '/collaborators', { user: 'no-such-user', role: 'viewer' }, 404, 'USER_NOT_FOUND', /invite them by email/],
        ['POST', '/collaborators', { user: c.owner.username, role: 'viewer' }, 400, 'INVALID_INPUT', /owns/],
        ['POST', '/collaborators', { user: 'not an@email', role: 'viewer' }, 400, 'INVALID_INPUT', /./],
        ['POST', '/collaborators', { role: 'viewer' }, 400, 'INVALID_INPUT', /user/],
        ['PATCH', `/collaborators/${c.stranger.username}`, { role: 'editor' }, 404, 'USER_NOT_FOUND', /not a collaborator/],
        ['PATCH', `/collaborators/${c.viewer.username}`, { role: 'admin' }, 400, 'INVALID_INPUT', /role/],
        ['DELETE', '/collaborators/nobody@example.test', undefined, 404, 'USER_NOT_FOUND', /not a collaborator/],
      ];
      for (const [method, path, payload, status, code, message] of cases) {
        assertError(await c.owner.call(method, c.base + path, payload ? { body: payload } : {}), status, code, message);
      }
      assert.deepEqual(await h.services.meta.listGrants(wiki.id), before);
      assert.deepEqual(await h.services.meta.listInvitations(wiki.id), []);
    }));

  void it('an email without an account becomes an invitation, accepted when that person creates an account', () =>
    withServer(async (h) => {
      const c = await cast(h);
      const email = `${uniqueName('carol')}@example.test`;
      const invited = await c.owner.call('POST', `${c.base}/collaborators`, { body: { user: email, role: 'editor' } });
      assert.equal(invited.status, 201, invited.text);
      assert.deepEqual(body(invited), { username: null, email, role: 'editor', status: 'invited' });
      const listed = body(await c.owner.call('GET', `${c.base}/collaborators`)).collaborators as Array<{ email: string | null; status: string }>;
      assert.ok(listed.some((x) => x.email === email && x.status === 'invited'));
      // The invitation is withdrawn and re-sent, then accepted on sign-up (email matched case-insensitively).
      assert.equal((await c.owner.call('PATCH', `${c.base}/collaborators/${email}`, { body: { role: 'viewer' } })).status, 200);
      assert.equal((await c.owner.call('PATCH', `${c.base}/collaborators/${email}`, { body: { role: 'editor' } })).status, 200);
      const carol = await uc.createUser(h.services, { username: uniqueName('carol'), email: email.toUpperCase(), password: null });
      const token = (await uc.createToken(h.services, { username: carol.username, scope: 'write' })).token;
      const write = await h.request('PUT', `${c.base}/pages/From_Carol`, { token, body: { content: '# Carol\n' } });
      assert.equal(write.status, 201, write.text);
      const wiki = (await h.services.meta.getWiki(c.owner.username, 'notes'))!;
      assert.deepEqual(await h.services.meta.listInvitations(wiki.id), []);
      assert.equal(await h.services.meta.getRole(wiki.id, carol.id), 'editor');
      const me = body(await h.request('GET', '/api/v1/me', { token }));
      assert.deepEqual(me.shared, [{ id: `${c.owner.username}/notes`, name: 'Notes', role: 'editor' }]);
    }));
});

void describe('management API: personal access tokens', () => {
  void it('creates (shown once), lists without secrets, uses and revokes tokens; refuses bad input', () =>
    withServer(async (h) => {
      const t = await makeTenant(h, uniqueName('tok'));
      const manager = (await uc.createToken(h.services, { username: t.owner, scope: 'write' })).token;
      const res = await h.request('POST', '/api/v1/tokens', { token: manager, body: { name: 'reader', wiki: `${t.owner}/${t.slug}`, scope: 'read', expires: '7d' } });
      assert.equal(res.status, 201, res.text);
      const created = body(res) as { token: string; id: number; name: string; wiki: string; scope: string; expires_at: string };
      assert.match(created.token, /^wbt_/);
      assert.deepEqual([created.name, created.wiki, created.scope], ['reader', `${t.owner}/${t.slug}`, 'read']);
      assert.ok(Date.parse(created.expires_at) > Date.now() + 6 * 86_400_000);
      assert.equal((await h.request('GET', `${t.base}/pages/Home`, { token: created.token })).status, 200);
      assertError(await h.request('PUT', `${t.base}/pages/X`, { token: created.token, body: { content: 'x' } }), 403, 'FORBIDDEN');
      const listed = await h.request('GET', '/api/v1/tokens', { token: manager });
      assert.ok(!listed.text.includes(created.token), 'the secret is never listed');
      const tokens = body(listed).tokens as Array<{ id: number; name: string; last_used_at: string | null }>;
      assert.equal(tokens.length, 4);
      assert.ok(tokens.find((x) => x.id === created.id)?.last_used_at, 'last use recorded');

      const bad: Array<[Record<string, unknown>, number, string, RegExp]> = [
        [{ scope: 'admin' }, 400, 'INVALID_INPUT', /scope/],
        [{ expires: 'yesterday' }, 400, 'INVALID_INPUT', /expiry/],
        [{ expires: '2001-01-01' }, 400, 'INVALID_INPUT', /not in the future/],
        [{ wiki: 'just-a-name' }, 400, 'INVALID_INPUT', /owner\/slug/],
        [{ wiki: 'nobody/nothing' }, 404, 'WIKI_NOT_FOUND', /nobody\/nothing/],
      ];
      for (const [payload, status, code, message] of bad) assertError(await h.request('POST', '/api/v1/tokens', { token: manager, body: payload }), status, code, message);
      assert.equal((body(await h.request('GET', '/api/v1/tokens', { token: manager })).tokens as unknown[]).length, 4);

      const other = await makeMember(h, uniqueName('other'));
      assertError(await other.call('DELETE', `/api/v1/tokens/${created.id}`), 404, 'TOKEN_NOT_FOUND');
      assert.equal((await h.request('GET', `${t.base}/pages/Home`, { token: created.token })).status, 200, 'another user cannot revoke it');
      assertError(await h.request('DELETE', '/api/v1/tokens/abc', { token: manager }), 400, 'INVALID_INPUT');
      assert.equal((await h.request('DELETE', `/api/v1/tokens/${created.id}`, { token: manager })).status, 200);
      assertError(await h.request('GET', `${t.base}/pages/Home`, { token: created.token }), 401, 'UNAUTHORIZED');
      assertError(await h.request('DELETE', `/api/v1/tokens/${created.id}`, { token: manager }), 404, 'TOKEN_NOT_FOUND');
    }));
});

void describe('management API: tier limits', () => {
  void it('wikis: the free tier owns one; the refusal names the limit, usage and max, and creates nothing', () =>
    withServer(async (h) => {
      const t = await makeTenant(h, uniqueName('quota'));
      const manager = (await uc.createToken(h.services, { username: t.owner, scope: 'write' })).token;
      const res = await h.request('POST', '/api/v1/wikis', { token: manager, body: { slug: 'second' } });
      assertError(res, 403, 'QUOTA_EXCEEDED', /limit of the free tier \(1\)/);
      assert.deepEqual(body(res).data, { limit: 'wikis', usage: 1, max: 1 });
      assert.ok(!onDisk(wikiFiles(h, t.owner, 'second').repo));
      const me = body(await h.request('GET', '/api/v1/me', { token: manager }));
      assert.deepEqual(me.usage, { wikis: { used: 1, max: 1 } });
      await uc.setUserTier(h.services, t.owner, 'premium');
      assert.equal((await h.request('POST', '/api/v1/wikis', { token: manager, body: { slug: 'second' } })).status, 201);
    }));

  void it('pages per wiki: the page over the limit is refused and the repository is unchanged', () =>
    withServer(
      async (h) => {
        const t = await makeTenant(h, uniqueName('pages'));
        const manager = (await uc.createToken(h.services, { username: t.owner, scope: 'write' })).token;
        await createPage(t, 'Fourth', '# Fourth\n');
        const res = await assertUnchanged(t, () => t.api('PUT', '/pages/Fifth', { body: { content: '# Fifth\n' } }));
        assertError(res, 403, 'QUOTA_EXCEEDED');
        assert.deepEqual(body(res).data, { limit: 'pages_per_wiki', usage: 4, max: 4 });
        const usage = (body(await h.request('GET', t.base, { token: manager })).usage as Record<string, unknown>).pages;
        assert.deepEqual(usage, { used: 4, max: 4 });
      },
      { WIKIBOT_TIERS: '{"free": {"pagesPerWiki": 4}}' },
    ));

  void it('collaborators per wiki: grants and invitations count; the one over the limit is refused, role changes still work', () =>
    withServer(async (h) => {
      const c = await cast(h);
      assert.equal((await c.owner.call('POST', `${c.base}/collaborators`, { body: { user: 'pending@example.test', role: 'viewer' } })).status, 201);
      const wiki = (await h.services.meta.getWiki(c.owner.username, 'notes'))!;
      const grants = await h.services.meta.listGrants(wiki.id);
      const res = await c.owner.call('POST', `${c.base}/collaborators`, { body: { user: c.stranger.username, role: 'viewer' } });
      assertError(res, 403, 'QUOTA_EXCEEDED', /3 collaborator/);
      assert.deepEqual(body(res).data, { limit: 'collaborators_per_wiki', usage: 3, max: 3 });
      assertError(await c.owner.call('POST', `${c.base}/collaborators`, { body: { user: 'another@example.test', role: 'viewer' } }), 403, 'QUOTA_EXCEEDED');
      assert.deepEqual(await h.services.meta.listGrants(wiki.id), grants);
      assert.equal((await h.services.meta.listInvitations(wiki.id)).length, 1);
      assert.equal((await c.owner.call('POST', `${c.base}/collaborators`, { body: { user: c.viewer.username, role: 'editor' } })).status, 201, 'changing an existing role is not a new collaborator');
      const usage = (body(await c.owner.call('GET', c.base)).usage as Record<string, unknown>).collaborators;
      assert.deepEqual(usage, { used: 3, max: 3 });
    }));

  void it('attachment bytes per wiki: the upload over the limit is refused; usage shows the bytes used', () =>
    withServer(
      async (h) => {
        const t = await makeTenant(h, uniqueName('bytes'));
        const manager = (await uc.createToken(h.services, { username: t.owner, scope: 'write' })).token;
        const up = (name: string, size: number) => t.api('POST', `/pages/Home/attachments`, { body: { filename: name, content_base64: Buffer.alloc(size, 1).toString('base64') } });
        assert.equal((await up('a.bin', 600)).status, 201);
        const res = await assertUnchanged(t, () => up('b.bin', 500));
        assertError(res, 403, 'QUOTA_EXCEEDED');
        assert.deepEqual(body(res).data, { limit: 'attachment_bytes_per_wiki', usage: 600, max: 1000 });
        const usage = (body(await h.request('GET', t.base, { token: manager })).usage as Record<string, unknown>).attachment_bytes;
        assert.deepEqual(usage, { used: 600, max: 1000 });
        assert.equal((await up('c.bin', 400)).status, 201, 'exactly at the limit is allowed');
      },
      { WIKIBOT_TIERS: '{"free": {"attachmentBytesPerWiki": 1000}}' },
    ));
});

void describe('management API: OpenAPI', () => {
  void it('describes every management route', async () => {
    const app = Fastify();
    const routes: Array<[string, string]> = [];
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push([method, route.url]);
    });
    registerManagementRoutes(app, {} as Services);
    await app.ready();
    await app.close();
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    assert.equal(routes.length, 15);
    for (const [method, url] of routes) {
      assert.ok(doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()], `${method} ${url} is not in the OpenAPI document`);
    }
  });
});
