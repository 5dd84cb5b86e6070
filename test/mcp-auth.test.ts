// MCP access over real HTTP: missing, malformed, unknown and expired tokens get 401 with the WWW-Authenticate challenge;
// Origin checks and CORS; GET/DELETE 405; cross-tenant isolation by every tool and endpoint; read tokens cannot write;
// a token reaching several wikis needs `wiki`; protocol revisions from 2025-03-26 to 2025-11-25.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateToken, hashToken } from '../src/auth/tokens.js';
import * as uc from '../src/usecases/index.js';
import { connectMcp } from './mcp-client.js';
import { makeTenant, startServer, type Tenant, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

const ACCEPT = 'application/json, text/event-stream';
const initialize = (version = '2025-06-18') => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw-test', version: '1' } },
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(h.url + path, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: (text ? JSON.parse(text) : null) as Record<string, unknown> | null };
}

void describe('authentication', () => {
  void test('no token, a malformed header, an unknown token and an expired token answer 401 with the resource metadata challenge', async () => {
    const t = await makeTenant(h, 'auth401');
    const expired = generateToken();
    const user = await h.services.meta.getUserByUsername(t.owner);
    await h.services.meta.createToken({ userId: user!.id, name: 'old', hash: hashToken(expired), wikiId: null, scope: 'write', expiresAt: '2020-01-01T00:00:00.000Z' });
    for (const path of ['/mcp', `/${t.owner}/${t.slug}/mcp`]) {
      const none = await post(path, initialize());
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), `Bearer resource_metadata="${h.url}/.well-known/oauth-protected-resource${path}"`);
      for (const authorization of ['Basic abc', 'Bearer wbt_not-a-real-token', `Bearer ${expired}`]) {
        const bad = await post(path, initialize(), { authorization });
        assert.equal(bad.status, 401, authorization);
        assert.match(bad.headers.get('www-authenticate') ?? '', new RegExp(`^Bearer resource_metadata="${h.url}/\\.well-known/oauth-protected-resource${path}", error="invalid_token"`));
        assert.match(JSON.stringify(bad.json), /token|Authorization/);
      }
    }
    // The SDK client sees the 401 too.
    await assert.rejects(connectMcp(`${h.url}/mcp`, { token: expired }), /401|Unauthorized|invalid/i);
  });

  void test('the protected-resource metadata names the resource, the authorization server and bearer tokens in the header', async () => {
    const res = await fetch(`${h.url}/.well-known/oauth-protected-resource/mcp`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      resource: `${h.url}/mcp`,
      authorization_servers: [h.url],
      scopes_supported: ['wiki:read', 'wiki:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Wikibot MCP',
      resource_documentation: `${h.url}/`,
    });
    const perWiki = (await (await fetch(`${h.url}/.well-known/oauth-protected-resource/alice/notes/mcp`)).json()) as { resource: string };
    assert.equal(perWiki.resource, `${h.url}/alice/notes/mcp`);
  });
});

