/**
 * What an OAuth access token reaches: only the granted wikis (cross-tenant), only reading with a read grant (403
 * insufficient_scope), only the MCP URL it was issued for (audience), never the REST API; and expired, forged,
 * malformed, revoked tokens and disabled users are refused with 401 and the challenge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, generateKeyPair, importJWK } from 'jose';
import { loadKeys } from '../src/auth/oauth/keys.js';
import * as uc from '../src/usecases/index.js';
import { startServer, type TestServer } from './harness.js';
import { decodeJwt, makeUser, obtainTokens, rawMcp, type Tokens } from './oauth-helpers.js';

const call = (name: string, args: Record<string, unknown>) => ({ name, arguments: args });

void describe('OAuth access tokens at the MCP endpoints', () => {
  let h: TestServer;
  let readAll: Tokens;
  let perWiki: Tokens;
  before(async () => {
    h = await startServer();
    await makeUser(h, 'alice', ['notes', 'other']);
    await makeUser(h, 'bob', ['notes']);
    readAll = await obtainTokens(h, '/mcp', { login: 'alice', wikis: ['alice/notes'], access: 'read' });
    perWiki = await obtainTokens(h, '/alice/notes/mcp', { login: 'alice', access: 'write' });
  });
  after(() => h.close());

  void it('a grant for one wiki gets nothing of another wiki, its own owner\'s or another tenant\'s', async () => {
    const list = await rawMcp(`${h.url}/mcp`, readAll.access_token, 'tools/call', call('list_wikis', {}));
    assert.equal(list.status, 200);
    assert.match(list.body, /alice\/notes/);
    assert.doesNotMatch(list.body, /alice\/other|bob\/notes/);
    for (const wiki of ['alice/other', 'bob/notes']) {
      for (const [tool, args] of [
        ['read_note', { path: 'Home' }],
        ['search_notes', { query: 'Home' }],
        ['list_notes', {}],
        ['get_recent_changes', {}],
      ] as const) {
        const res = await rawMcp(`${h.url}/mcp`, readAll.access_token, 'tools/call', call(tool, { wiki, ...args }));
        assert.equal(res.status, 200);
        assert.match(res.body, /"isError":true/, `${tool} on ${wiki}`);
        assert.doesNotMatch(res.body, /Wiki_Usage_Guide|Meta\//, `${tool} on ${wiki} leaks nothing`);
      }
    }
    // Nor through the per-wiki endpoints of the other wikis (wrong audience) or the REST API (not a personal token).
    for (const path of ['/alice/other/mcp', '/bob/notes/mcp']) {
      assert.equal((await rawMcp(`${h.url}${path}`, readAll.access_token, 'tools/list')).status, 401);
    }
    const rest = await h.request('GET', '/api/v1/wikis/alice/notes/pages/Home', { token: readAll.access_token });
    assert.equal(rest.status, 401);
    const bobHead = h.services.repos.open('bob', 'notes').head();
    assert.ok(bobHead);
  });

  void it('a read grant cannot write: 403 insufficient_scope before the tool runs, and nothing is committed', async () => {
    const head = h.services.repos.open('alice', 'notes').head();
    const res = await rawMcp(`${h.url}/mcp`, readAll.access_token, 'tools/call', call('write_note', { path: 'Nope', content: 'x' }));
    assert.equal(res.status, 403);
    assert.match(res.challenge ?? '', /^Bearer error="insufficient_scope", scope="wiki:read wiki:write", resource_metadata="[^"]+\/mcp"/);
    assert.match(res.body, /read-only access: write_note needs wiki:write/);
    for (const tool of ['edit_note', 'delete_note', 'rename_note', 'upload_attachment']) {
      assert.equal((await rawMcp(`${h.url}/mcp`, readAll.access_token, 'tools/call', call(tool, { path: 'Home' }))).status, 403, tool);
    }
    assert.equal(h.services.repos.open('alice', 'notes').head(), head);
    // Reading still works.
    const read = await rawMcp(`${h.url}/mcp`, readAll.access_token, 'tools/call', call('read_note', { path: 'Home' }));
    assert.equal(read.status, 200);
    const answer = JSON.parse(read.body) as { result: { isError?: boolean; content: Array<{ text: string }> } };
    assert.notEqual(answer.result.isError, true);
    assert.match(answer.result.content[0]!.text, /Home/);
    assert.equal(decodeJwt(readAll.access_token).payload.scope, 'wiki:read');
  });

  void it('a token is accepted only at the MCP URL it was issued for (audience)', async () => {
    assert.equal(decodeJwt(perWiki.access_token).payload.aud, `${h.url}/alice/notes/mcp`);
    assert.equal((await rawMcp(`${h.url}/alice/notes/mcp`, perWiki.access_token, 'tools/list')).status, 200);
    const root = await rawMcp(`${h.url}/mcp`, perWiki.access_token, 'tools/list');
    assert.equal(root.status, 401);
    assert.match(root.challenge ?? '', /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp", error="invalid_token"/);
    assert.match(root.body, /issued for .*\/alice\/notes\/mcp, not for .*\/mcp/);
    assert.equal((await rawMcp(`${h.url}/alice/notes/mcp`, readAll.access_token, 'tools/list')).status, 401);
  });

  void it('refuses expired, forged, unsigned, malformed and unknown-key tokens with 401 invalid_token', async () => {
    const keys = await loadKeys(h.services.meta);
    const jwk = keys.keys[0]!;
    const good = decodeJwt(perWiki.access_token).payload;
    const now = Math.floor(Date.now() / 1000);
    const sign = async (payload: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0], kid = jwk.kid!) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(key);
    const ourKey = await importJWK(jwk, 'ES256');
    const resigned = await sign({ ...good }, ourKey);
    assert.equal((await rawMcp(`${h.url}/alice/notes/mcp`, resigned, 'tools/list')).status, 200, 'the control token (same claims, our key) works');
    const expired = await sign({ ...good, iat: now - 7200, exp: now - 3600 }, ourKey);
    const foreign = await sign({ ...good }, (await generateKeyPair('ES256')).privateKey);
    const unknownKid = await sign({ ...good }, (await generateKeyPair('ES256')).privateKey, 'no-such-kid');
    const wrongIssuer = await sign({ ...good, iss: 'https://evil.example' }, ourKey);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`;
    const cases: Array<[string, string, RegExp]> = [
      ['expired', expired, /expired/],
      ['signed by another key', foreign, /invalid/],
      ['unknown kid', unknownKid, /invalid/],
      ['wrong issuer', wrongIssuer, /invalid/],
      ['alg none', unsigned, /invalid/],
      ['three garbage parts', 'aaa.bbb.ccc', /invalid/],
      ['random string', 'hello-there', /invalid/],
    ];
    for (const [what, token, message] of cases) {
      const res = await rawMcp(`${h.url}/alice/notes/mcp`, token, 'tools/list');
      assert.equal(res.status, 401, what);
      assert.match(res.challenge ?? '', /error="invalid_token"/, what);
      assert.match(res.body, message, what);
    }
    const malformedHeader = await fetch(`${h.url}/mcp`, { method: 'POST', headers: { authorization: 'Bearer', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(malformedHeader.status, 401);
  });

  void it('a disabled user\'s tokens stop working', async () => {
    await makeUser(h, 'carol');
    const t = await obtainTokens(h, '/mcp', { login: 'carol', access: 'write' });
    assert.equal((await rawMcp(`${h.url}/mcp`, t.access_token, 'tools/list')).status, 200);
    await uc.setUserDisabled(h.services, 'carol', true);
    assert.equal((await rawMcp(`${h.url}/mcp`, t.access_token, 'tools/list')).status, 401);
  });
});
