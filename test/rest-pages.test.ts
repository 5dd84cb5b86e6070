// REST pages over real HTTP: read (markdown, html, section, revision, case-insensitive redirect), create, update
// with base revisions (rebase, clean merge, conflict), exact-string and section edits, delete and rename.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, assertUnchanged, commitIds, createPage, git, makeTenant, showFile, startServer, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

const threeParagraphs = '# Plan\n\nFirst paragraph line.\n\nSecond paragraph line.\n\nThird paragraph line.\n';

void describe('reading pages', () => {
  void test('create answers 201 and the page reads back as markdown with its revision and last commit', async () => {
    const t = await makeTenant(h, 'read-md');
    const content = '---\ntitle: Alpha Page\ncategory: actor\ntags: [x, y]\n---\n# Alpha\n\nHello [[Home]] and [[Missing Page]].\n';
    const res = await t.api('PUT', '/pages/Notes/Alpha', { body: { content } });
    assert.equal(res.status, 201);
    assert.equal(res.json.created, true);
    assert.equal(res.json.path, 'Notes/Alpha');
    assert.equal(res.json.revision, t.head());

    const read = await t.api('GET', '/pages/Notes/Alpha');
    assert.equal(read.status, 200);
    assert.equal(read.json.content, content);
    assert.equal(read.json.title, 'Alpha Page');
    assert.deepEqual(read.json.frontmatter, { title: 'Alpha Page', category: 'actor', tags: ['x', 'y'] });
    assert.equal(read.json.revision, res.json.revision);
    assert.equal(read.json.last_commit?.oid, res.json.revision);
    assert.equal(read.json.last_commit?.author_name, 'read-md');
    assert.equal(read.json.last_commit?.author_email, 'read-md@example.test');
    assert.equal(read.json.last_commit?.message, '[api] Create: Notes/Alpha');
    assert.deepEqual(
      read.json.links_to?.map((l) => [l.target, l.exists]),
      [
        ['Home', true],
        ['Missing_Page', false],
      ],
    );
    assert.equal(read.json.html, undefined, 'no HTML unless asked for');
    // The commit in git is what the API said: the user as author, the message prefixed [api].
    assert.equal(git(t.repoDir, 'log', '-1', '--format=%an <%ae>|%s'), 'read-md <read-md@example.test>|[api] Create: Notes/Alpha');
  });

  void test('format=html renders sanitized HTML with a table of contents and marks missing link targets', async () => {
    const t = await makeTenant(h, 'read-html');
    await createPage(t, 'Doc', '# Top\n\nSome **bold** text, [[Home]] and [[Nowhere]].\n\n## Sub part\n\n| a | b |\n|---|---|\n| 1 | 2 |\n');
    const res = await t.api('GET', '/pages/Doc?format=html');
    assert.equal(res.status, 200);
    assert.match(res.json.html ?? '', /<strong>bold<\/strong>/);
    assert.match(res.json.html ?? '', /<table>/);
    assert.match(res.json.html ?? '', /href="\/read-html\/notes\/Home"/);
    assert.match(res.json.html ?? '', /Nowhere/);
    assert.deepEqual(
      res.json.toc?.map((e) => [e.level, e.text]),
      [
        [1, 'Top'],
        [2, 'Sub part'],
      ],
    );
  });

  void test('section returns just that section, addressed by heading path', async () => {
    const t = await makeTenant(h, 'read-section');
    await createPage(t, 'Report', '# Report\n\nIntro.\n\n## Background\n\nOld times.\n\n### Military Strategy\n\nFlank them.\n\n## Outlook\n\nBright.\n');
    const res = await t.api('GET', `/pages/Report?section=${encodeURIComponent('Background > Military Strategy')}`);
    assert.equal(res.status, 200);
    assert.match(res.json.content ?? '', /Flank them\./);
    assert.doesNotMatch(res.json.content ?? '', /Bright|Intro/);
    assert.equal(res.json.section, 'Background > Military Strategy');
    const missing = await t.api('GET', '/pages/Report?section=Nope');
    assertError(missing, 404, 'SECTION_NOT_FOUND');
  });

  void test('an older revision reads back by full id and by 7-character prefix', async () => {
    const t = await makeTenant(h, 'read-rev');
    const r1 = await createPage(t, 'Page', 'version one\n');
    const up = await t.api('PUT', '/pages/Page', { body: { content: 'version two\n', revision: r1 } });
    assert.equal(up.status, 200);
    for (const rev of [r1, r1.slice(0, 7)]) {
      const res = await t.api('GET', `/pages/Page?revision=${rev}`);
      assert.equal(res.status, 200);
      assert.equal(res.json.content, 'version one\n');
      assert.equal(res.json.revision, r1);
      assert.equal(res.json.current_revision, up.json.revision);
    }
    const now = await t.api('GET', '/pages/Page');
    assert.equal(now.json.content, 'version two\n');
  });

  void test('lookup ignores case and underscores-vs-spaces, answering 301 to the stored spelling', async () => {
    const t = await makeTenant(h, 'read-case');
    await createPage(t, 'Actors/Iran_Regime', 'x\n');
    const res = await t.api('GET', '/pages/actors/IRAN%20regime?format=html');
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), `${t.base}/pages/Actors/Iran_Regime?format=html`);
    assert.equal(res.json.path, 'Actors/Iran_Regime');
    const spaced = await t.api('GET', '/pages/Actors/Iran%20Regime');
    assert.equal(spaced.status, 301, 'a space is the same character as _; URLs use _');
    assert.equal(spaced.headers.get('location'), `${t.base}/pages/Actors/Iran_Regime`);
    const exact = await t.api('GET', '/pages/Actors/Iran_Regime');
    assert.equal(exact.status, 200);
    assert.equal(exact.json.path, 'Actors/Iran_Regime');
  });

  void test('a missing page is 404 PAGE_NOT_FOUND with suggestions', async () => {
    const t = await makeTenant(h, 'read-missing');
    await createPage(t, 'Actors/Iran', 'x\n');
    const res = await t.api('GET', '/pages/Actors/Irann');
    assertError(res, 404, 'PAGE_NOT_FOUND', /Actors\/Irann/);
    assert.deepEqual(res.json.data?.suggestions, ['Actors/Iran']);
  });
});

