/** The in-process compare-and-swap of a ref against git's own lock protocol, git's CLI on the other side. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isWikiError } from '../errors.js';
import { cli, withStore } from './git-test-support.js';
import { compareAndSwapRef, STALE_LOCK_MS, type RefSwap } from './ref-lock.js';
import { RefConflictError } from './repo-store.js';

const MAIN = 'refs/heads/main';
const rev = (dir: string): string | null => {
  try {
    return cli(dir, ['rev-parse', '--verify', '--quiet', MAIN]);
  } catch {
    return null;
  }
};
const swapOf = (
  dir: string,
  newOid: string,
  expected: string | null,
  spare: () => string | null = () => null,
): RefSwap => ({
  gitDir: dir,
  ref: MAIN,
  newOid,
  expected,
  current: () => rev(dir),
  spare,
});
/** A commit object that no ref points to (yet). */
const commitObject = (dir: string, message: string, parent?: string): string =>
  cli(dir, ['commit-tree', cli(dir, ['mktree']), '-m', message, ...(parent === undefined ? [] : ['-p', parent])]);
const lockFile = (dir: string) => join(dir, 'refs', 'heads', 'main.lock');

void test('moves the ref when it holds the expected value, with or without a spare file', async () => {
  await withStore(async (store) => {
    const { dir } = await store.create('alice', 'wiki');
    const a = commitObject(dir, 'a');
    await compareAndSwapRef(swapOf(dir, a, null));
    assert.equal(rev(dir), a);
    const b = commitObject(dir, 'b', a);
    const spare = join(dir, 'objects', 'tmp_obj_spare');
    writeFileSync(spare, '');
    await compareAndSwapRef(swapOf(dir, b, a, () => spare));
    assert.equal(rev(dir), b);
    assert.equal(existsSync(spare), false, 'the spare became the ref file');
    assert.equal(existsSync(lockFile(dir)), false);
    // git agrees the repository is sound.
    assert.equal(cli(dir, ['fsck', '--no-progress']), '');
  });
});

void test('a stale expected value is a RefConflictError naming both values, and nothing moves', async () => {
  await withStore(async (store) => {
    const { dir } = await store.create('alice', 'wiki');
    const a = commitObject(dir, 'a');
    cli(dir, ['update-ref', MAIN, a]);
    const b = commitObject(dir, 'b', a);
    const c = commitObject(dir, 'c', a);
    cli(dir, ['update-ref', MAIN, b, a]);
    await assert.rejects(
      compareAndSwapRef(swapOf(dir, c, a)),
      (e) => e instanceof RefConflictError && e.expected === a && e.actual === b,
    );
    await assert.rejects(
      compareAndSwapRef(swapOf(dir, c, null)),
      (e) => e instanceof RefConflictError && e.actual === b,
    );
    assert.equal(rev(dir), b);
    assert.equal(existsSync(lockFile(dir)), false, 'the lock is released after a conflict');
  });
});

void test('a lock held by another writer is waited for; one never released fails clearly and moves nothing', async () => {
  await withStore(async (store) => {
    const { dir } = await store.create('alice', 'wiki');
    const a = commitObject(dir, 'a');
    cli(dir, ['update-ref', MAIN, a]);
    const b = commitObject(dir, 'b', a);
    writeFileSync(lockFile(dir), '');
    setTimeout(() => rmSync(lockFile(dir)), 60);
    await compareAndSwapRef(swapOf(dir, b, a));
    assert.equal(rev(dir), b);

    const c = commitObject(dir, 'c', b);
    writeFileSync(lockFile(dir), '');
    const spare = join(dir, 'objects', 'tmp_obj_spare');
    writeFileSync(spare, '');
    await assert.rejects(
      compareAndSwapRef(swapOf(dir, c, b, () => spare)),
      (e) => isWikiError(e, 'INTERNAL') && /main\.lock exists/.test(e.message),
    );
    assert.equal(rev(dir), b);
    assert.equal(existsSync(spare), false, 'a used spare is not left behind');
    rmSync(lockFile(dir));
  });
});

void test('a lock left behind long ago by a process that died holding it is removed, and the swap goes through', async () => {
  await withStore(async (store) => {
    const { dir } = await store.create('alice', 'wiki');
    const a = commitObject(dir, 'a');
    cli(dir, ['update-ref', MAIN, a]);
    const b = commitObject(dir, 'b', a);
    writeFileSync(lockFile(dir), `${a}\n`);
    const old = new Date(Date.now() - STALE_LOCK_MS - 1000);
    utimesSync(lockFile(dir), old, old);
    await compareAndSwapRef(swapOf(dir, b, a));
    assert.equal(rev(dir), b);
    assert.equal(existsSync(lockFile(dir)), false);
  });
});

void test('works when main is only in packed-refs and when refs/heads is missing', async () => {
  await withStore(async (store) => {
    const { dir } = await store.create('alice', 'wiki');
    const a = commitObject(dir, 'a');
    cli(dir, ['update-ref', MAIN, a]);
    cli(dir, ['pack-refs', '--all', '--prune']);
    rmSync(join(dir, 'refs', 'heads'), { recursive: true, force: true });
    const b = commitObject(dir, 'b', a);
    await assert.rejects(
      compareAndSwapRef(swapOf(dir, b, null)),
      (e) => e instanceof RefConflictError && e.actual === a,
    );
    await compareAndSwapRef(swapOf(dir, b, a));
    assert.equal(rev(dir), b);
    assert.deepEqual(readdirSync(join(dir, 'refs', 'heads')), ['main']);
  });
});

void test('racing git update-ref from another process: exactly one of two swaps from the same value wins', async () => {
  await withStore(async (store) => {
    const { dir } = await store.create('alice', 'wiki');
    let base = commitObject(dir, 'base');
    cli(dir, ['update-ref', MAIN, base]);
    let oursWon = 0;
    let theirsWon = 0;
    for (let round = 0; round < 20; round++) {
      const ours = commitObject(dir, `ours ${round}`, base);
      const theirs = commitObject(dir, `theirs ${round}`, base);
      const git = new Promise<boolean>((resolve) => {
        const child = spawn('git', ['update-ref', MAIN, theirs, base], {
          env: { ...process.env, GIT_DIR: dir },
          stdio: 'ignore',
        });
        child.on('close', (code) => resolve(code === 0));
      });
      const mine = compareAndSwapRef(swapOf(dir, ours, base)).then(
        () => true,
        (e: unknown) => {
          if (e instanceof RefConflictError) return false;
          throw e;
        },
      );
      const [gitWon, iWon] = await Promise.all([git, mine]);
      assert.equal(Number(gitWon) + Number(iWon), 1, `round ${round}: exactly one swap succeeds`);
      base = rev(dir)!;
      assert.equal(base, iWon ? ours : theirs);
      if (iWon) oursWon++;
      else theirsWon++;
    }
    assert.equal(oursWon + theirsWon, 20);
    assert.equal(existsSync(lockFile(dir)), false);
  });
});
