/** GitRepoStore: repository lifecycle, damaged repositories, and the bounded pool of git processes. */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { isWikiError } from '../errors.js';
import type { Repo } from './repo-store.js';
import { ALICE, cli, cliCommit, isAlive, waitForExit, withStore } from './git-test-support.js';

/** These tests watch git processes and damaged objects: every read must reach `git cat-file`. */
const READS_THROUGH_GIT = { blobCacheBytes: 0 };

async function seed(repo: Repo, files: Record<string, string>): Promise<string> {
  const edits = Object.entries(files).map(([path, content]) => ({ path, content }));
  return (await repo.commit({ parent: repo.head(), edits, message: 'seed', author: ALICE })).oid;
}

void test('create, open, exists and delete', async () => {
  await withStore(async (store, root) => {
    assert.equal(store.exists('alice', 'wiki'), false);
    await assert.rejects(
      Promise.resolve().then(() => store.open('alice', 'wiki')),
      (e) => isWikiError(e, 'WIKI_NOT_FOUND'),
    );
    const repo = await store.create('alice', 'wiki');
    assert.equal(repo.dir, join(root, 'alice', 'wiki.git'));
    assert.equal(store.exists('alice', 'wiki'), true);
    assert.equal(repo.head(), null);
    assert.equal(cli(repo.dir, ['symbolic-ref', 'HEAD']), 'refs/heads/main');
    assert.equal(cli(repo.dir, ['rev-parse', '--is-bare-repository']), 'true');
    assert.equal(cli(repo.dir, ['config', 'receive.denyNonFastForwards']), 'true');
    await assert.rejects(store.create('alice', 'wiki'), (e) => isWikiError(e, 'WIKI_EXISTS'));
    const oid = await seed(repo, { 'Home.md': 'home\n' });
    assert.equal(store.open('alice', 'wiki').head(), oid);
    await repo.readFile(oid, 'Home.md');

    const pids = store.processes().map((p) => p.pid);
    assert.ok(pids.length > 0);
    await store.delete('alice', 'wiki');
    assert.equal(store.exists('alice', 'wiki'), false);
    assert.equal(existsSync(join(root, 'alice')), false);
    for (const pid of pids) assert.equal(isAlive(pid), false, 'processes end with their repository');
    await assert.rejects(repo.readFile(oid, 'Home.md'), (e) => isWikiError(e, 'WIKI_NOT_FOUND'));
    await assert.rejects(store.delete('alice', 'wiki'), (e) => isWikiError(e, 'WIKI_NOT_FOUND'));
    // Recreated at the same place, it is a new, empty repository: nothing of the old one is remembered.
    const again = await store.create('alice', 'wiki');
    assert.equal(again.head(), null);
    await assert.rejects(again.readCommit(oid), (e) => isWikiError(e, 'REVISION_NOT_FOUND'));
  }, READS_THROUGH_GIT);
});

void test('names that could leave the root are refused and nothing is created', async () => {
  await withStore(async (store, root) => {
    for (const [owner, slug] of [
      ['..', 'wiki'],
      ['alice', '../bob'],
      ['alice/x', 'wiki'],
      ['.hidden', 'wiki'],
      ['alice', '.git'],
      ['', 'wiki'],
      ['alice', 'a..b'],
    ] as const) {
      await assert.rejects(store.create(owner, slug), (e) => isWikiError(e, 'INVALID_INPUT'), `${owner}/${slug}`);
      assert.throws(
        () => store.open(owner, slug),
        (e) => isWikiError(e, 'INVALID_INPUT'),
      );
    }
    assert.deepEqual(readdirSync(root), []);
  });
});

void test('a damaged repository gives REPOSITORY_CORRUPT while another keeps working', async () => {
  await withStore(async (store) => {
    const healthy = await store.create('alice', 'healthy');
    const healthyHead = await seed(healthy, { 'Home.md': 'fine\n' });
    const damage: [string, (dir: string) => void][] = [
      ['objects deleted', (dir) => renameSync(join(dir, 'objects'), join(dir, 'objects-gone'))],
      ['HEAD deleted', (dir) => rmSync(join(dir, 'HEAD'))],
      ['garbage in the ref', (dir) => writeFileSync(join(dir, 'refs', 'heads', 'main'), 'not an object id\n')],
    ];
    for (const [what, harm] of damage) {
      const slug = `broken-${damage.findIndex(([w]) => w === what)}`;
      const repo = await store.create('alice', slug);
      await seed(repo, { 'Home.md': 'home\n' });
      harm(repo.dir);
      assert.throws(
        () => store.open('alice', slug),
        (e) => isWikiError(e, 'REPOSITORY_CORRUPT') && e.data.dir === repo.dir,
        what,
      );
      assert.equal((await healthy.readFile(healthyHead, 'Home.md'))?.content.toString(), 'fine\n');
    }
  });
});

