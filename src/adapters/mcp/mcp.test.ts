// MCP adapter units: the error table covers every code, client names from user agents, tool definitions built once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken } from '../../auth/oauth/protected-resource.js';
import { ERROR_CODES, WikiError } from '../../errors.js';
import { clientNameOf } from './auth.js';
import { MCP_ERROR_ADVICE, toolErrorResult } from './error-table.js';
import { serverInstructions } from './instructions.js';
import { MCP_TOOLS, toolDefinitions } from './server.js';

const silent = { info() {}, warn() {}, error() {} };

void describe('MCP error table', () => {
  void it('maps every WikiError code to an instruction, and nothing else', () => {
    assert.deepEqual(Object.keys(MCP_ERROR_ADVICE).sort(), [...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const text = MCP_ERROR_ADVICE[code](new WikiError(code, `Something about ${code}.`, {}));
      assert.ok(text.length > 20, `${code}: ${text}`);
    }
  });

  void it('a stale revision names the current one and says to read again; a missing page keeps its suggestions', () => {
    const stale = new WikiError('REVISION_CONFLICT', 'x', { path: 'A', current_revision: 'abcdef1234567890', your_revision: '1234567' });
    assert.equal(MCP_ERROR_ADVICE.REVISION_CONFLICT(stale), 'The page "A" changed since you read it (now at abcdef123456) and the changes overlap with yours. Nothing was changed: read_note it again and reapply your change.');
    const missing = new WikiError('PAGE_NOT_FOUND', 'There is no page "Hom" in a/b. Closest existing pages: Home.', { path: 'Hom', suggestions: ['Home'] });
    assert.match(MCP_ERROR_ADVICE.PAGE_NOT_FOUND(missing), /Closest existing pages: Home\. If you meant one of those, call again with its exact path/);
  });

  void it('an unknown error becomes a generic isError result with the request id, logged, never thrown', () => {
    const logged: unknown[] = [];
    const result = toolErrorResult(new Error('/secret/path exploded'), 'req-1', { ...silent, error: (o) => logged.push(o) }, 'read_note');
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [{ type: 'text', text: 'The server failed while doing this; the problem was logged. Try once more, and tell the user if it fails again. (request req-1) [INTERNAL]' }]);
    assert.equal(logged.length, 1);
  });
});

void describe('client names and bearer headers', () => {
  void it('maps known user agents and clientInfo names, else "Assistant"', () => {
    assert.equal(clientNameOf('claude-code/2.0.14 (cli)'), 'Claude Code');
    assert.equal(clientNameOf('Claude-User (claude-user; +https://support.anthropic.com/)'), 'Claude');
    assert.equal(clientNameOf('openai-mcp/1.0.0'), 'ChatGPT');
    assert.equal(clientNameOf('Cursor/1.7.2'), 'Cursor');
    assert.equal(clientNameOf('node'), 'Assistant');
    assert.equal(clientNameOf(undefined), 'Assistant');
    assert.equal(clientNameOf('node', 'claude-ai'), 'Claude');
    assert.equal(clientNameOf('node', 'My Research Bot\n'), 'My Research Bot');
  });

  void it('reads bearer tokens, refuses other schemes', () => {
    assert.equal(bearerToken(undefined), null);
    assert.equal(bearerToken('Bearer wbt_abc'), 'wbt_abc');
    assert.equal(bearerToken('bearer   wbt_abc '), 'wbt_abc');
    assert.throws(() => bearerToken('Basic dXNlcjpwYXNz'), { code: 'UNAUTHORIZED' });
  });
});

void describe('tool definitions', () => {
  void it('are built once per endpoint kind and reused', () => {
    assert.equal(toolDefinitions(true), toolDefinitions(true));
    assert.equal(toolDefinitions(false)[0], toolDefinitions(false)[0]);
    assert.equal(new Set(MCP_TOOLS.map((t) => t.name)).size, MCP_TOOLS.length);
  });

  void it('instructions name the wiki, its purpose and the session start', () => {
    const text = serverInstructions(
      [{ id: 'a/b', owner: 'a', slug: 'b', name: 'Iran', purpose: 'Tracking Iran.', visibility: 'private', homePage: 'Home', commitMessages: 'optional', role: 'owner', canWrite: true, readOnlyReason: null }],
      true,
    );
    assert.match(text, /"Iran" \(a\/b\): Tracking Iran\./);
    assert.match(text, /reading Home and Meta\/Wiki_Usage_Guide .* then get_recent_changes/);
    assert.doesNotMatch(text, /requires a commit message/);
  });

  void it('instructions name the configured home page and a required commit message', () => {
    const wiki = { id: 'a/b', owner: 'a', slug: 'b', name: 'Iran', purpose: 'Tracking Iran.', visibility: 'private', homePage: 'Start/Here', commitMessages: 'required', role: 'owner', canWrite: true, readOnlyReason: null } as const;
    const one = serverInstructions([wiki], true);
    assert.match(one, /reading Start\/Here and Meta\/Wiki_Usage_Guide \(read_notes with paths \["Start\/Here","Meta\/Wiki_Usage_Guide"\]\)/);
    assert.doesNotMatch(one, /reading Home/);
    assert.match(one, /requires a commit message: pass commit_message with every write/);
    const two = serverInstructions([wiki, { ...wiki, id: 'a/c', slug: 'c', homePage: 'Home', commitMessages: 'optional' }], false);
    assert.match(two, /- a\/b — .* Its home page is Start\/Here\. Every write there needs commit_message\./);
    assert.doesNotMatch(two, /- a\/c — .*Its home page/);
  });
});