void describe('writing pages', () => {
  void test('update with the current revision answers 200 and commits once', async () => {
    const t = await makeTenant(h, 'write-update');
    const r1 = await createPage(t, 'Page', 'one\n');
    const before = commitIds(t).length;
    const res = await t.api('PUT', '/pages/Page', { body: { content: 'two\n', revision: r1, commit_message: 'Say two' } });
    assert.equal(res.status, 200);
    assert.equal(res.json.created, false);
    assert.equal(res.json.changed, true);
    assert.equal(res.json.merged, false);
    assert.equal(commitIds(t).length, before + 1);
    assert.equal(git(t.repoDir, 'log', '-1', '--format=%s'), '[api] Say two');
    assert.equal(showFile(t, 'Page.md'), 'two\n');
  });

  void test('writing the same content again commits nothing', async () => {
    const t = await makeTenant(h, 'write-same');
    const r1 = await createPage(t, 'Page', 'same\n');
    const res = await assertUnchanged(t, () => t.api('PUT', '/pages/Page', { body: { content: 'same\n', revision: r1 } }));
    assert.equal(res.status, 200);
    assert.equal(res.json.changed, false);
    assert.equal(res.json.revision, r1);
  });

  void test('a write whose revision predates changes to other pages is rebased and keeps both', async () => {
    const t = await makeTenant(h, 'write-rebase');
    const rA = await createPage(t, 'A', 'a1\n');
    await createPage(t, 'B', 'b1\n');
    const res = await t.api('PUT', '/pages/A', { body: { content: 'a2\n', revision: rA } });
    assert.equal(res.status, 200);
    assert.equal(showFile(t, 'A.md'), 'a2\n');
    assert.equal(showFile(t, 'B.md'), 'b1\n');
    assert.equal(git(t.repoDir, 'rev-parse', 'main~1'), commitIds(t)[1]);
  });

  void test('a stale write to the same page that does not overlap is merged (merged: true)', async () => {
    const t = await makeTenant(h, 'write-merge');
    const r1 = await createPage(t, 'Plan', threeParagraphs);
    const other = await t.api('PUT', '/pages/Plan', { body: { content: threeParagraphs.replace('First', 'FIRST'), revision: r1 } });
    assert.equal(other.status, 200);
    const mine = await t.api('PUT', '/pages/Plan', { body: { content: threeParagraphs.replace('Third', 'THIRD'), revision: r1 } });
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.json.merged, true);
    const text = showFile(t, 'Plan.md') ?? '';
    assert.match(text, /FIRST paragraph/);
    assert.match(text, /THIRD paragraph/);
  });

  void test('a stale write that overlaps is refused with 409 and the current revision, and nothing changes', async () => {
    const t = await makeTenant(h, 'write-conflict');
    const r1 = await createPage(t, 'Plan', threeParagraphs);
    const other = await t.api('PUT', '/pages/Plan', { body: { content: threeParagraphs.replace('First paragraph', 'Theirs'), revision: r1 } });
    const res = await assertUnchanged(t, () => t.api('PUT', '/pages/Plan', { body: { content: threeParagraphs.replace('First paragraph', 'Mine'), revision: r1 } }));
    assertError(res, 409, 'REVISION_CONFLICT', /changed since revision/);
    assert.equal(res.json.current_revision, other.json.revision);
    assert.match(showFile(t, 'Plan.md') ?? '', /Theirs/);
  });

  void test('creating a page that exists without a revision is a 409 conflict with the current revision', async () => {
    const t = await makeTenant(h, 'write-exists');
    const r1 = await createPage(t, 'Page', 'original\n');
    const res = await assertUnchanged(t, () => t.api('PUT', '/pages/page', { body: { content: 'clobber\n' } }));
    assertError(res, 409, 'REVISION_CONFLICT', /already exists/);
    assert.equal(res.json.current_revision, r1);
    assert.equal(showFile(t, 'Page.md'), 'original\n');
  });
});

