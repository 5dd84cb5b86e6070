/**
 * A push racing REST writes: a push whose base moved loses cleanly (the client is told to fetch first) and succeeds
 * after a pull; REST writes that meet a push retry on their own. Nothing acknowledged on either side is lost, the
 * index equals the repository, and the repository passes `git fsck`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gitClient, makeGitTenant, remoteUrl } from './git-http-support.js';
import { startServer, uniqueName } from './harness.js';

void test('a push racing REST writes: both sides succeed or fail cleanly, nothing is lost', { timeout: 25_000 }, async () => {
  const h = await startServer();
  const client = gitClient();
  let writing = true;
  let writers: Promise<void>[] = [];
  try {
    const t = await makeGitTenant(h.services, uniqueName('race'));
    const repoDir = join(h.dataDir, 'repos', t.owner, `${t.slug}.git`);
    const dir = join(client.dir, 'work');
    await client.ok(['clone', '-q', remoteUrl(h.url, t.owner, t.slug, t.writeToken), dir]);
    mkdirSync(join(dir, 'Pushed'));

    // Deterministic first: a REST write after the clone makes the next push lose, exactly as git users expect.
    await h.request('PUT', `/api/v1/wikis/${t.owner}/${t.slug}/pages/Rest/Before`, { token: t.writeToken, body: { content: 'before\n' } });
    writeFileSync(join(dir, 'Pushed', 'First.md'), 'first\n');
    await client.ok(['add', '-A'], { cwd: dir });
    await client.ok(['commit', '-q', '-m', 'first'], { cwd: dir });
    const lost = await client.run(['push', 'origin', 'main'], { cwd: dir });
    assert.notEqual(lost.code, 0);
    assert.match(lost.stderr, /\[rejected\]\s+main -> main \(fetch first\)/);
    await client.ok(['pull', '-q', '--rebase'], { cwd: dir });
    await client.ok(['push', '-q', 'origin', 'main'], { cwd: dir });

    const restWritten: string[] = [];
    const restFailures: string[] = [];
    writers = Array.from({ length: 2 }, async (_, w) => {
      for (let i = 0; writing || i < 5; i++) {
        const path = `Rest/W${w}_${i}`;
        const res = await h.request('PUT', `/api/v1/wikis/${t.owner}/${t.slug}/pages/${path}`, {
          token: t.writeToken,
          body: { content: `rest ${w} ${i}\n` },
        });
        if (res.status === 201) restWritten.push(path);
        else restFailures.push(`${path}: ${res.status} ${res.text}`);
        // People and assistants pause between writes; against a wiki written several times a second a push keeps
        // losing the race (fetch first), as it would on any git server.
        await new Promise((resolve) => setTimeout(resolve, 350 + 200 * w));
      }
    });

    const pushed: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < 3; k++) {
        const name = `Pushed/R${round}_${k}`;
        writeFileSync(join(dir, `${name}.md`), `pushed ${round} ${k}\n`);
        pushed.push(name);
      }
      await client.ok(['add', '-A'], { cwd: dir });
      await client.ok(['commit', '-q', '-m', `round ${round}`], { cwd: dir });
      for (let attempt = 0; ; attempt++) {
        const r = await client.run(['push', 'origin', 'main'], { cwd: dir });
        if (r.code === 0) break;
        // Losing a race is the ordinary git experience: "fetch first" from the client, or our hook's own words.
        assert.match(r.stderr, /fetch first|main moved since you fetched|non-fast-forward|failed to update ref|cannot lock ref/, r.stderr);
        assert.ok(attempt < 40, 'the push never got through');
        await client.ok(['pull', '-q', '--rebase'], { cwd: dir });
      }
    }
    writing = false;
    await Promise.all(writers);

    assert.deepEqual(restFailures, []);
    const files = new Set((await client.ok(['ls-tree', '-r', '--name-only', 'main'], { cwd: repoDir })).split('\n'));
    for (const p of ['Rest/Before', 'Pushed/First', ...restWritten, ...pushed]) assert.ok(files.has(`${p}.md`), `${p} was lost`);
    for (const p of restWritten) {
      const [, w, i] = /W(\d+)_(\d+)$/.exec(p)!;
      assert.equal(await client.ok(['show', `main:${p}.md`], { cwd: repoDir }), `rest ${w} ${i}`);
    }
    // The index equals the repository: every page git has, the API lists.
    const list = await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/pages?limit=1000`, { token: t.readToken });
    const listed = new Set((list.json.pages ?? []).map((p) => `${p.path}.md`));
    assert.deepEqual([...listed].sort(), [...files].filter((f) => f.endsWith('.md')).sort());
    const fsck = await client.run(['fsck', '--strict', '--no-dangling'], { cwd: repoDir });
    assert.equal(fsck.code, 0, fsck.stderr);
    assert.ok(restWritten.length >= 8, `only ${restWritten.length} REST writes`);
  } finally {
    writing = false;
    await Promise.allSettled(writers);
    client.close();
    await h.close();
  }
});
