/**
 * The whole OAuth flow with the MCP SDK's own client against a real server on 127.0.0.1: discovery from a 401,
 * dynamic registration, authorization with PKCE and `resource`, sign-in, consent, token, tool calls, refresh,
 * revocation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from './harness.js';
import { connectWithOAuth, connectWithTokens, decodeJwt, makeUser, rawMcp, REDIRECT_URL, TestOAuthProvider, tokenRequest } from './oauth-helpers.js';

void describe('OAuth flow with the MCP SDK client', () => {
  let h: TestServer;
  before(async () => {
    h = await startServer();
    await makeUser(h, 'alice', ['notes', 'other']);
  });
  after(() => h.close());

  void it('a 401 leads to the protected-resource metadata, which names the authorization server and its metadata', async () => {
    const res = await rawMcp(`${h.url}/mcp`, null, 'tools/list');
    assert.equal(res.status, 401);
    const prmUrl = /resource_metadata="([^"]+)"/.exec(res.challenge ?? '')?.[1];
    assert.equal(prmUrl, `${h.url}/.well-known/oauth-protected-resource/mcp`);
    const prm = (await (await fetch(prmUrl)).json()) as { resource: string; authorization_servers: string[]; scopes_supported: string[] };
    assert.equal(prm.resource, `${h.url}/mcp`);
    assert.deepEqual(prm.authorization_servers, [h.url]);
    const root = (await (await fetch(`${h.url}/.well-known/oauth-protected-resource`)).json()) as { resource: string; authorization_servers: string[] };
    assert.deepEqual(root.authorization_servers, [h.url]);
    const perWiki = (await (await fetch(`${h.url}/.well-known/oauth-protected-resource/alice/notes/mcp`)).json()) as { resource: string };
    assert.equal(perWiki.resource, `${h.url}/alice/notes/mcp`);

    const asRes = await fetch(`${h.url}/.well-known/oauth-authorization-server`);
    assert.equal(asRes.status, 200);
    const as = (await asRes.json()) as Record<string, unknown>;
    assert.equal(as.issuer, h.url);
    assert.equal(as.authorization_endpoint, `${h.url}/oauth/authorize`);
    assert.equal(as.token_endpoint, `${h.url}/oauth/token`);
    assert.equal(as.registration_endpoint, `${h.url}/oauth/register`);
    assert.equal(as.revocation_endpoint, `${h.url}/oauth/revoke`);
    assert.equal(as.jwks_uri, `${h.url}/.well-known/jwks.json`);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(as.response_types_supported, ['code']);
    assert.equal(as.client_id_metadata_document_supported, true);
    assert.ok((as.token_endpoint_auth_methods_supported as string[]).includes('none'));
    const jwks = (await (await fetch(`${h.url}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, unknown>> };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.alg, 'ES256');
    assert.equal(typeof jwks.keys[0]!.kid, 'string');
    assert.equal(jwks.keys[0]!.d, undefined, 'the private part is never published');
  });

  void it('discovers, registers, authorizes with PKCE and resource, calls tools and refreshes', async () => {
    const provider = new TestOAuthProvider({ login: 'alice', wikis: ['alice/notes'], access: 'write' });
    const mcp = await connectWithOAuth(`${h.url}/mcp`, provider);
    // What the SDK sent: a registered public client, PKCE S256, the resource, the advertised scopes.
    const auth = provider.lastAuthorizationUrl!;
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.ok((auth.searchParams.get('code_challenge') ?? '').length >= 43);
    assert.equal(auth.searchParams.get('resource'), `${h.url}/mcp`);
    assert.equal(auth.searchParams.get('scope'), 'wiki:read wiki:write');
    assert.equal(auth.searchParams.get('client_id'), provider.client!.client_id);

    // The access token: an ES256 JWT for the MCP URL, with the chosen wikis and scope.
    const tokens = provider.savedTokens!;
    assert.ok(tokens.refresh_token);
    const { header, payload } = decodeJwt(tokens.access_token);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.typ, 'at+jwt');
    assert.equal(typeof header.kid, 'string');
    assert.equal(payload.aud, `${h.url}/mcp`);
    assert.equal(payload.iss, h.url);
    assert.equal(payload.scope, 'wiki:read wiki:write');
    const notes = await h.services.meta.getWiki('alice', 'notes');
    assert.deepEqual(payload.wikis, [notes!.id]);

    const list = await mcp.call('list_wikis');
    assert.match(list.text, /alice\/notes/);
    assert.doesNotMatch(list.text, /alice\/other/);
    const home = await mcp.call('read_note', { path: 'Home' });
    assert.equal(home.isError, false, home.text);
    const w = await mcp.call('write_note', { path: 'OAuth_Test', content: '# Hello\n\nWritten over OAuth.\n' });
    assert.equal(w.isError, false, w.text);
    const other = await mcp.call('read_note', { wiki: 'alice/other', path: 'Home' });
    assert.equal(other.isError, true, 'a wiki left unticked is out of reach');
    await mcp.close();

    // Refresh through the SDK: a rejected access token with a valid refresh token gets new tokens by itself.
    const before = provider.savedTokens!;
    provider.savedTokens = { ...before, access_token: 'not.a.token' };
    const again = await connectWithTokens(`${h.url}/mcp`, provider);
    assert.notEqual(provider.savedTokens.access_token, 'not.a.token');
    assert.notEqual(provider.savedTokens.refresh_token, before.refresh_token, 'refresh tokens rotate');
    assert.equal((await again.call('read_note', { path: 'OAuth_Test' })).isError, false);
    await again.close();
    // The used refresh token is spent, and replaying it (a stolen copy?) ends the whole grant.
    const refreshed = provider.savedTokens;
    assert.equal((await rawMcp(`${h.url}/mcp`, refreshed.access_token, 'tools/list')).status, 200);
    const reuse = await tokenRequest(h, { grant_type: 'refresh_token', refresh_token: before.refresh_token!, client_id: provider.client!.client_id });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal((await rawMcp(`${h.url}/mcp`, refreshed.access_token, 'tools/list')).status, 401);
  });

  void it('revoking the access token (RFC 7009) ends the connection at once: access and refresh tokens', async () => {
    const provider = new TestOAuthProvider({ login: 'alice@example.test', wikis: ['alice/notes'], access: 'write' });
    await (await connectWithOAuth(`${h.url}/mcp`, provider)).close();
    const current = provider.savedTokens!;
    assert.equal((await rawMcp(`${h.url}/mcp`, current.access_token, 'tools/list')).status, 200);
    const revoke = await fetch(`${h.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: current.access_token, client_id: provider.client!.client_id }).toString(),
    });
    assert.equal(revoke.status, 200);
    const after = await rawMcp(`${h.url}/mcp`, current.access_token, 'tools/list');
    assert.equal(after.status, 401);
    assert.match(after.challenge ?? '', /error="invalid_token"/);
    assert.match(after.body, /revoked/);
    const refresh = await tokenRequest(h, { grant_type: 'refresh_token', refresh_token: current.refresh_token!, client_id: provider.client!.client_id });
    assert.equal(refresh.body.error, 'invalid_grant');
  });

  void it('revoking the refresh token also stops its access tokens', async () => {
    const provider = new TestOAuthProvider({ login: 'alice', access: 'read' }, REDIRECT_URL, 'Cursor');
    const mcp = await connectWithOAuth(`${h.url}/alice/other/mcp`, provider);
    assert.match((await mcp.call('list_wikis')).text, /alice\/other/);
    await mcp.close();
    const { access_token, refresh_token } = provider.savedTokens!;
    assert.equal(decodeJwt(access_token).payload.aud, `${h.url}/alice/other/mcp`);
    const revoke = await fetch(`${h.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refresh_token!, token_type_hint: 'refresh_token', client_id: provider.client!.client_id }).toString(),
    });
    assert.equal(revoke.status, 200);
    assert.equal((await rawMcp(`${h.url}/alice/other/mcp`, access_token, 'tools/list')).status, 401);
  });
});