void describe('HTTP surface', () => {
  void test('GET and DELETE answer 405 (stateless: no streams, no sessions), POST works without a session id', async () => {
    const t = await makeTenant(h, 'methods');
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${h.url}/mcp`, { method, headers: { authorization: `Bearer ${t.writeToken}`, accept: 'text/event-stream' } });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'POST, OPTIONS');
    }
    const init = await post('/mcp', initialize(), { authorization: `Bearer ${t.writeToken}` });
    assert.equal(init.status, 200);
    assert.equal(init.headers.get('mcp-session-id'), null);
    // A tool call needs no initialize before it on the same connection: no server-side session.
    const call = await post('/mcp', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'read_note', arguments: { path: 'Home' } } }, {
      authorization: `Bearer ${t.writeToken}`,
      'mcp-protocol-version': '2025-06-18',
    });
    assert.equal(call.status, 200);
    assert.match(JSON.stringify(call.json), /path: Home/);
  });

  void test('a foreign browser Origin is refused with 403; allowed ones get CORS headers; preflight lists the MCP headers', async () => {
    const t = await makeTenant(h, 'origins');
    const auth = { authorization: `Bearer ${t.writeToken}` };
    const evil = await post('/mcp', initialize(), { ...auth, origin: 'https://evil.example' });
    assert.equal(evil.status, 403);
    assert.match(JSON.stringify(evil.json), /Origin https:\/\/evil\.example may not call/);
    const claude = await post('/mcp', initialize(), { ...auth, origin: 'https://claude.ai' });
    assert.equal(claude.status, 200);
    assert.equal(claude.headers.get('access-control-allow-origin'), 'https://claude.ai');
    assert.match(claude.headers.get('access-control-expose-headers') ?? '', /mcp-session-id.*www-authenticate/);
    const self = await post('/mcp', initialize(), { ...auth, origin: h.url });
    assert.equal(self.status, 200);
    const noToken = await post('/mcp', initialize(), { origin: 'https://claude.ai' });
    assert.equal(noToken.status, 401);
    assert.equal(noToken.headers.get('access-control-allow-origin'), 'https://claude.ai', 'a browser client can read the 401 challenge');

    const pre = await fetch(`${h.url}/mcp`, { method: 'OPTIONS', headers: { origin: 'https://claude.ai', 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://claude.ai');
    for (const header of ['authorization', 'content-type', 'mcp-protocol-version', 'mcp-session-id', 'last-event-id']) {
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', new RegExp(header));
    }
    const evilPre = await fetch(`${h.url}/${t.owner}/${t.slug}/mcp`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    assert.equal(evilPre.status, 403);
  });

  void test('clients speaking 2025-03-26, 2025-06-18 and 2025-11-25 are served; an unsupported header version is refused', async () => {
    const t = await makeTenant(h, 'versions');
    const auth = { authorization: `Bearer ${t.writeToken}` };
    for (const version of ['2025-03-26', '2025-06-18', '2025-11-25']) {
      const init = await post('/mcp', initialize(version), auth);
      assert.equal(init.status, 200, version);
      assert.equal((init.json?.result as { protocolVersion: string }).protocolVersion, version);
      const list = await post('/mcp', { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { ...auth, 'mcp-protocol-version': version });
      assert.equal((list.json?.result as { tools: unknown[] }).tools.length, 23, version);
    }
    const bad = await post('/mcp', { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { ...auth, 'mcp-protocol-version': '1999-01-01' });
    assert.equal(bad.status, 400);
  });

  void test('the initialize answer carries instructions naming the wiki, its purpose and the session start', async () => {
    const t = await makeTenant(h, 'instr');
    const c = await connectMcp(`${h.url}/${t.owner}/${t.slug}/mcp`, { token: t.readToken });
    try {
      const text = c.client.getInstructions() ?? '';
      assert.match(text, /"instr research" \(instr\/notes\): A research wiki about instr research\./);
      assert.match(text, /start every session by reading Home and Meta\/Wiki_Usage_Guide .* then get_recent_changes/i);
      assert.match(text, /This connection is read-only/);
      assert.equal(c.client.getServerVersion()?.name, 'wikibot');
    } finally {
      await c.close();
    }
  });
});

void describe('isolation', () => {
  const tools: Array<[string, (t: Tenant) => Record<string, unknown>]> = [
    ['read_note', () => ({ path: 'Home' })],
    ['read_notes', () => ({ paths: ['Home'] })],
    ['write_note', () => ({ path: 'Intruder', content: 'x' })],
    ['edit_note', (b) => ({ path: 'Home', revision: b.head()!, old_string: 'Start here', new_string: 'Owned' })],
    ['edit_section', (b) => ({ path: 'Home', revision: b.head()!, section: 'Start here', mode: 'append', content: 'x' })],
    ['list_notes', () => ({})],
    ['search_notes', () => ({ query: 'wiki' })],
    ['get_links', () => ({ path: 'Home' })],
    ['get_recent_changes', () => ({})],
    ['get_history', () => ({ path: 'Home' })],
    ['diff_note', (b) => ({ path: 'Home', from: b.head()! })],
    ['rename_note', () => ({ path: 'Home', new_path: 'Gone' })],
    ['delete_note', () => ({ path: 'Home' })],
    ['find_orphaned_notes', () => ({})],
    ['find_broken_links', () => ({})],
    ['find_stale_notes', () => ({})],
    ['list_attachments', () => ({ path: 'Home' })],
    ['upload_attachment', () => ({ path: 'Home', filename: 'x.txt', content_base64: 'eA==' })],
    ['download_attachment', () => ({ path: 'Home', filename: 'x.txt' })],
    ['delete_attachment', () => ({ path: 'Home', filename: 'x.txt' })],
  ];

  void test('a token for wiki A gets nothing of wiki B by any tool, nor at B\'s endpoint', async () => {
    const a = await makeTenant(h, 'iso-a');
    const b = await makeTenant(h, 'iso-b');
    await uc.uploadAttachment(h.services, { user: await h.services.meta.getUserByUsername(b.owner), token: null, door: 'cli' }, { owner: b.owner, slug: b.slug, path: 'Home', filename: 'x.txt', content: Buffer.from('secret') });
    const bHead = b.head();
    const c = await connectMcp(`${h.url}/mcp`, { token: a.writeToken });
    try {
      for (const [name, args] of tools) {
        const r = await c.call(name, { ...args(b), wiki: `${b.owner}/${b.slug}` });
        assert.equal(r.isError, true, `${name}: ${r.text}`);
        assert.match(r.text, /There is no wiki iso-b-?.*\/notes that you can see|no wiki/, `${name}: ${r.text}`);
        assert.doesNotMatch(r.text, /Start here|secret|Wiki Usage Guide/, name);
      }
      const listed = await c.call('list_wikis');
      assert.doesNotMatch(listed.text, /iso-b/);
      const found = JSON.parse((await c.call('search', { query: 'research' })).text) as { results: Array<{ id: string }> };
      assert.ok(found.results.every((r) => r.id.startsWith(`${a.owner}/`)), JSON.stringify(found));
      const fetched = await c.call('fetch', { id: `${b.owner}/${b.slug}/Home` });
      assert.equal(fetched.isError, true);
      assert.match(fetched.text, /There is no wiki/);
    } finally {
      await c.close();
    }
    assert.equal(b.head(), bHead, 'wiki B did not change');
    // B's own endpoint: 404 before any MCP exchange, for a read or a write token of A.
    for (const token of [a.writeToken, a.readToken]) {
      const res = await post(`/${b.owner}/${b.slug}/mcp`, initialize(), { authorization: `Bearer ${token}` });
      assert.equal(res.status, 404);
      assert.match(JSON.stringify(res.json), /There is no wiki iso-b.*that you can see/);
    }
    const missing = await post('/nobody/nothing/mcp', initialize(), { authorization: `Bearer ${a.writeToken}` });
    assert.equal(missing.status, 404);
    // A's endpoint cannot be pointed at B through fetch ids either.
    const own = await connectMcp(`${h.url}/${a.owner}/${a.slug}/mcp`, { token: a.writeToken });
    try {
      const r = await own.call('fetch', { id: `${b.owner}/${b.slug}/Home` });
      assert.equal(r.isError, true);
      assert.match(r.text, /serves only iso-a.*\/notes/);
    } finally {
      await own.close();
    }
  });

  void test('a read token reads but every writing tool says it cannot write, and nothing changes', async () => {
    const t = await makeTenant(h, 'readonly');
    const c = await connectMcp(`${h.url}/${t.owner}/${t.slug}/mcp`, { token: t.readToken });
    try {
      assert.equal((await c.call('read_note', { path: 'Home' })).isError, false);
      const before = t.head();
      for (const [name, args] of tools.filter(([n]) => ['write_note', 'edit_note', 'edit_section', 'rename_note', 'delete_note', 'upload_attachment', 'delete_attachment'].includes(n))) {
        const r = await c.call(name, args(t));
        assert.equal(r.isError, true, name);
        assert.match(r.text, /This token is read-only: it cannot (write|upload) in readonly.*This connection cannot write: nothing was changed\./, `${name}: ${r.text}`);
        assert.match(r.text, /\[FORBIDDEN\]$/);
      }
      assert.equal(t.head(), before);
      assert.match((await c.call('list_wikis')).text, /read-only: this connection was granted read access only/);
    } finally {
      await c.close();
    }
  });

  void test('a token reaching several wikis asks for `wiki`, and works on each wiki it names', async () => {
    const a = await makeTenant(h, 'multi-a');
    const b = await makeTenant(h, 'multi-b');
    // A's owner is granted editor on B; an all-wikis token then reaches both.
    const aUser = await h.services.meta.getUserByUsername(a.owner);
    const bWiki = await h.services.meta.getWiki(b.owner, b.slug);
    await h.services.meta.setRole(bWiki!.id, aUser!.id, 'editor');
    const { token } = await uc.createToken(h.services, { username: a.owner, scope: 'write' });
    const c = await connectMcp(`${h.url}/mcp`, { token });
    try {
      assert.match(c.client.getInstructions() ?? '', /reaches 2 research wikis/);
      const ambiguous = await c.call('read_note', { path: 'Home' });
      assert.equal(ambiguous.isError, true);
      assert.match(ambiguous.text, /This connection reaches 2 wikis \(multi-a.*\/notes, multi-b.*\/notes\): pass wiki: "owner\/slug"/);
      const listed = await c.call('list_wikis');
      assert.match(listed.text, /^2 wikis:\n- multi-a.*\(owner; read-write\)\n- multi-b.*\(editor; read-write\)$/);
      const r = await c.call('write_note', { wiki: `${b.owner}/${b.slug}`, path: 'From_A', content: 'hello' });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.structured?.revision, b.head());
      const found = JSON.parse((await c.call('search', { query: 'research' })).text) as { results: Array<{ id: string }> };
      assert.deepEqual(new Set(found.results.map((x) => x.id.split('/').slice(0, 2).join('/'))), new Set([`${a.owner}/notes`, `${b.owner}/notes`]));
    } finally {
      await c.close();
    }
  });
});
