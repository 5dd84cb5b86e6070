/** GitRepo against real git: commits, reads, history, blame, merges, compare-and-swap and bad input. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { isWikiError } from '../errors.js';
import { RefConflictError, type Repo, type TreeEdit } from './repo-store.js';
import { GitRepoStore } from './git-repo-store.js';
import { ALICE, cli, cliCommit, countLooseObjects, withStore } from './git-test-support.js';
import { hashObject } from './objects.js';

const execFileAsync = promisify(execFile);

async function seed(repo: Repo, files: Record<string, string>): Promise<string> {
  const edits: TreeEdit[] = Object.entries(files).map(([path, content]) => ({ path, content }));
  return (await repo.commit({ parent: repo.head(), edits, message: 'seed', author: ALICE })).oid;
}

void test('commits write objects git agrees with, and git fsck --strict is clean', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const first = await repo.commit({
      parent: null,
      edits: [
        { path: 'Home.md', content: '# Home\n' },
        { path: 'Actors/Iran Regime.md', content: 'Tehran ✓\n' },
        { path: 'Actors/Deep/Nested/Page.md', content: 'deep\n' },
        { path: 'Événements/été 2026.md', content: 'ünïcödé\n' },
        { path: 'a.md', content: 'file beside a directory named a\n' },
        { path: 'a/b.md', content: 'in a/\n' },
      ],
      message: 'First commit\n\nWith a body.\n\n\n',
      author: { ...ALICE, date: new Date('2026-11-27T06:50:21Z') },
      committer: { name: 'Wikibot', email: 'bot@example.org', date: new Date('2026-11-27T06:50:22Z') },
    });
    assert.equal(repo.head(), first.oid);
    assert.equal(first.date, '2026-11-27T06:50:21.000Z');
    assert.equal(first.message, 'First commit\n\nWith a body.');
    assert.equal(cli(repo.dir, ['rev-parse', 'main']), first.oid);
    assert.equal(cli(repo.dir, ['rev-parse', 'main^{tree}']), first.tree);
    const raw = cli(repo.dir, ['cat-file', '-p', first.oid]);
    assert.match(raw, /^author Alice Example <alice@example.org> 1795762221 \+0000$/m);
    assert.match(raw, /^committer Wikibot <bot@example.org> 1795762222 \+0000$/m);

    const second = await repo.commit({
      parent: first.oid,
      edits: [
        { path: 'Actors/Iran_Regime.md', from: 'Actors/Iran Regime.md' },
        { path: 'Actors/Deep/Nested/Page.md', delete: true },
        { path: 'Home.md', content: '# Home\n\nSee [[Actors/Iran_Regime]].\n' },
      ],
      message: 'Second',
      author: ALICE,
    });
    const listing = cli(repo.dir, ['ls-tree', '-r', '--name-only', '-z', second.oid]).split('\0').filter(Boolean);
    assert.deepEqual(listing.sort(), ['Actors/Iran_Regime.md', 'Home.md', 'a.md', 'a/b.md', 'Événements/été 2026.md']);
    assert.equal(cli(repo.dir, ['cat-file', '-p', `${second.oid}:Actors/Iran_Regime.md`]), 'Tehran ✓');
    assert.equal(
      cli(repo.dir, ['rev-parse', `${second.oid}:Home.md`]),
      hashObject('blob', Buffer.from('# Home\n\nSee [[Actors/Iran_Regime]].\n')),
    );
    // The emptied directories are gone, not left as empty trees.
    assert.equal(cli(repo.dir, ['ls-tree', '-d', `${second.oid}:Actors`]), '');
    assert.equal(cli(repo.dir, ['fsck', '--strict', '--no-dangling']), '');
    for (const [path, content] of [
      ['Événements/été 2026.md', 'ünïcödé\n'],
      ['a/b.md', 'in a/\n'],
    ] as const) {
      const file = await repo.readFile(second.oid, path);
      assert.equal(file?.content.toString('utf8'), content);
      assert.equal(file?.oid, cli(repo.dir, ['rev-parse', `${second.oid}:${path}`]));
    }
  });
});

void test('commit reports A/M/D/R from the edits; rewriting identical content is no change', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const long = Array.from({ length: 20 }, (_, i) => `line ${i}\n`).join('');
    const base = await seed(repo, { 'A.md': 'a\n', 'B.md': 'b\n', 'C.md': 'c\n', 'Dir/D.md': long });
    const blob = (s: string): string => hashObject('blob', Buffer.from(s));
    const entry = await repo.commit({
      parent: base,
      edits: [
        { path: 'A.md', content: 'a\n' },
        { path: 'B.md', content: 'b2\n' },
        { path: 'C.md', delete: true },
        { path: 'Moved/D.md', from: 'Dir/D.md', content: `${long}one more\n` },
        { path: 'New.md', content: 'first\n' },
        { path: 'New.md', content: 'second\n' },
      ],
      message: 'mixed',
      author: ALICE,
    });
    assert.deepEqual(entry.changes, [
      { status: 'M', path: 'B.md', oldOid: blob('b\n'), newOid: blob('b2\n') },
      { status: 'D', path: 'C.md', oldOid: blob('c\n') },
      { status: 'R', path: 'Moved/D.md', oldPath: 'Dir/D.md', oldOid: blob(long), newOid: blob(`${long}one more\n`) },
      { status: 'A', path: 'New.md', newOid: blob('second\n') },
    ]);
    assert.deepEqual(entry.parents, [base]);
    assert.equal(await repo.readFile(entry.oid, 'Dir/D.md'), null);
    // The log computed by git says the same thing.
    const [logged] = await repo.log(base, entry.oid);
    assert.deepEqual(logged, entry);
  });
});

void test('readFile, readBlob, readCommit, listFiles and resolveCommit', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    assert.equal(repo.head(), null);
    const oid = await seed(repo, {
      'Home.md': 'home\n',
      'Dir/One.md': '1',
      'Dir/Sub/Two.md': '22',
      'Other/Three.md': '333',
    });
    assert.equal(await repo.readFile(oid, 'Missing.md'), null);
    assert.equal(await repo.readFile(oid, 'Dir'), null, 'a directory is not a file');
    assert.equal(await repo.readFile(oid, 'Home.md/x'), null);
    const home = await repo.readFile(oid, 'Home.md');
    assert.ok(home);
    assert.equal((await repo.readBlob(home.oid)).toString(), 'home\n');
    const commit = await repo.readCommit(oid);
    assert.equal(commit.message, 'seed');
    assert.equal(commit.authorEmail, ALICE.email);

    const all = await repo.listFiles(oid);
    assert.deepEqual(
      all.map((f) => [f.path, f.size, f.mode]),
      [
        ['Dir/One.md', 1, '100644'],
        ['Dir/Sub/Two.md', 2, '100644'],
        ['Home.md', 5, '100644'],
        ['Other/Three.md', 3, '100644'],
      ],
    );
    assert.deepEqual(
      (await repo.listFiles(oid, 'Dir', { recursive: false })).map((f) => f.path),
      ['Dir/One.md'],
    );
    assert.deepEqual(
      (await repo.listFiles(oid, 'Dir')).map((f) => f.path),
      ['Dir/One.md', 'Dir/Sub/Two.md'],
    );
    assert.deepEqual(await repo.listFiles(oid, 'Nope'), []);
    assert.deepEqual(await repo.listFiles(oid, 'Home.md'), []);

    assert.equal(await repo.resolveCommit(oid), oid);
    assert.equal(await repo.resolveCommit(oid.slice(0, 7).toUpperCase()), oid);
    assert.equal(await repo.resolveCommit('0'.repeat(40)), null);
    assert.equal(await repo.resolveCommit(home.oid), null, 'a blob is not a commit');
    assert.equal(await repo.resolveCommit('abc'), null, 'too short');
    assert.equal(await repo.resolveCommit('main'), null, 'only hex ids');
    assert.equal(await repo.resolveCommit(`${oid.slice(0, 8)}:Home.md`), null);

    const unknown = 'f'.repeat(40);
    await assert.rejects(repo.readFile(unknown, 'Home.md'), (e) => isWikiError(e, 'REVISION_NOT_FOUND'));
    await assert.rejects(repo.readCommit(home.oid), (e) => isWikiError(e, 'REVISION_NOT_FOUND'));
    await assert.rejects(repo.readCommit('HEAD'), (e) => isWikiError(e, 'REVISION_NOT_FOUND'));
    await assert.rejects(repo.readBlob(commit.tree), (e) => isWikiError(e, 'REPOSITORY_CORRUPT'));
    await assert.rejects(repo.readFile(oid, '../etc/passwd'), (e) => isWikiError(e, 'INVALID_PATH'));
  });
});

void test('32 concurrent readers, with large blobs in the mix, all get their own content', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const files: Record<string, string> = {};
    for (let i = 0; i < 32; i++) files[`Pages/P${i}.md`] = i % 8 === 0 ? `${i}:`.repeat(300_000) : `page ${i}\n`;
    const oid = await seed(repo, files);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(Object.keys(files).map((path) => repo.readFile(oid, path)));
      results.forEach((result, i) => assert.equal(result?.content.toString(), files[`Pages/P${i}.md`]));
    }
  });
});

void test('compare-and-swap: of two commits from the same parent exactly one wins, nothing is lost', async () => {
  await withStore(async (store, root) => {
    const repo = await store.create('alice', 'wiki');
    const base = await seed(repo, { 'Home.md': 'home\n' });
    // A second store on the same directory plays the part of another server process.
    const other = new GitRepoStore({ root });
    try {
      const repo2 = other.open('alice', 'wiki');
      const attempts = Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? repo : repo2).commit({
          parent: base,
          edits: [{ path: `Writer${i}.md`, content: `${i}\n` }],
          message: `writer ${i}`,
          author: ALICE,
        }),
      );
      const settled = await Promise.allSettled(attempts);
      const won = settled.filter((s) => s.status === 'fulfilled');
      const lost = settled.filter((s) => s.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal(lost.length, 9);
      for (const loss of lost) assert.ok(loss.reason instanceof RefConflictError);
      const winner = won[0]!.value;
      assert.equal(repo.head(), winner.oid);
      assert.equal(repo2.head(), winner.oid);
      // The losers retry on the new head and their work lands too.
      let head = winner.oid;
      for (let i = 0; i < 10; i++) {
        const path = `Writer${i}.md`;
        if (winner.changes[0]?.path === path) continue;
        head = (
          await repo2.commit({ parent: head, edits: [{ path, content: `${i}\n` }], message: 'retry', author: ALICE })
        ).oid;
      }
      const listed = (await repo.listFiles(head)).map((f) => f.path);
      assert.equal(listed.length, 11);
      assert.equal(cli(repo.dir, ['fsck', '--strict', '--no-dangling']), '');
    } finally {
      await other.close();
    }
  });
});

void test('a stale parent is refused with RefConflictError naming the actual head', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const base = await seed(repo, { 'Home.md': 'home\n' });
    const next = await seed(repo, { 'Home.md': 'home 2\n' });
    await assert.rejects(
      repo.commit({ parent: base, edits: [{ path: 'X.md', content: 'x' }], message: 'stale', author: ALICE }),
      (e) => e instanceof RefConflictError && e.expected === base && e.actual === next,
    );
    await assert.rejects(
      repo.commit({ parent: null, edits: [{ path: 'X.md', content: 'x' }], message: 'stale', author: ALICE }),
      (e) => e instanceof RefConflictError && e.expected === null && e.actual === next,
    );
    assert.equal(repo.head(), next);
  });
});

void test('commits made with the git CLI behind the store are seen, also once refs are packed', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const mine = await seed(repo, { 'Home.md': 'home\n' });
    assert.equal((await repo.readFile(mine, 'Home.md'))?.content.toString(), 'home\n');
    const theirs = cliCommit(repo.dir, { 'Home.md': 'edited by hand\n', 'Hand.md': 'hand\n' }, 'by hand', [mine]);
    assert.equal(repo.head(), theirs);
    assert.equal((await repo.readFile(theirs, 'Home.md'))?.content.toString(), 'edited by hand\n');
    cli(repo.dir, ['pack-refs', '--all']);
    cli(repo.dir, ['gc', '--quiet']);
    assert.equal(repo.head(), theirs);
    const after = await repo.commit({
      parent: theirs,
      edits: [{ path: 'Hand.md', delete: true }],
      message: 'tidy',
      author: ALICE,
    });
    assert.equal(repo.head(), after.oid);
    assert.equal(cli(repo.dir, ['rev-parse', 'main']), after.oid);
    assert.deepEqual(
      (await repo.listFiles(after.oid)).map((f) => f.path),
      ['Home.md'],
    );
    assert.equal(cli(repo.dir, ['fsck', '--strict', '--no-dangling']), '');
  });
});

void test('log: oldest first, renames, deletes, unicode and space paths, merges against the first parent', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const c1 = await seed(repo, { 'Notes/été 2026.md': 'summer\nline 2\nline 3\n', 'Gone.md': 'bye\n' });
    const c2 = (
      await repo.commit({
        parent: c1,
        edits: [
          { path: 'Notes/Summer 2026.md', from: 'Notes/été 2026.md' },
          { path: 'Gone.md', delete: true },
        ],
        message: 'rename and delete',
        author: ALICE,
      })
    ).oid;
    const entries = await repo.log(null, c2);
    assert.deepEqual(
      entries.map((e) => [e.oid, e.message, e.changes.map((c) => [c.status, c.path, c.oldPath])]),
      [
        [
          c1,
          'seed',
          [
            ['A', 'Gone.md', undefined],
            ['A', 'Notes/été 2026.md', undefined],
          ],
        ],
        [
          c2,
          'rename and delete',
          [
            ['D', 'Gone.md', undefined],
            ['R', 'Notes/Summer 2026.md', 'Notes/été 2026.md'],
          ],
        ],
      ],
    );
    assert.deepEqual(entries[0]?.parents, []);
    assert.equal(entries[1]?.authorName, ALICE.name);

    // A merge pushed from elsewhere: its changes are those against the first parent.
    const side = cliCommit(
      repo.dir,
      { 'Notes/Summer 2026.md': 'summer\nline 2\nline 3\n', 'Side.md': 'side\n' },
      'side',
      [c2],
    );
    cli(repo.dir, ['update-ref', 'refs/heads/main', c2, side]);
    const merge = cliCommit(
      repo.dir,
      { 'Notes/Summer 2026.md': 'summer\nline 2\nline 3\n', 'Side.md': 'side\n', 'Mine.md': 'mine\n' },
      'Merge side',
      [c2, side],
    );
    const range = await repo.log(c2, merge);
    assert.deepEqual(
      range.map((e) => [e.message, e.parents.length, e.changes.map((c) => `${c.status} ${c.path}`)]),
      [['Merge side', 2, ['A Mine.md', 'A Side.md']]],
    );
    assert.deepEqual(await repo.log(merge, merge), []);
    await assert.rejects(repo.log(null, 'f'.repeat(40)), (e) => isWikiError(e, 'REVISION_NOT_FOUND'));
    assert.equal(await repo.isAncestor(c1, merge), true);
    assert.equal(await repo.isAncestor(merge, c1), false);
  });
});

void test('blame attributes each line to the commit that wrote it', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const c1 = await seed(repo, { 'Page Ü.md': 'one\ntwo\nthree\n' });
    const bob = { name: 'Bob', email: 'bob@example.org', date: new Date('2026-01-02T03:04:05Z') };
    const c2 = (
      await repo.commit({
        parent: c1,
        edits: [{ path: 'Page Ü.md', content: 'one\nTWO\nthree\n' }],
        message: 'Shout two\n\nbody',
        author: bob,
      })
    ).oid;
    const lines = await repo.blame(c2, 'Page Ü.md');
    assert.deepEqual(
      lines.map((l) => [l.line, l.content, l.commit, l.authorName]),
      [
        [1, 'one', c1, ALICE.name],
        [2, 'TWO', c2, 'Bob'],
        [3, 'three', c1, ALICE.name],
      ],
    );
    assert.equal(lines[1]?.summary, 'Shout two');
    assert.equal(lines[1]?.authorEmail, 'bob@example.org');
    assert.equal(lines[1]?.date, '2026-01-02T03:04:05.000Z');
    await assert.rejects(repo.blame(c2, 'Nope.md'), (e) => isWikiError(e, 'PAGE_NOT_FOUND'));
  });
});

void test('bad edits are refused with a clear error and nothing is written', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const base = await seed(repo, { 'Home.md': 'home\n', 'Dir/Page.md': 'page\n' });
    const objects = countLooseObjects(repo.dir);
    const badPaths = [
      '../escape.md',
      '/abs.md',
      'a//b.md',
      'Dir/../x.md',
      '.git/config',
      'Dir/.git',
      'Dir/',
      '',
      'a\nb',
    ];
    for (const path of badPaths) {
      await assert.rejects(
        repo.commit({
          parent: base,
          edits: [
            { path: 'Ok.md', content: 'fine' },
            { path, content: 'x' },
          ],
          message: 'm',
          author: ALICE,
        }),
        (e) => isWikiError(e, 'INVALID_PATH') && e.data.path === path,
        JSON.stringify(path),
      );
      await assert.rejects(
        repo.commit({ parent: base, edits: [{ path: 'Ok.md', from: path }], message: 'm', author: ALICE }),
        (e) => isWikiError(e, 'INVALID_PATH'),
      );
    }
    assert.equal(countLooseObjects(repo.dir), objects, 'an invalid path writes no object at all');
    const cases: [TreeEdit[], string][] = [
      [[{ path: 'Missing.md', delete: true }], 'INVALID_INPUT'],
      [[{ path: 'New.md', from: 'Missing.md' }], 'INVALID_INPUT'],
      [[{ path: 'Dir', delete: true }], 'INVALID_INPUT'],
      [[{ path: 'Dir', content: 'x' }], 'INVALID_PATH'],
      [[{ path: 'Home.md/child.md', content: 'x' }], 'INVALID_PATH'],
      [
        [
          { path: 'Home.md', from: 'Dir/Page.md' },
          { path: 'Dir/Page.md', delete: true },
        ],
        'INVALID_INPUT',
      ],
    ];
    for (const [edits, code] of cases) {
      await assert.rejects(
        repo.commit({ parent: base, edits, message: 'm', author: ALICE }),
        (e) => isWikiError(e, code as 'INVALID_INPUT'),
        JSON.stringify(edits),
      );
    }
    await assert.rejects(
      repo.commit({ parent: base, edits: [], message: 'm', author: { name: 'Eve <evil>', email: 'e@x' } }),
      (e) => isWikiError(e, 'INVALID_INPUT'),
    );
    await assert.rejects(
      repo.commit({ parent: base, edits: [], message: 'm', author: { name: 'Eve', email: 'e@x\nfoo' } }),
      (e) => isWikiError(e, 'INVALID_INPUT'),
    );
    await assert.rejects(repo.commit({ parent: 'nothex', edits: [], message: 'm', author: ALICE }), (e) =>
      isWikiError(e, 'REVISION_NOT_FOUND'),
    );
    assert.equal(repo.head(), base);
    assert.equal(cli(repo.dir, ['rev-parse', 'main']), base);
    assert.deepEqual(
      (await repo.listFiles(base)).map((f) => f.path),
      ['Dir/Page.md', 'Home.md'],
    );
  });
});

void test('a ref that moves between the early check and the swap is caught under the ref lock (RefConflictError)', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const base = await seed(repo, { 'Home.md': 'home\n' });
    const real = repo.head.bind(repo);
    // Another process commits right after our checks: make the checks see the old head, as they would in that race.
    const theirs = cliCommit(repo.dir, { 'Home.md': 'theirs\n' }, 'theirs', [base]);
    let stale = 2;
    repo.head = () => (stale-- > 0 ? base : real());
    await assert.rejects(
      repo.commit({ parent: base, edits: [{ path: 'Mine.md', content: 'mine\n' }], message: 'mine', author: ALICE }),
      (e) => e instanceof RefConflictError && e.expected === base && e.actual === theirs,
    );
    repo.head = real;
    assert.equal(repo.head(), theirs);
    // The conflict released the ref lock: the next write goes through.
    const next = await repo.commit({
      parent: theirs,
      edits: [{ path: 'Mine.md', content: 'mine\n' }],
      message: 'mine',
      author: ALICE,
    });
    assert.equal(repo.head(), next.oid);
    assert.equal((await repo.readFile(next.oid, 'Home.md'))?.content.toString(), 'theirs\n');
  });
});

void test('a ref lock left behind by a crashed writer fails the commit clearly and moves nothing', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const base = await seed(repo, { 'Home.md': 'home\n' });
    const lock = join(repo.dir, 'refs', 'heads', 'main.lock');
    writeFileSync(lock, '');
    await assert.rejects(
      repo.commit({ parent: base, edits: [{ path: 'X.md', content: 'x' }], message: 'm', author: ALICE }),
      (e) => isWikiError(e, 'INTERNAL') && /main\.lock/.test(e.message),
    );
    assert.equal(repo.head(), base);
    rmSync(lock);
    const next = await repo.commit({
      parent: base,
      edits: [{ path: 'X.md', content: 'x' }],
      message: 'm',
      author: ALICE,
    });
    assert.equal(repo.head(), next.oid);
  });
});

void test('loose objects from many commits are packed in the background once git finds too many', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    cli(repo.dir, ['config', 'gc.auto', '50']);
    let parent: string | null = null;
    for (let i = 0; i < 256; i++) {
      parent = (
        await repo.commit({
          parent,
          edits: [{ path: `P${i % 7}.md`, content: `v${i}\n` }],
          message: `c${i}`,
          author: ALICE,
        })
      ).oid;
    }
    // Counting races git removing emptied fan-out directories: a failed count means "not done yet".
    const loose = () => {
      try {
        return countLooseObjects(repo.dir);
      } catch {
        return Infinity;
      }
    };
    const deadline = Date.now() + 15_000;
    while (loose() > 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(countLooseObjects(repo.dir) <= 50, `still ${countLooseObjects(repo.dir)} loose objects`);
    assert.match(cli(repo.dir, ['count-objects', '-v']), /^packs: [1-9]/m);
    assert.equal((await repo.readFile(parent!, 'P3.md'))?.content.toString(), 'v255\n');
    cli(repo.dir, ['fsck', '--strict']);
  });
});

void test('writes go on while git gc packs and prunes under them', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    let parent: string | null = null;
    let writing = true;
    const gcRuns = (async () => {
      let runs = 0;
      while (writing) {
        await execFileAsync('git', ['--git-dir', repo.dir, 'gc', '--quiet']).catch(() => undefined);
        runs++;
      }
      return runs;
    })();
    try {
      for (let i = 0; i < 150; i++) {
        const edits = [{ path: `Dir${i % 5}/P${i % 11}.md`, content: `v${i}\n` }];
        parent = (await repo.commit({ parent, edits, message: `c${i}`, author: ALICE })).oid;
      }
    } finally {
      writing = false;
    }
    assert.ok((await gcRuns) >= 1);
    assert.equal(repo.head(), parent);
    assert.equal((await repo.readFile(parent!, 'Dir4/P6.md'))?.content.toString(), 'v149\n');
    cli(repo.dir, ['fsck', '--strict']);
  });
});