void test('damage done while processes run fails the read, not the process, and other repositories are unaffected', async () => {
  await withStore(async (store) => {
    const healthy = await store.create('alice', 'healthy');
    const healthyHead = await seed(healthy, { 'Home.md': 'fine\n' });
    const repo = await store.create('alice', 'victim');
    const head = await seed(repo, { 'Home.md': 'home\n', 'Dir/Page.md': 'page\n' });
    assert.ok(await repo.readFile(head, 'Home.md'));

    // A loose object overwritten with garbage: git cat-file dies on it; the read fails clearly.
    const blob = cli(repo.dir, ['rev-parse', `${head}:Dir/Page.md`]);
    const file = join(repo.dir, 'objects', blob.slice(0, 2), blob.slice(2));
    chmodSync(file, 0o644);
    writeFileSync(file, 'garbage, not zlib');
    await assert.rejects(
      repo.readFile(head, 'Dir/Page.md'),
      (e) => isWikiError(e, 'REPOSITORY_CORRUPT') && e.data.dir === repo.dir,
    );
    // The next read gets a fresh process and works for what is intact.
    assert.equal((await repo.readFile(head, 'Home.md'))?.content.toString(), 'home\n');

    // All objects gone under a running process (moved away: spare files may still be appearing in the folder).
    renameSync(join(repo.dir, 'objects'), join(repo.dir, 'objects-gone'));
    await assert.rejects(
      repo.readFile(head, 'Home.md'),
      (e) => isWikiError(e, 'REPOSITORY_CORRUPT') && e.data.dir === repo.dir,
    );
    await assert.rejects(
      repo.commit({ parent: head, edits: [{ path: 'X.md', content: 'x' }], message: 'm', author: ALICE }),
      (e) => isWikiError(e, 'REPOSITORY_CORRUPT'),
    );
    await assert.rejects(repo.log(null, head), (e) => isWikiError(e, 'REPOSITORY_CORRUPT'));

    // HEAD gone: a respawned process cannot start; that is an error too, not a hang.
    rmSync(join(repo.dir, 'HEAD'));
    for (const p of store.processes().filter((p) => p.dir === repo.dir)) process.kill(p.pid!, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assert.rejects(repo.readFile(head, 'Home.md'), (e) => isWikiError(e, 'REPOSITORY_CORRUPT'));

    assert.equal((await healthy.readFile(healthyHead, 'Home.md'))?.content.toString(), 'fine\n');
    const next = await healthy.commit({
      parent: healthyHead,
      edits: [{ path: 'B.md', content: 'b' }],
      message: 'm',
      author: ALICE,
    });
    assert.equal(healthy.head(), next.oid);
  }, READS_THROUGH_GIT);
});

void test('a killed reader fails what it had pending and is replaced on next use', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const head = await seed(repo, { 'Big.md': 'x'.repeat(5_000_000) });
    await repo.readFile(head, 'Big.md');
    const [cat] = store.processes().filter((p) => p.kind === 'cat-file');
    assert.ok(cat?.pid);
    const pending = repo.readFile(head, 'Big.md');
    process.kill(cat.pid, 'SIGKILL');
    await assert.rejects(pending, (e) => isWikiError(e));
    assert.equal((await repo.readFile(head, 'Big.md'))?.content.length, 5_000_000);
    const [fresh] = store.processes().filter((p) => p.kind === 'cat-file');
    assert.notEqual(fresh?.pid, cat.pid);
  });
});

