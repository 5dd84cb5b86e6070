// Bad input over real HTTP: every case from the issue gets a clear error (status, code, a message that says what is
// wrong) and leaves the repository exactly as it was.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { assertError, assertUnchanged, createPage, makeTenant, startServer, type Tenant, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

/** Sends a request with the path exactly as given (fetch would resolve `..` segments before sending). */
function rawRequest(method: string, path: string, token: string, body?: string): Promise<{ status: number; json: { error?: string; message?: string } }> {
  return new Promise((resolve, reject) => {
    const url = new URL(h.url);
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as { error?: string; message?: string } });
          } catch (err) {
            reject(new Error(`not JSON (${res.statusCode}): ${text}`, { cause: err }));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

void describe('invalid page names are refused, never normalized', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a ".." segment', 'a%2F..%2Fb', /\.\./],
    ['".git" as a folder', '.git/config', /starts with "\."/],
    ['a name ending in .git', 'repo.git', /\.git/],
    ['an absolute path', '%2Fetc%2Fpasswd', /starts with "\/"/],
    ['a control character', 'bad%0Aname', /control character/],
    ['a tab', 'bad%09name', /control character/],
    ['an empty segment', 'a//b', /empty segment/],
    ['a 256-byte segment', 'x'.repeat(256), /255 bytes/],
    ['a 256-byte segment of multibyte characters', encodeURIComponent('é'.repeat(128)), /255 bytes/],
    ['malformed percent-encoding', 'bad%E0%A4%A', /percent-encoding/],
  ];
  for (const [what, raw, message] of cases) {
    void test(`${what}: 400 INVALID_PATH on write and read, nothing changes`, async () => {
      const t = await makeTenant(h, `bad-name-${cases.findIndex((c) => c[0] === what)}`);
      const put = await assertUnchanged(t, () => t.api('PUT', `/pages/${raw}`, { body: { content: 'x\n' } }));
      assertError(put, 400, 'INVALID_PATH', message);
      assertError(await t.api('GET', `/pages/${raw}`), 400, 'INVALID_PATH', message);
    });
  }

  void test('a literal ".." segment in the URL (not resolved by the client) is refused', async () => {
    const t = await makeTenant(h, 'bad-name-dotdot');
    await createPage(t, 'Secret', 'x\n');
    const res = await assertUnchanged(t, () => rawRequest('PUT', `${t.base}/pages/Notes/../Secret`, t.writeToken, JSON.stringify({ content: 'overwritten\n' })));
    assert.equal(res.status, 400);
    assert.equal(res.json.error, 'INVALID_PATH');
    assert.match(res.json.message ?? '', /\.\./);
  });

  void test('invalid new_path on rename is refused and nothing changes', async () => {
    const t = await makeTenant(h, 'bad-name-rename');
    await createPage(t, 'Page', 'x\n');
    for (const newPath of ['../escape', '.git/hooks/x', '/abs', 'a\u0001b', 'a//b', 'y'.repeat(256)]) {
      const res = await assertUnchanged(t, () => t.api('POST', '/pages/Page/rename', { body: { new_path: newPath } }));
      assertError(res, 400, 'INVALID_PATH', /Invalid page path/);
    }
  });
});

