/**
 * The authorization server's doors one by one: dynamic registration (which redirect URIs, which clients), the
 * authorization request (PKCE S256 required, resource indicators checked), the sign-in and consent pages (CSRF,
 * wrong passwords, bad choices, cancel — each leaves nothing behind), and connected apps (list, revoke).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { oauthServerOf } from '../src/auth/oauth/server.js';
import * as uc from '../src/usecases/index.js';
import { startServer, type TestServer } from './harness.js';
import { authorizationUrl, FakeBrowser, makeUser, obtainTokens, pkce, rawMcp, REDIRECT_URL, registerClient, tokenRequest } from './oauth-helpers.js';

void describe('OAuth registration, authorization requests, pages and connected apps', () => {
  let h: TestServer;
  before(async () => {
    h = await startServer();
    await makeUser(h, 'alice', ['notes', 'other']);
    await makeUser(h, 'bob', ['notes']);
  });
  after(() => h.close());

  void it('registers public clients with the redirect URIs MCP clients use', async () => {
    for (const uri of [
      'https://claude.ai/api/mcp/auth_callback',
      'https://chatgpt.com/connector_platform_oauth_redirect',
      'cursor://anysphere.cursor-retrieval/oauth/user-wikibot/callback',
      'http://127.0.0.1:33418/callback',
      'http://localhost:6274/oauth/callback',
    ]) {
      const res = await registerClient(h, { redirect_uris: [uri], client_name: `client for ${uri}` });
      assert.equal(res.status, 201, `${uri}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.token_endpoint_auth_method, 'none');
      assert.deepEqual(res.body.redirect_uris, [uri]);
      assert.equal(typeof res.body.client_id, 'string');
      assert.equal(res.body.client_secret, undefined, 'public clients get no secret');
    }
  });

  void it('refuses registrations without redirect URIs or with dangerous ones', async () => {
    for (const [metadata, error] of [
      [{ redirect_uris: [] }, /invalid_redirect_uri|invalid_client_metadata/],
      [{ redirect_uris: ['javascript:alert(1)'] }, /invalid_redirect_uri|invalid_client_metadata/],
      [{ redirect_uris: ['https://claude.ai/cb#fragment'] }, /invalid_redirect_uri|invalid_client_metadata/],
      [{ redirect_uris: ['http://evil.example/cb'] }, /invalid_redirect_uri/],
      [{ response_types: ['token'] }, /invalid_client_metadata/],
    ] as const) {
      const res = await registerClient(h, metadata);
      assert.equal(res.status, 400, JSON.stringify(metadata));
      assert.match(String(res.body.error), error);
    }
  });

  void it('requires PKCE with S256 and a resource that is one of our MCP endpoints', async () => {
    const clientId = String((await registerClient(h)).body.client_id);
    const { challenge } = pkce();
    const base = new URL(authorizationUrl(h, clientId, challenge, `${h.url}/mcp`));
    const variants: Array<[string, (u: URL) => void, RegExp]> = [
      ['no code_challenge', (u) => u.searchParams.delete('code_challenge'), /invalid_request/],
      ['plain method', (u) => u.searchParams.set('code_challenge_method', 'plain'), /invalid_request/],
      ['foreign resource', (u) => u.searchParams.set('resource', 'https://evil.example/mcp'), /invalid_target/],
      ['missing wiki', (u) => u.searchParams.set('resource', `${h.url}/alice/nowiki/mcp`), /invalid_target/],
      ['not an MCP path', (u) => u.searchParams.set('resource', `${h.url}/api/v1`), /invalid_target/],
    ];
    for (const [what, change, error] of variants) {
      const url = new URL(base);
      change(url);
      const res = await fetch(url, { redirect: 'manual' });
      const location = res.headers.get('location') ?? '';
      assert.ok(res.status === 303 || res.status === 302 || res.status === 400, `${what}: ${res.status}`);
      const where = location ? new URL(location, h.url) : null;
      const text = where ? where.searchParams.get('error') ?? '' : await res.text();
      assert.match(text, error, what);
      assert.ok(!where || !where.pathname.startsWith('/oauth/interaction'), `${what}: no sign-in page is shown`);
    }
  });

  void it('sign-in: a wrong password shows the form again, a missing CSRF token or a foreign Origin is refused', async () => {
    const clientId = String((await registerClient(h, { client_name: 'Claude' })).body.client_id);
    const browser = new FakeBrowser();
    const start = await browser.fetch(authorizationUrl(h, clientId, pkce().challenge, `${h.url}/mcp`));
    assert.equal(start.status, 303);
    const pageUrl = new URL(start.headers.get('location')!, h.url).toString();
    const page = await browser.fetch(pageUrl);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /Claude/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const action = `${pageUrl}/login`;

    const wrong = await browser.fetch(action, { method: 'POST', form: new URLSearchParams({ csrf, login: 'alice', password: 'wrong password!' }) });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /The username or password is wrong/);

    const csrf2 = /name="csrf" value="([^"]+)"/.exec(await (await browser.fetch(pageUrl)).text())![1]!;
    const noCsrf = await browser.fetch(action, { method: 'POST', form: new URLSearchParams({ login: 'alice', password: 'correct horse battery staple' }) });
    assert.equal(noCsrf.status, 403);
    const foreign = await browser.fetch(action, { method: 'POST', form: new URLSearchParams({ csrf: csrf2, login: 'alice', password: 'correct horse battery staple' }), headers: { origin: 'https://evil.example' } });
    assert.equal(foreign.status, 403);
    // Another browser (no interaction cookie) cannot use the page either.
    const stranger = await new FakeBrowser().fetch(action, { method: 'POST', form: new URLSearchParams({ csrf: csrf2, login: 'alice', password: 'x' }) });
    assert.equal(stranger.status, 400);
    // None of it signed anyone in: the page still asks for a password.
    assert.match(await (await browser.fetch(pageUrl)).text(), /name="password"/);
  });

  void it('consent: no wiki, another tenant\'s wiki or no access level is refused; cancel returns access_denied', async () => {
    const alice = (await h.services.meta.getUserByUsername('alice'))!;
    const grantsBefore = (await h.services.meta.listOAuthRecords('Grant', String(alice.id))).length;
    const clientId = String((await registerClient(h)).body.client_id);
    const browser = new FakeBrowser();
    const start = await browser.fetch(authorizationUrl(h, clientId, pkce().challenge, `${h.url}/mcp`));
    const loginUrl = new URL(start.headers.get('location')!, h.url).toString();
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await browser.fetch(loginUrl)).text())![1]!;
    let res = await browser.fetch(`${loginUrl}/login`, { method: 'POST', form: new URLSearchParams({ csrf, login: 'alice', password: 'correct horse battery staple' }) });
    // Follow to the consent page.
    while (res.status === 303) res = await browser.fetch(new URL(res.headers.get('location')!, h.url).toString());
    const consentUrl = res.url || browser.visited.at(-1)!.url;
    const html = await res.text();
    assert.match(html, /alice\/notes/);
    assert.match(html, /alice\/other/);
    assert.doesNotMatch(html, /bob\/notes/);
    const token = () => /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const post = (form: Record<string, string | string[]>) => {
      const f = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) f.append(k, one);
      return browser.fetch(`${consentUrl}/consent`, { method: 'POST', form: f });
    };
    const csrfOf = (text: string) => /name="csrf" value="([^"]+)"/.exec(text)![1]!;
    const none = await post({ csrf: token(), access: 'write' });
    assert.equal(none.status, 400);
    const noneText = await none.text();
    assert.match(noneText, /Choose at least one wiki/);
    const foreign = await post({ csrf: csrfOf(noneText), wiki: ['alice/notes', 'bob/notes'], access: 'write' });
    assert.equal(foreign.status, 400);
    const foreignText = await foreign.text();
    assert.match(foreignText, /Choose among the wikis listed/);
    const noAccess = await post({ csrf: csrfOf(foreignText), wiki: 'alice/notes', access: 'admin' });
    assert.equal(noAccess.status, 400);
    const cancel = await browser.fetch(`${consentUrl}/abort`, { method: 'POST', form: new URLSearchParams({ csrf: csrfOf(await noAccess.text()) }) });
    let loc = cancel.headers.get('location');
    let hops = 0;
    while (loc && !loc.startsWith(REDIRECT_URL) && hops++ < 5) loc = (await browser.fetch(new URL(loc, h.url).toString())).headers.get('location');
    assert.ok(loc?.startsWith(REDIRECT_URL), `cancel goes back to the client: ${loc}`);
    assert.equal(new URL(loc!).searchParams.get('error'), 'access_denied');
    assert.equal((await h.services.meta.listOAuthRecords('Grant', String(alice.id))).length, grantsBefore, 'no grant was made');
  });

  void it('connected apps: lists the clients with access, revoking one stops its tokens at once', async () => {
    await makeUser(h, 'erin', ['notes', 'more']);
    const t = await obtainTokens(h, '/mcp', { login: 'erin', wikis: ['erin/more'], access: 'read' });
    const pat = (await uc.createToken(h.services, { username: 'erin', scope: 'write' })).token;
    const list = await h.request('GET', '/api/v1/me/connected-apps', { token: pat });
    assert.equal(list.status, 200);
    const apps = (list.json as unknown as { connected_apps: Array<Record<string, unknown>> }).connected_apps;
    assert.equal(apps.length, 1);
    assert.equal(apps[0]!.client_id, t.client_id);
    assert.equal(apps[0]!.client_name, 'Test client');
    assert.deepEqual(apps[0]!.wikis, ['erin/more']);
    assert.equal(apps[0]!.scope, 'read');
    assert.deepEqual(apps[0]!.resources, [`${h.url}/mcp`]);

    // Bad requests change nothing.
    assert.equal((await h.request('GET', '/api/v1/me/connected-apps')).status, 401);
    const limited = (await uc.createToken(h.services, { username: 'erin', wiki: 'erin/notes', scope: 'write' })).token;
    assert.equal((await h.request('DELETE', `/api/v1/me/connected-apps/${encodeURIComponent(t.client_id)}`, { token: limited })).status, 403);
    assert.equal((await h.request('DELETE', '/api/v1/me/connected-apps/no-such-client', { token: pat })).status, 404);
    assert.equal((await h.request('DELETE', `/api/v1/me/connected-apps/${encodeURIComponent(t.client_id)}`, { token: t.access_token })).status, 401);
    assert.equal((await rawMcp(`${h.url}/mcp`, t.access_token, 'tools/list')).status, 200);

    const del = await h.request('DELETE', `/api/v1/me/connected-apps/${encodeURIComponent(t.client_id)}`, { token: pat });
    assert.equal(del.status, 200);
    assert.equal((await rawMcp(`${h.url}/mcp`, t.access_token, 'tools/list')).status, 401);
    const after = await h.request('GET', '/api/v1/me/connected-apps', { token: pat });
    assert.deepEqual((after.json as unknown as { connected_apps: unknown[] }).connected_apps, []);
  });
});

void describe('OAuth sign-in throttling', () => {
  void it('after 10 attempts for one account from one address, even the right password waits (429)', async () => {
    const h = await startServer();
    try {
      await makeUser(h, 'gina');
      const clientId = String((await registerClient(h)).body.client_id);
      const browser = new FakeBrowser();
      const start = await browser.fetch(authorizationUrl(h, clientId, pkce().challenge, `${h.url}/mcp`));
      const pageUrl = new URL(start.headers.get('location')!, h.url).toString();
      const attempt = async (password: string) => {
        const csrf = /name="csrf" value="([^"]+)"/.exec(await (await browser.fetch(pageUrl)).text())![1]!;
        return browser.fetch(`${pageUrl}/login`, { method: 'POST', form: new URLSearchParams({ csrf, login: 'Gina', password }) });
      };
      for (let i = 0; i < 10; i++) assert.equal((await attempt(`guess number ${i}`)).status, 401);
      const throttled = await attempt('correct horse battery staple');
      assert.equal(throttled.status, 429);
      assert.match(await throttled.text(), /Too many sign-in attempts/);
      assert.ok(Number(throttled.headers.get('retry-after')) > 0);
      assert.match(await (await browser.fetch(pageUrl)).text(), /name="password"/, 'still not signed in');
    } finally {
      await h.close();
    }
  });
});

void describe('OAuth behind a reverse proxy (WIKIBOT_BASE_URL)', () => {
  void it('announces the configured public address, whatever Host or X-Forwarded-* headers say', async () => {
    const h = await startServer({ env: { WIKIBOT_BASE_URL: 'https://wiki.example.test' } });
    try {
      const res = await fetch(`${h.url}/.well-known/oauth-authorization-server`, { headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' } });
      const as = (await res.json()) as Record<string, unknown>;
      assert.equal(as.issuer, 'https://wiki.example.test');
      assert.equal(as.token_endpoint, 'https://wiki.example.test/oauth/token');
      assert.equal(as.authorization_endpoint, 'https://wiki.example.test/oauth/authorize');
      const prm = (await (await fetch(`${h.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
      assert.equal(prm.resource, 'https://wiki.example.test/mcp');
      assert.deepEqual(prm.authorization_servers, ['https://wiki.example.test']);
      const challenge = (await rawMcp(`${h.url}/mcp`, null, 'tools/list')).challenge;
      assert.match(challenge ?? '', /resource_metadata="https:\/\/wiki\.example\.test\/\.well-known\/oauth-protected-resource\/mcp"/);
    } finally {
      await h.close();
    }
  });
});

void describe('OAuth client ID metadata documents', () => {
  void it('a client identified by an https URL needs no registration: its document is fetched and honoured', async () => {
    const h = await startServer();
    try {
      await makeUser(h, 'frank');
      const clientId = 'https://app.example.test/oauth/client.json';
      const fetched: string[] = [];
      oauthServerOf(h.services).clientMetadataFetch = (url) => {
        fetched.push(url instanceof Request ? url.url : url.toString());
        const doc = { client_id: clientId, client_name: 'Metadata App', redirect_uris: [REDIRECT_URL], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
        return Promise.resolve(new Response(JSON.stringify(doc), { status: 200, headers: { 'content-type': 'application/json' } }));
      };
      const { verifier, challenge } = pkce();
      const browser = new FakeBrowser();
      const page = await browser.fetch(new URL((await browser.fetch(authorizationUrl(h, clientId, challenge, `${h.url}/mcp`))).headers.get('location')!, h.url).toString());
      assert.match(await page.text(), /Metadata App/);
      const back = await browser.authorize(authorizationUrl(h, clientId, challenge, `${h.url}/mcp`), REDIRECT_URL, { login: 'frank', access: 'write' });
      const code = back.searchParams.get('code')!;
      const token = await tokenRequest(h, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URL, client_id: clientId, code_verifier: verifier, resource: `${h.url}/mcp` });
      assert.equal(token.status, 200, JSON.stringify(token.body));
      assert.equal((await rawMcp(`${h.url}/mcp`, token.body.access_token as string, 'tools/list')).status, 200);
      assert.deepEqual([...new Set(fetched)], [clientId]);
      // A document that names another client_id is refused, and no sign-in page is shown.
      const impostor = 'https://impostor.example.test/client.json';
      const refused = await browser.fetch(authorizationUrl(h, impostor, challenge, `${h.url}/mcp`));
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /invalid_client/);
      assert.deepEqual([...new Set(fetched)], [clientId, impostor]);
    } finally {
      await h.close();
    }
  });
});
