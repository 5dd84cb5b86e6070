/**
 * Push fairness: against three REST writers at about 10 writes a second each, `git pull --rebase && git push` gets
 * through in a try or two: once a push has been shown the refs, in-process writes wait for it, and a client that git
 * turned away ("fetch first") has its next pull held for too, up to its push (see adapters/git-http/push-reservations.ts).
 * Nothing acknowledged on either side is lost and the writers never fail.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { WikiRuntime } from '../src/usecases/runtime.js';
import { gitClient, makeGitTenant, remoteUrl } from './git-http-support.js';
import { startServer, uniqueName } from './harness.js';

void test('a push succeeds against 3 writers at ~10 writes/s each, and nothing is lost', { timeout: 60_000 }, async () => {
  const h = await startServer();
  const client = gitClient();
  let writing = true;
  let writers: Promise<void>[] = [];
  try {
    const t = await makeGitTenant(h.services, uniqueName('fair'));
    const repoDir = join(h.dataDir, 'repos', t.owner, `${t.slug}.git`);
    const dir = join(client.dir, 'work');
    await client.ok(['clone', '-q', remoteUrl(h.url, t.owner, t.slug, t.writeToken), dir]);
    mkdirSync(join(dir, 'Pushed'));

    const written: string[] = [];
    const failures: string[] = [];
    writers = Array.from({ length: 3 }, async (_, w) => {
      for (let i = 0; writing; i++) {
        const path = `Rest/W${w}_${i}`;
        const res = await h.request('PUT', `/api/v1/wikis/${t.owner}/${t.slug}/pages/${path}`, { token: t.writeToken, body: { content: `rest ${w} ${i}\n` } });
        if (res.status === 201) written.push(path);
        else failures.push(`${path}: ${res.status} ${res.text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const began = performance.now();

    const pushed: string[] = [];
    const attempts: number[] = [];
    const pushMs: number[] = [];
    for (let round = 0; round < 5; round++) {
      const name = `Pushed/R${round}`;
      writeFileSync(join(dir, `${name}.md`), `pushed ${round}\n`);
      pushed.push(name);
      await client.ok(['add', '-A'], { cwd: dir });
      await client.ok(['commit', '-q', '-m', `round ${round}`], { cwd: dir });
      for (let attempt = 1; ; attempt++) {
        // The writers moved main since the last fetch: pull first, as a git user would.
        await client.ok(['pull', '-q', '--rebase'], { cwd: dir });
        const started = performance.now();
        const r = await client.run(['push', 'origin', 'main'], { cwd: dir });
        if (r.code === 0) {
          attempts.push(attempt);
          pushMs.push(performance.now() - started);
          break;
        }
        assert.match(r.stderr, /fetch first|main moved since you fetched|non-fast-forward/, r.stderr);
        assert.ok(attempt < 8, `the push lost ${attempt} races in a row`);
      }
    }
    const elapsedS = (performance.now() - began) / 1000;
    const during = written.length;
    while (written.length < 30) await new Promise((resolve) => setTimeout(resolve, 50));
    writing = false;
    await Promise.all(writers);

    assert.deepEqual(failures, []);
    // A push can still lose to a write landing between its pull and its push (the client decides "fetch first"
    // from the refs it is shown), but never once it has been shown the refs: a few tries at most, not forever.
    assert.ok(attempts.every((a) => a <= 3), `attempts ${attempts.join(',')}`);
    const files = new Set((await client.ok(['ls-tree', '-r', '--name-only', 'main'], { cwd: repoDir })).split('\n'));
    for (const p of [...written, ...pushed]) assert.ok(files.has(`${p}.md`), `${p} was lost`);
    const list = await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/pages?limit=5000`, { token: t.readToken });
    assert.deepEqual(new Set((list.json.pages ?? []).map((p) => `${p.path}.md`)), new Set([...files].filter((f) => f.endsWith('.md'))));
    const fsck = await client.run(['fsck', '--strict', '--no-dangling'], { cwd: repoDir });
    assert.equal(fsck.code, 0, fsck.stderr);
    const sorted = [...pushMs].sort((a, b) => a - b);
    console.log(
      `push fairness: 5 pushes in ${elapsedS.toFixed(1)} s with ${(during / elapsedS).toFixed(1)} REST writes/s meanwhile; ` +
        `attempts ${attempts.join(',')}; push median ${sorted[2]!.toFixed(0)} ms, max ${sorted[4]!.toFixed(0)} ms; ${written.length} writes in all`,
    );
  } finally {
    writing = false;
    await Promise.allSettled(writers);
    client.close();
    await h.close();
  }
});

void test('a push hold keeps writes back until released or until its bound, which can move', async () => {
  const runtime = new WikiRuntime();
  // A hold's timer does not keep a process alive (a server does); this test must.
  const alive = setInterval(() => undefined, 1000);
  const waited = async () => {
    const started = performance.now();
    await runtime.pushesSettled();
    return performance.now() - started;
  };
  try {
    assert.ok((await waited()) < 5);
    runtime.reservePush(150);
    const bounded = await waited();
    assert.ok(bounded >= 140 && bounded < 400, `waited ${bounded} ms`);
    assert.equal(runtime.pushHoldCount, 0);

    // Two holds: writes wait for both; releasing one, or one twice, does not end the other.
    const a = runtime.reservePush(5000);
    const b = runtime.reservePush(5000);
    const both = waited();
    a.release();
    a.release();
    assert.equal(runtime.pushHoldCount, 1);
    assert.equal(a.released, true);
    setTimeout(() => b.release(), 50);
    const released = await both;
    assert.ok(released >= 40 && released < 1000, `waited ${released} ms`);
    assert.ok((await waited()) < 5);

    // The bound moves both ways; a released hold stays released.
    const c = runtime.reservePush(5000);
    c.until(60);
    const shortened = await waited();
    assert.ok(shortened >= 50 && shortened < 400, `waited ${shortened} ms`);
    c.until(5000);
    assert.equal(runtime.pushHoldCount, 0);
    assert.ok((await waited()) < 5);
    const d = runtime.reservePush(30);
    d.until(200);
    const lengthened = await waited();
    assert.ok(lengthened >= 190 && lengthened < 600, `waited ${lengthened} ms`);
  } finally {
    clearInterval(alive);
  }
});