void describe('bodies', () => {
  void test('content over 1,000,000 characters is 413 PAYLOAD_TOO_LARGE; nothing changes', async () => {
    const t = await makeTenant(h, 'bad-too-long');
    const rev = await createPage(t, 'Page', 'short\n');
    const content = 'a'.repeat(1_000_001);
    assertError(await assertUnchanged(t, () => t.api('PUT', '/pages/New', { body: { content } })), 413, 'PAYLOAD_TOO_LARGE', /1000001 characters.*1000000/);
    assertError(await assertUnchanged(t, () => t.api('PUT', '/pages/Page', { body: { content, revision: rev } })), 413, 'PAYLOAD_TOO_LARGE');
    assertError(await assertUnchanged(t, () => t.api('PATCH', '/pages/Page', { body: { revision: rev, old_string: 'short', new_string: content } })), 413, 'PAYLOAD_TOO_LARGE');
    const ok = await t.api('PUT', '/pages/Exactly', { body: { content: 'b'.repeat(1_000_000) } });
    assert.equal(ok.status, 201, 'exactly the limit is accepted');
  });

  void test('invalid UTF-8 is 400 INVALID_INPUT; nothing changes', async () => {
    const t = await makeTenant(h, 'bad-utf8');
    const body = Buffer.concat([Buffer.from('{"content":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const res = await assertUnchanged(t, () => t.api('PUT', '/pages/Page', { body, headers: { 'content-type': 'application/json' } }));
    assertError(res, 400, 'INVALID_INPUT', /UTF-8/);
  });

  void test('a lone surrogate or NUL in content is 400; nothing changes', async () => {
    const t = await makeTenant(h, 'bad-unicode');
    const surrogate = await assertUnchanged(t, () => t.api('PUT', '/pages/Page', { body: '{"content":"bad \\ud800 text"}', headers: { 'content-type': 'application/json' } }));
    assertError(surrogate, 400, 'INVALID_INPUT', /Unicode/);
    assertError(await assertUnchanged(t, () => t.api('PUT', '/pages/Page', { body: { content: 'nul\u0000here' } })), 400, 'INVALID_INPUT', /NUL/);
  });

  void test('malformed JSON is 400 INVALID_INPUT; nothing changes', async () => {
    const t = await makeTenant(h, 'bad-json');
    for (const body of ['{"content": "x"', '{content: x}', '[1,2', 'null garbage']) {
      const res = await assertUnchanged(t, () => t.api('PUT', '/pages/Page', { body, headers: { 'content-type': 'application/json' } }));
      assertError(res, 400, 'INVALID_INPUT', /not valid JSON/);
    }
  });

  void test('wrong field types and missing fields are 400 naming the field; nothing changes', async () => {
    const t = await makeTenant(h, 'bad-fields');
    const rev = await createPage(t, 'Page', 'x\n');
    assertError(await assertUnchanged(t, () => t.api('PUT', '/pages/New', { body: { content: 42 } })), 400, 'INVALID_INPUT', /"content"/);
    assertError(await assertUnchanged(t, () => t.api('PUT', '/pages/New', { body: {} })), 400, 'INVALID_INPUT', /"content"/);
    assertError(await assertUnchanged(t, () => t.api('PATCH', '/pages/Page', { body: { revision: rev, old_string: 'x' } })), 400, 'INVALID_INPUT', /"new_string"/);
    assertError(await assertUnchanged(t, () => t.api('PATCH', '/pages/Page', { body: { revision: rev, old_string: '', new_string: 'y' } })), 400, 'INVALID_INPUT', /old_string is empty/);
    assertError(await assertUnchanged(t, () => t.api('GET', '/pages/Page?format=pdf')), 400, 'INVALID_INPUT', /"format"/);
  });
});

void describe('revisions and edits', () => {
  async function twoPages(t: Tenant) {
    const revA = await createPage(t, 'A', 'alpha text\n');
    const revB = await createPage(t, 'B', 'beta text\n');
    return { revA, revB };
  }

  void test('an unknown revision is 404 REVISION_NOT_FOUND on read, write and edit; nothing changes', async () => {
    const t = await makeTenant(h, 'bad-rev-unknown');
    await twoPages(t);
    const unknown = 'deadbeefdeadbeef';
    assertError(await t.api('GET', `/pages/A?revision=${unknown}`), 404, 'REVISION_NOT_FOUND', /no revision deadbeef/);
    assertError(await assertUnchanged(t, () => t.api('PUT', '/pages/A', { body: { content: 'new\n', revision: unknown } })), 404, 'REVISION_NOT_FOUND');
    assertError(await assertUnchanged(t, () => t.api('PATCH', '/pages/A', { body: { revision: unknown, old_string: 'alpha', new_string: 'x' } })), 404, 'REVISION_NOT_FOUND');
    assertError(await assertUnchanged(t, () => t.api('PUT', '/pages/A', { body: { content: 'new\n', revision: 'not-hex!' } })), 404, 'REVISION_NOT_FOUND', /hexadecimal/);
    assertError(await assertUnchanged(t, () => t.api('POST', '/revert', { body: { commit: unknown } })), 404, 'REVISION_NOT_FOUND');
    assertError(await t.api('GET', `/pages/A/diff?from=${unknown}`), 404, 'REVISION_NOT_FOUND');
  });

  void test('a revision of another page is refused for writes and edits; nothing changes', async () => {
    const t = await makeTenant(h, 'bad-rev-other');
    const { revB } = await twoPages(t);
    const put = await assertUnchanged(t, () => t.api('PUT', '/pages/A', { body: { content: 'replaced\n', revision: revB } }));
    assertError(put, 404, 'REVISION_NOT_FOUND', /not a revision of page "A"/);
    const patch = await assertUnchanged(t, () => t.api('PATCH', '/pages/A', { body: { revision: revB, old_string: 'alpha', new_string: 'x' } }));
    assertError(patch, 404, 'REVISION_NOT_FOUND', /not a revision of page "A"/);
    assertError(await t.api('GET', `/pages/B?revision=${(await t.api('GET', '/pages/Home')).json.revision ?? ''}`), 404, 'REVISION_NOT_FOUND', /did not exist/);
  });

  void test('old_string not found or ambiguous is 422 naming the count; nothing changes', async () => {
    const t = await makeTenant(h, 'bad-old-string');
    const rev = await createPage(t, 'Page', 'one two two three three three\n');
    assertError(await assertUnchanged(t, () => t.api('PATCH', '/pages/Page', { body: { revision: rev, old_string: 'four', new_string: 'x' } })), 422, 'EDIT_NO_MATCH', /not found/);
    assertError(await assertUnchanged(t, () => t.api('PATCH', '/pages/Page', { body: { revision: rev, old_string: 'ONE', new_string: 'x' } })), 422, 'EDIT_NO_MATCH', /letter case/);
    assertError(await assertUnchanged(t, () => t.api('PATCH', '/pages/Page', { body: { revision: rev, old_string: 'two', new_string: 'x' } })), 422, 'EDIT_AMBIGUOUS', /2 times/);
    assertError(await assertUnchanged(t, () => t.api('PATCH', '/pages/Page', { body: { revision: rev, old_string: 'three', new_string: 'x' } })), 422, 'EDIT_AMBIGUOUS', /3 times/);
  });

  void test('rename onto an existing page (any spelling) is 409 PAGE_EXISTS; nothing changes', async () => {
    const t = await makeTenant(h, 'bad-rename-onto');
    await twoPages(t);
    for (const target of ['B', 'b', 'Home']) {
      assertError(await assertUnchanged(t, () => t.api('POST', '/pages/A/rename', { body: { new_path: target } })), 409, 'PAGE_EXISTS', /already exists/);
    }
  });

  void test('unknown operations and methods are clear errors', async () => {
    const t = await makeTenant(h, 'bad-route');
    await createPage(t, 'Page', 'x\n');
    assertError(await assertUnchanged(t, () => t.api('POST', '/pages/Page')), 405, 'INVALID_INPUT', /POST is not supported/);
    assertError(await t.api('GET', '/nothing-here'), 404, 'INVALID_INPUT', /No route/);
  });
});

void describe('XSS in markdown renders inert', () => {
  void test('script tags, javascript: links, event handlers and SVG scripts never reach the HTML', async () => {
    const t = await makeTenant(h, 'xss');
    const content = [
      '# Title',
      '',
      '<script>alert("script")</script>',
      '',
      '[click](javascript:alert("link"))',
      '',
      '<a href="javascript:alert(\'raw\')">raw link</a>',
      '',
      '<a href="JaVaScRiPt&colon;alert(1)">encoded</a>',
      '',
      '<img src="x" onerror="alert(\'img\')">',
      '',
      '<div onclick="alert(\'div\')" onmouseover="alert(1)">hover</div>',
      '',
      '<svg><script>alert("svg")</script><circle onload="alert(2)"/></svg>',
      '',
      '<iframe src="javascript:alert(3)"></iframe>',
      '',
      '[[Page|<img src=x onerror=alert(4)>]]',
      '',
      '![img](javascript:alert(5))',
      '',
      '<style>body{background:url("javascript:alert(6)")}</style>',
      '',
    ].join('\n');
    await createPage(t, 'Evil', content);
    const res = await t.api('GET', '/pages/Evil?format=html');
    assert.equal(res.status, 200);
    const html = res.json.html ?? '';
    assert.match(html, /Title/, 'the harmless part renders');
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /(href|src|action|xlink:href)\s*=\s*["']?\s*javascript:/i, 'no javascript: URL in an attribute');
    assert.doesNotMatch(html, /<[^>]*\son[a-z]+\s*=/i, 'no event handler attribute');
    assert.doesNotMatch(html, /<svg/i);
    assert.doesNotMatch(html, /<iframe/i);
    assert.doesNotMatch(html, /<style/i);
    assert.doesNotMatch(html, /<[a-z][^>]*javascript:/i, 'javascript: only ever appears as text');
    // The markdown source itself is returned unchanged: the page is data, only its rendering is sanitized.
    assert.equal((await t.api('GET', '/pages/Evil')).json.content, content);
  });
});

void describe('attachment names', () => {
  void test('path traversal in attachment names is 400 INVALID_PATH on upload, download, rename and delete; nothing changes', async () => {
    const t = await makeTenant(h, 'bad-attach');
    await createPage(t, 'Secret', 'secret\n');
    await createPage(t, 'Page', 'x\n');
    await t.api('POST', '/pages/Page/attachments', { body: { filename: 'ok.txt', content_base64: 'b2s=' } });
    for (const name of ['../x', '../../Secret.md', '..', '.hidden', 'a/b', 'a\\b', 'nul\u0000']) {
      const up = await assertUnchanged(t, () => t.api('POST', '/pages/Page/attachments', { body: { filename: name, content_base64: 'eA==' } }));
      assertError(up, 400, 'INVALID_PATH', /Invalid attachment name/);
    }
    for (const encoded of ['%2e%2e%2fx', '..%2Fx', '%2E%2E%2F..%2FSecret.md']) {
      assertError(await t.api('GET', `/pages/Page/attachments/${encoded}`), 400, 'INVALID_PATH', /Invalid attachment name/);
      assertError(await assertUnchanged(t, () => t.api('DELETE', `/pages/Page/attachments/${encoded}`)), 400, 'INVALID_PATH');
      assertError(await assertUnchanged(t, () => t.api('POST', `/pages/Page/attachments/${encoded}/rename`, { body: { new_filename: 'y.txt' } })), 400, 'INVALID_PATH');
    }
    const rename = await assertUnchanged(t, () => t.api('POST', '/pages/Page/attachments/ok.txt/rename', { body: { new_filename: '../../escape.txt' } }));
    assertError(rename, 400, 'INVALID_PATH');
    const raw = await assertUnchanged(t, () => t.api('POST', '/pages/Page/attachments?filename=..%2F..%2FSecret.md', { body: Buffer.from('x'), headers: { 'content-type': 'application/octet-stream' } }));
    assertError(raw, 400, 'INVALID_PATH');
    assert.equal((await t.api('GET', '/pages/Secret')).json.content, 'secret\n');
  });
});
