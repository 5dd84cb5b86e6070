// 32 concurrent writers over real HTTP: half to their own pages, half sharing 8 pages with stale revisions. No write
// fails except true overlapping conflicts (exactly one per shared page, by design), every acknowledged write is in
// `git log` with its content, and the repository is sound.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { commitIds, createPage, git, makeTenant, showFile, startServer, type TestResponse, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

const WRITES = 6;
const SHARED_PAGES = 8;

/** A shared page: a title line, then one line per writer separated by context lines, so their edits never overlap. */
function sharedText(title: string, lines: [string, string]): string {
  return `# ${title}\n\nctx a\nctx b\nctx c\n\n${lines[0]}\n\nctx d\nctx e\nctx f\n\n${lines[1]}\n\nctx g\nctx h\nctx i\n`;
}

/** Many `<rev>:<path>` files read with one `git cat-file --batch` (null for a missing one). */
function readFiles(repoDir: string, specs: string[]): Array<string | null> {
  const out = execFileSync('git', ['cat-file', '--batch'], { cwd: repoDir, input: specs.join('\n') + '\n', maxBuffer: 256 * 1024 * 1024 });
  const files: Array<string | null> = [];
  let at = 0;
  for (let i = 0; i < specs.length; i++) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    const size = /^[0-9a-f]{40} blob (\d+)$/.exec(header)?.[1];
    if (size === undefined) {
      files.push(null);
      continue;
    }
    files.push(out.subarray(at, at + Number(size)).toString('utf8'));
    at += Number(size) + 1;
  }
  return files;
}

interface Ack {
  page: string;
  marker: string;
  res: TestResponse;
}

void test('32 concurrent writers: nothing lost, conflicts only where edits truly overlap', { timeout: 60_000 }, async () => {
  const t = await makeTenant(h, 'concurrent');
  const initial: string[] = [];
  for (let p = 0; p < SHARED_PAGES; p++) initial.push(await createPage(t, `Shared/P${p}`, sharedText(`P${p}`, ['line-0 original', 'line-1 original'])));
  const commitsBefore = commitIds(t).length;

  const acks: Ack[] = [];
  const failures: TestResponse[] = [];
  const conflicts: Array<{ page: string; res: TestResponse }> = [];

  const distinctWriter = async (w: number) => {
    const page = `Solo/W${w}`;
    let revision: string | undefined;
    for (let i = 0; i < WRITES; i++) {
      const marker = `solo-${w}-${i}`;
      const res = await t.api('PUT', `/pages/${page}`, { body: { content: `# W${w}\n\n${marker}\n`, ...(revision ? { revision } : {}) } });
      if (res.status >= 200 && res.status < 300) {
        acks.push({ page, marker, res });
        revision = res.json.revision;
      } else failures.push(res);
    }
  };

  const sharedWriter = async (w: number) => {
    const p = w % SHARED_PAGES;
    const slot = w < SHARED_PAGES ? 0 : 1;
    const page = `Shared/P${p}`;
    const start = initial[p]!;
    let revision = start;
    // What this writer last saw of the page: a client edits the text it read, not its own idea of the page.
    let seen = sharedText(`P${p}`, ['line-0 original', 'line-1 original']);
    for (let i = 0; i < WRITES; i++) {
      const marker = `line-${slot} by writer ${w} write ${i}`;
      const content = seen.replace(new RegExp(`^line-${slot} .*$`, 'm'), marker);
      // Based on this writer's last revision, which is stale whenever its partner wrote since.
      const res = await t.api('PUT', `/pages/${page}`, { body: { content, revision } });
      if (res.status === 200) {
        acks.push({ page, marker, res });
        revision = res.json.revision!;
        seen = res.json.merged ? ((await t.api('GET', `/pages/${page}?revision=${revision}`)).json.content ?? '') : content;
      } else failures.push(res);
    }
    // Both partners now retitle the page from the page's first revision: the second of the two truly overlaps.
    const title = `P${p} titled by ${w}`;
    const original = sharedText(`P${p}`, ['line-0 original', 'line-1 original']);
    const res = await t.api('PUT', `/pages/${page}`, { body: { content: original.replace(`# P${p}`, `# ${title}`), revision: start } });
    if (res.status === 200) acks.push({ page, marker: `# ${title}`, res });
    else if (res.status === 409) conflicts.push({ page, res });
    else failures.push(res);
  };

  const started = Date.now();
  await Promise.all([
    ...Array.from({ length: 16 }, (_, w) => distinctWriter(w)),
    ...Array.from({ length: 16 }, (_, w) => sharedWriter(w)),
  ]);
  const elapsed = Date.now() - started;

  assert.deepEqual(
    failures.map((f) => `${f.status} ${f.text}`),
    [],
    'no write failed',
  );
  // Exactly one retitle per shared page lost the race, and it says what the page is now.
  assert.deepEqual(conflicts.map((c) => c.page).sort(), Array.from({ length: SHARED_PAGES }, (_, p) => `Shared/P${p}`).sort());
  const history = new Set(commitIds(t));
  for (const c of conflicts) {
    assert.equal(c.res.json.error, 'REVISION_CONFLICT');
    assert.ok(history.has(c.res.json.current_revision ?? ''), 'current_revision is a real commit');
  }
  // Every acknowledged write is a commit on main whose file holds what was written (merged with the rest).
  assert.equal(acks.length, 16 * WRITES + 16 * WRITES + SHARED_PAGES);
  const files = readFiles(t.repoDir, acks.map((a) => `${a.res.json.revision ?? ''}:${a.page}.md`));
  acks.forEach((ack, i) => {
    const oid = ack.res.json.revision ?? '';
    assert.ok(history.has(oid), `${ack.page} ${ack.marker}: ${oid} is not in git log`);
    assert.ok((files[i] ?? '').includes(ack.marker), `${ack.marker} missing from ${oid}`);
  });
  assert.equal(history.size, commitsBefore + acks.length, 'one commit per acknowledged write');
  // The final state keeps every writer's last change.
  for (let w = 0; w < 16; w++) assert.equal(showFile(t, `Solo/W${w}.md`), `# W${w}\n\nsolo-${w}-${WRITES - 1}\n`);
  for (let p = 0; p < SHARED_PAGES; p++) {
    const text = showFile(t, `Shared/P${p}.md`) ?? '';
    assert.ok(text.includes(`line-0 by writer ${p} write ${WRITES - 1}`), text);
    assert.ok(text.includes(`line-1 by writer ${p + SHARED_PAGES} write ${WRITES - 1}`), text);
    assert.match(text, new RegExp(`^# P${p} titled by (${p}|${p + SHARED_PAGES})\\n`));
  }
  // The index agrees with git: every page reads back as its file.
  const solo = await t.api('GET', '/pages/Solo/W3');
  assert.equal(solo.json.content, showFile(t, 'Solo/W3.md'));
  assert.equal(git(t.repoDir, 'fsck', '--strict', '--no-dangling', '--no-progress'), '');
  const rate = (acks.length / elapsed) * 1000;
  console.log(`# concurrency: ${acks.length} acknowledged writes, ${conflicts.length} conflicts in ${elapsed} ms (${rate.toFixed(0)} commits/s)`);
});