void describe('edits', () => {
  void test('PATCH replaces one exact, unique string', async () => {
    const t = await makeTenant(h, 'edit-exact');
    const r1 = await createPage(t, 'Page', 'alpha beta gamma\n');
    const res = await t.api('PATCH', '/pages/Page', { body: { revision: r1, old_string: 'beta', new_string: 'BETA' } });
    assert.equal(res.status, 200);
    assert.equal(showFile(t, 'Page.md'), 'alpha BETA gamma\n');
    assert.equal(git(t.repoDir, 'log', '-1', '--format=%s'), '[api] Update: Page');
  });

  void test('PATCH with a string found 0 or 2 times is refused, saying which, and nothing changes', async () => {
    const t = await makeTenant(h, 'edit-count');
    const r1 = await createPage(t, 'Page', 'dup dup once\n');
    const none = await assertUnchanged(t, () => t.api('PATCH', '/pages/Page', { body: { revision: r1, old_string: 'absent', new_string: 'x' } }));
    assertError(none, 422, 'EDIT_NO_MATCH', /not found/);
    const two = await assertUnchanged(t, () => t.api('PATCH', '/pages/Page', { body: { revision: r1, old_string: 'dup', new_string: 'x' } }));
    assertError(two, 422, 'EDIT_AMBIGUOUS', /occurs 2 times/);
  });

  void test('an edit based on an old revision merges when the change does not overlap', async () => {
    const t = await makeTenant(h, 'edit-old-merge');
    const r1 = await createPage(t, 'Plan', threeParagraphs);
    await t.api('PUT', '/pages/Plan', { body: { content: threeParagraphs.replace('First', 'FIRST'), revision: r1 } });
    const res = await t.api('PATCH', '/pages/Plan', { body: { revision: r1, old_string: 'Third', new_string: 'THIRD' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.merged, true);
    assert.equal(showFile(t, 'Plan.md'), threeParagraphs.replace('First', 'FIRST').replace('Third', 'THIRD'));
  });

  void test('an edit based on an old revision whose text changed since is refused with the current revision', async () => {
    const t = await makeTenant(h, 'edit-old-refused');
    const r1 = await createPage(t, 'Plan', threeParagraphs);
    const other = await t.api('PUT', '/pages/Plan', { body: { content: threeParagraphs.replace('First paragraph', 'Rewritten'), revision: r1 } });
    const res = await assertUnchanged(t, () => t.api('PATCH', '/pages/Plan', { body: { revision: r1, old_string: 'First paragraph', new_string: 'Mine' } }));
    assertError(res, 409, 'REVISION_CONFLICT');
    assert.equal(res.json.current_revision, other.json.revision);
  });

  void test('PATCH section replaces, appends to and prepends to one section', async () => {
    const t = await makeTenant(h, 'edit-section');
    let rev = await createPage(t, 'Doc', '# Doc\n\n## A\n\nalpha\n\n## B\n\nbeta\n');
    const patch = async (mode: string, content: string) => {
      const res = await t.api('PATCH', '/pages/Doc', { body: { revision: rev, section: 'B', mode, content } });
      assert.equal(res.status, 200, res.text);
      rev = res.json.revision ?? '';
      return showFile(t, 'Doc.md') ?? '';
    };
    assert.match(await patch('replace', 'gamma\n'), /## B\n\ngamma\n/);
    const appended = await patch('append', 'after\n');
    assert.ok(appended.indexOf('after') > appended.indexOf('gamma'));
    const prepended = await patch('prepend', 'first\n');
    assert.ok(prepended.indexOf('first') < prepended.indexOf('gamma'));
    assert.ok(prepended.indexOf('first') > prepended.indexOf('## B'));
    assert.match(prepended, /## A\n\nalpha\n/, 'other sections untouched');
  });
});

void describe('delete and rename', () => {
  void test('DELETE removes the page in one commit; reading it afterwards is 404', async () => {
    const t = await makeTenant(h, 'delete-page');
    await createPage(t, 'Gone', 'bye\n');
    const before = commitIds(t).length;
    const res = await t.api('DELETE', '/pages/Gone');
    assert.equal(res.status, 200);
    assert.equal(commitIds(t).length, before + 1);
    assert.equal(showFile(t, 'Gone.md'), null);
    assert.equal(git(t.repoDir, 'log', '-1', '--format=%s'), '[api] Delete: Gone');
    assertError(await t.api('GET', '/pages/Gone'), 404, 'PAGE_NOT_FOUND');
  });

  void test('DELETE with a stale revision is refused and nothing changes', async () => {
    const t = await makeTenant(h, 'delete-stale');
    const r1 = await createPage(t, 'Page', 'one\n');
    await t.api('PUT', '/pages/Page', { body: { content: 'two\n', revision: r1 } });
    const res = await assertUnchanged(t, () => t.api('DELETE', `/pages/Page?revision=${r1}`));
    assertError(res, 409, 'REVISION_CONFLICT');
  });

  void test('rename moves the page and its attachments and rewrites every link form, in one commit', async () => {
    const t = await makeTenant(h, 'rename-links');
    await createPage(t, 'Old', '# Old\n\nThe page.\n');
    const up = await t.api('POST', '/pages/Old/attachments', { body: { filename: 'data.txt', content_base64: Buffer.from('payload').toString('base64') } });
    assert.equal(up.status, 201);
    await createPage(t, 'L1', 'See [[Old]].\n');
    await createPage(t, 'L2', 'See [[Old|the old page]].\n');
    await createPage(t, 'L3', 'See [[Old#Old]].\n');
    await createPage(t, 'L4', `See [text](/${t.owner}/${t.slug}/Old).\n`);
    const before = commitIds(t);
    const res = await t.api('POST', '/pages/Old/rename', { body: { new_path: 'Archive/New' } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([...(res.json.rewritten ?? [])].sort(), ['L1', 'L2', 'L3', 'L4']);
    const afterIds = commitIds(t);
    assert.equal(afterIds.length, before.length + 1, 'exactly one new commit');
    assert.equal(afterIds[1], before[0]);
    assert.equal(showFile(t, 'L1.md'), 'See [[Archive/New]].\n');
    assert.equal(showFile(t, 'L2.md'), 'See [[Archive/New|the old page]].\n');
    assert.equal(showFile(t, 'L3.md'), 'See [[Archive/New#Old]].\n');
    assert.equal(showFile(t, 'L4.md'), `See [text](/${t.owner}/${t.slug}/Archive/New).\n`);
    assert.equal(showFile(t, 'Old.md'), null);
    assert.equal(showFile(t, 'Archive/New.md'), '# Old\n\nThe page.\n');
    assert.equal(showFile(t, 'Old/data.txt'), null);
    assert.equal(showFile(t, 'Archive/New/data.txt'), 'payload');
    // The commit touched exactly those files.
    const files = git(t.repoDir, 'show', '--no-renames', '--name-only', '--format=', 'main').split('\n').sort();
    assert.deepEqual(files, ['Archive/New.md', 'Archive/New/data.txt', 'L1.md', 'L2.md', 'L3.md', 'L4.md', 'Old.md', 'Old/data.txt']);
    assertError(await t.api('GET', '/pages/Old'), 404, 'PAGE_NOT_FOUND');
    const links = await t.api('GET', '/links/Archive/New');
    assert.deepEqual([...(links.json.linked_from ?? [])].sort(), ['L1', 'L2', 'L3', 'L4']);
  });

  void test('renaming onto an existing page is 409 PAGE_EXISTS and nothing changes', async () => {
    const t = await makeTenant(h, 'rename-clash');
    await createPage(t, 'One', '1\n');
    await createPage(t, 'Two', '2\n');
    const res = await assertUnchanged(t, () => t.api('POST', '/pages/One/rename', { body: { new_path: 'two' } }));
    assertError(res, 409, 'PAGE_EXISTS', /already exists/);
    assert.equal(showFile(t, 'One.md'), '1\n');
  });
});

void test('health checks and the OpenAPI document answer without a token', async () => {
  assert.deepEqual((await h.request('GET', '/healthz')).json, { status: 'ok' });
  assert.deepEqual((await h.request('GET', '/readyz')).json, { status: 'ready' });
  const doc = await h.request('GET', '/api/v1/openapi.json');
  assert.equal(doc.status, 200);
  assert.equal(doc.json.openapi, '3.1.0');
  assert.ok(doc.json.paths?.['/api/v1/wikis/{owner}/{wiki}/pages/{path}']?.put);
  const res = await h.request('GET', '/x-request-id-check', { headers: { 'x-request-id': 'abc-123' } });
  assert.equal(res.headers.get('x-request-id'), 'abc-123');
});
