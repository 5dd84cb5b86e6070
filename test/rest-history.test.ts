// REST history over real HTTP: page history following renames, diffs, blame, reverting a commit, recent changes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertError, assertUnchanged, commitIds, createPage, git, makeTenant, showFile, startServer, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

void test('history lists the commits that changed a page, newest first, following a rename', async () => {
  const t = await makeTenant(h, 'hist-rename');
  const r1 = await createPage(t, 'First', 'v1\n');
  const r2 = (await t.api('PUT', '/pages/First', { body: { content: 'v2\n', revision: r1, commit_message: 'second version' } })).json.revision!;
  await createPage(t, 'Unrelated', 'x\n');
  const ren = await t.api('POST', '/pages/First/rename', { body: { new_path: 'Second' } });
  assert.equal(ren.status, 200);
  const r4 = (await t.api('PUT', '/pages/Second', { body: { content: 'v3\n', revision: ren.json.revision } })).json.revision!;

  const res = await t.api('GET', '/pages/Second/history');
  assert.equal(res.status, 200);
  const entries = res.json.entries ?? [];
  assert.deepEqual(
    entries.map((e) => [e.oid, e.path, e.status]),
    [
      [r4, 'Second', 'M'],
      [ren.json.revision, 'Second', 'R'],
      [r2, 'First', 'M'],
      [r1, 'First', 'A'],
    ],
  );
  assert.equal(entries[2]?.message, '[api] second version');
  assert.equal(entries[2]?.author_name, 'hist-rename');
  assert.equal(entries[1]?.old_path, 'First');
  const limited = await t.api('GET', '/pages/Second/history?limit=1&offset=1');
  assert.deepEqual(
    limited.json.entries?.map((e) => e.oid),
    [ren.json.revision],
  );
});

void test('diff shows the change between two revisions', async () => {
  const t = await makeTenant(h, 'hist-diff');
  const r1 = await createPage(t, 'Page', 'line one\nline two\nline three\n');
  const r2 = (await t.api('PUT', '/pages/Page', { body: { content: 'line one\nline 2\nline three\nline four\n', revision: r1 } })).json.revision!;
  const res = await t.api('GET', `/pages/Page/diff?from=${r1.slice(0, 7)}&to=${r2}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.from, r1);
  assert.equal(res.json.to, r2);
  assert.match(res.json.diff ?? '', /^-line two$/m);
  assert.match(res.json.diff ?? '', /^\+line 2$/m);
  assert.match(res.json.diff ?? '', /^\+line four$/m);
  assert.deepEqual(res.json.stats, { added: 2, removed: 1 });
  const toCurrent = await t.api('GET', `/pages/Page/diff?from=${r1}`);
  assert.equal(toCurrent.json.to, r2);
  assertError(await t.api('GET', '/pages/Page/diff'), 400, 'INVALID_INPUT', /from/);
});

void test('blame gives each line its commit, author, date and message', async () => {
  const t = await makeTenant(h, 'hist-blame');
  const r1 = await createPage(t, 'Page', 'kept line\nold line\n');
  const r2 = (await t.api('PUT', '/pages/Page', { body: { content: 'kept line\nnew line\n', revision: r1, commit_message: 'fix line two' } })).json.revision!;
  const res = await t.api('GET', '/pages/Page/blame');
  assert.equal(res.status, 200);
  const lines = res.json.lines ?? [];
  assert.deepEqual(
    lines.map((l) => [l.line, l.content, l.commit, l.author_name, l.summary]),
    [
      [1, 'kept line', r1, 'hist-blame', '[api] Create: Page'],
      [2, 'new line', r2, 'hist-blame', '[api] fix line two'],
    ],
  );
  assert.ok(!Number.isNaN(Date.parse(lines[0]?.date ?? '')), 'an ISO date');
  assert.equal(lines[0]?.author_email, 'hist-blame@example.test');
  const old = await t.api('GET', `/pages/Page/blame?revision=${r1}`);
  assert.deepEqual(
    old.json.lines?.map((l) => l.content),
    ['kept line', 'old line'],
  );
});

void test('revert undoes one commit with one new commit', async () => {
  const t = await makeTenant(h, 'hist-revert');
  const r1 = await createPage(t, 'Page', 'good\n');
  const bad = (await t.api('PUT', '/pages/Page', { body: { content: 'vandalized\n', revision: r1 } })).json.revision!;
  await createPage(t, 'Other', 'unrelated\n');
  const before = commitIds(t).length;
  const res = await t.api('POST', '/revert', { body: { commit: bad.slice(0, 8) } });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.reverted, bad);
  assert.deepEqual(res.json.files, ['Page.md']);
  assert.equal(commitIds(t).length, before + 1);
  assert.equal(showFile(t, 'Page.md'), 'good\n');
  assert.equal(showFile(t, 'Other.md'), 'unrelated\n');
  assert.match(git(t.repoDir, 'log', '-1', '--format=%B'), new RegExp(`^\\[api\\] Revert "Update: Page"[\\s\\S]*This reverts commit ${bad}`));
  // Reverting it again finds nothing to undo, and changes nothing.
  const again = await assertUnchanged(t, () => t.api('POST', '/revert', { body: { commit: bad } }));
  assertError(again, 409, 'NOTHING_TO_REVERT');
});

void test('recent changes list commit, author, date, message and the pages touched', async () => {
  const t = await makeTenant(h, 'hist-changes');
  await createPage(t, 'A', 'a\n');
  await createPage(t, 'B', 'b [[A]]\n');
  const ren = await t.api('POST', '/pages/A/rename', { body: { new_path: 'C', commit_message: 'rename A' } });
  assert.equal(ren.status, 200);
  const res = await t.api('GET', '/changes?limit=3');
  assert.equal(res.status, 200);
  const changes = res.json.changes ?? [];
  assert.equal(changes.length, 3);
  const [latest, second] = changes;
  assert.equal(latest?.oid, t.head());
  assert.equal(latest?.message, '[api] rename A');
  assert.equal(latest?.author_name, 'hist-changes');
  assert.equal(latest?.author_email, 'hist-changes@example.test');
  assert.ok(!Number.isNaN(Date.parse(latest?.date ?? '')));
  assert.deepEqual(
    [...(latest?.pages ?? [])].sort((a, b) => a.path.localeCompare(b.path)),
    [
      { path: 'B', kind: 'page', status: 'M', old_path: null },
      { path: 'C', kind: 'page', status: 'R', old_path: 'A' },
    ],
  );
  assert.deepEqual(second?.pages, [{ path: 'B', kind: 'page', status: 'A', old_path: null }]);
  const since = await t.api('GET', `/changes?since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
  assert.deepEqual(since.json.changes, []);
  assertError(await t.api('GET', '/changes?since=yesterday'), 400, 'INVALID_INPUT', /ISO date/);
});
