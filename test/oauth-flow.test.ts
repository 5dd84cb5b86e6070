/**
 * The whole OAuth flow with the MCP SDK's own client against a real server on 127.0.0.1: discovery from a 401,
 * dynamic registration, authorization with PKCE and `resource`, sign-in, consent, token, tool calls, refresh,
 * revocation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from './harness.js';
import { connectWithOAuth, makeUser, TestOAuthProvider } from './oauth-helpers.js';

void describe('OAuth flow with the MCP SDK client', () => {
  let h: TestServer;
  before(async () => {
    h = await startServer();
    await makeUser(h, 'alice', ['notes', 'other']);
  });
  after(() => h.close());

  void it('discovers, registers, authorizes with PKCE and resource, and calls tools', async () => {
    const provider = new TestOAuthProvider({ login: 'alice', wikis: ['alice/notes'], access: 'write' });
    const mcp = await connectWithOAuth(`${h.url}/mcp`, provider);
    const auth = provider.lastAuthorizationUrl!;
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(auth.searchParams.get('resource'), `${h.url}/mcp`);
    const list = await mcp.call('list_wikis');
    assert.match(list.text, /alice\/notes/);
    assert.doesNotMatch(list.text, /alice\/other/);
    const w = await mcp.call('write_note', { wiki: 'alice/notes', path: 'OAuth_Test', content: '# Hello\n' });
    assert.equal(w.isError, false, w.text);
    await mcp.close();
  });
});
