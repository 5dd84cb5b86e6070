/** Spare files for loose objects: made ahead, handed out, cleaned up, and never needed for correctness. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, cliCommit, withStore } from './git-test-support.js';
import { hashObject, writeLooseObject } from './objects.js';
import { SpareFiles } from './spare-files.js';

const sparesIn = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('tmp_obj_'));

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(10);
  assert.ok(check(), 'in time');
}

void test('spares are made in the background, handed out empty, and the unused ones removed on close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-spares-'));
  try {
    const spares = new SpareFiles(dir);
    assert.equal(spares.take(), null, 'none ready at first; taking starts a refill');
    await until(() => sparesIn(dir).length === 32);
    const given = spares.take();
    assert.ok(given !== null && given.startsWith(join(dir, 'tmp_obj_')));
    assert.equal(statSync(given).size, 0);
    rmSync(given);
    await spares.close();
    assert.deepEqual(sparesIn(dir), []);
    assert.equal(spares.take(), null, 'a closed pool hands out nothing and makes nothing');
    await sleep(50);
    assert.deepEqual(sparesIn(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('a pool whose folder is gone stops refilling and hands out nothing', async () => {
  const dir = join(tmpdir(), `wikibot-spares-missing-${process.pid}`);
  const spares = new SpareFiles(dir);
  assert.equal(spares.take(), null);
  await sleep(50);
  assert.equal(spares.take(), null);
  await spares.close();
});

void test('objects written into spares are the objects git expects; a spare pruned meanwhile falls back to a new file', async () => {
  await withStore(async (store) => {
    const repo = await store.create('alice', 'wiki');
    const objects = join(repo.dir, 'objects');
    const spares = new SpareFiles(objects);
    spares.take();
    await until(() => sparesIn(objects).length === 32);
    const content = Buffer.from('spare content\n');
    const oid = writeLooseObject(repo.dir, 'blob', content, () => spares.take());
    assert.equal(oid, hashObject('blob', content));
    assert.equal(cli(repo.dir, ['cat-file', '-p', oid]), 'spare content');
    assert.equal(statSync(join(objects, oid.slice(0, 2), oid.slice(2))).mode & 0o777, 0o444);

    // `git prune` removed the spare it was handed: the object is still written.
    const gone = join(objects, 'tmp_obj_pruned');
    const other = Buffer.from('other\n');
    const second = writeLooseObject(repo.dir, 'blob', other, () => gone);
    assert.equal(cli(repo.dir, ['cat-file', '-p', second]), 'other');
    await spares.close();

    // Commits made through the repository use spares too, and git sees a sound repository.
    const base = cliCommit(repo.dir, { 'A.md': 'a\n' }, 'a', []);
    let head = base;
    for (let i = 0; i < 20; i++) {
      head = (
        await repo.commit({
          parent: head,
          edits: [{ path: `P${i}.md`, content: `p${i}\n` }],
          message: `c${i}`,
          author: { name: 'A', email: 'a@x' },
        })
      ).oid;
    }
    assert.equal(cli(repo.dir, ['rev-parse', 'main']), head);
    assert.equal(cli(repo.dir, ['fsck', '--no-progress', '--no-dangling', '--strict']), '');
    assert.ok(sparesIn(objects).length > 0, 'the repository keeps spares while open');
    await store.close();
    assert.deepEqual(sparesIn(objects), [], 'and removes them when closed');
  });
});