void test('the pool closes the least recently used processes beyond maxProcesses, and they exit', async () => {
  await withStore(
    async (store) => {
      const repos: Repo[] = [];
      const heads: string[] = [];
      for (const slug of ['zero', 'one', 'two']) {
        const repo = await store.create('alice', slug);
        repos.push(repo);
        // Seeded with the CLI so that only readers enter the pool.
        heads.push(cliCommit(repo.dir, { 'Home.md': `${slug}\n` }, 'seed', []));
      }
      const read = async (i: number): Promise<void> => {
        const file = await repos[i]!.readFile(heads[i]!, 'Home.md');
        assert.equal(file?.content.toString(), `${['zero', 'one', 'two'][i]!}\n`);
      };
      const pidOf = (i: number): number | undefined => store.processes().find((p) => p.dir === repos[i]!.dir)?.pid;
      await read(0);
      await read(1);
      const zero = pidOf(0);
      assert.equal(store.processes().length, 2);
      await read(2);
      assert.equal(store.processes().length, 2);
      assert.equal(pidOf(0), undefined, 'the least recently used reader was closed');
      assert.equal(await waitForExit(zero), true, 'and its process exited');
      await read(1);
      const two = pidOf(2);
      await read(0);
      assert.deepEqual(
        store
          .processes()
          .map((p) => p.dir)
          .sort(),
        [repos[0]!.dir, repos[1]!.dir].sort(),
        'repository one was used more recently than two',
      );
      assert.equal(await waitForExit(two), true);
      await Promise.all([0, 1, 2, 0, 1, 2].map((i) => read(i)));
      assert.ok(store.processes().length <= 2);
    },
    { maxProcesses: 2, ...READS_THROUGH_GIT },
  );
});

void test('idle processes are closed after idleMs and the repository still works afterwards', async () => {
  await withStore(
    async (store) => {
      const repo = await store.create('alice', 'wiki');
      const head = await seed(repo, { 'Home.md': 'home\n' });
      await repo.readFile(head, 'Home.md');
      const pids = store.processes().map((p) => p.pid);
      assert.equal(pids.length, 1);
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.deepEqual(store.processes(), []);
      for (const pid of pids) assert.equal(await waitForExit(pid), true);
      assert.equal((await repo.readFile(head, 'Home.md'))?.content.toString(), 'home\n');
    },
    { idleMs: 100, ...READS_THROUGH_GIT },
  );
});

void test('close ends every process and later use fails clearly', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const head = await seed(repo, { 'Home.md': 'home\n' });
    await repo.readFile(head, 'Home.md');
    const pids = store.processes().map((p) => p.pid);
    await store.close();
    for (const pid of pids) assert.equal(isAlive(pid), false);
    await assert.rejects(repo.readFile(head, 'Home.md'), (e) => isWikiError(e, 'INTERNAL'));
    assert.match(readFileSync(join(repo.dir, 'refs', 'heads', 'main'), 'utf8'), /^[0-9a-f]{40}\n$/);
  }, READS_THROUGH_GIT);
});

void test('a program that forgets close() still exits: idle git processes do not hold it', async () => {
  await withStore((_store, root) => {
    const store = new URL('./git-repo-store.js', import.meta.url).href;
    const script = `
      const { GitRepoStore } = await import(${JSON.stringify(store)});
      const s = new GitRepoStore({ root: ${JSON.stringify(root)}, blobCacheBytes: 0 });
      const repo = await s.create('alice', 'wiki');
      const c = await repo.commit({ parent: null, edits: [{ path: 'a.md', content: 'a' }], message: 'm', author: { name: 'A', email: 'a@x' } });
      const file = await repo.readFile(c.oid, 'a.md');
      console.log(file.content.toString(), s.processes().length);
    `;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'a 1');
    assert.ok(Date.now() - started < 5000, 'exited without waiting for the idle timeout');
    return Promise.resolve();
  });
});

void test('pages just written or read are served from memory; large files and other repositories go to git', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const big = 'x'.repeat(300 * 1024);
    const head = await seed(repo, { 'Home.md': 'home\n', 'Home/big.bin': big });
    assert.equal((await repo.readFile(head, 'Home.md'))?.content.toString(), 'home\n');
    assert.deepEqual(store.processes(), [], 'the page it just wrote needs no git process');
    assert.equal((await repo.readFile(head, 'Home/big.bin'))?.content.length, big.length);
    assert.equal(store.processes().length, 1, 'a large file is read through git');

    // The same content in a repository deleted and made again at that path is that repository's own.
    await store.delete('alice', 'wiki');
    const again = await store.create('alice', 'wiki');
    const other = cliCommit(again.dir, { 'Home.md': 'home\n' }, 'seed', []);
    const blob = cli(again.dir, ['rev-parse', `${other}:Home.md`]);
    rmSync(join(again.dir, 'objects', blob.slice(0, 2), blob.slice(2)));
    await assert.rejects(again.readBlob(blob), (e) => isWikiError(e, 'REPOSITORY_CORRUPT'));
  });
});
