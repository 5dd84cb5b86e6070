/** Object formats against git itself: ids, tree layout and order, commit parsing, path rules. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isWikiError } from '../errors.js';
import {
  hashObject,
  parseCommit,
  parseTree,
  serializeTree,
  splitTreePath,
  writeLooseObject,
  type TreeEntry,
} from './objects.js';

function tempRepo(): { dir: string; git: (args: string[], input?: string | Buffer) => string; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'wikibot-objects-'));
  const dir = join(base, 'r.git');
  const env = { PATH: process.env.PATH ?? '', HOME: base, GIT_CONFIG_NOSYSTEM: '1', GIT_DIR: dir };
  const git = (args: string[], input?: string | Buffer): string =>
    execFileSync('git', args, { env, input: input ?? '', encoding: 'utf8' }).trim();
  execFileSync('git', ['init', '--quiet', '--bare', '-b', 'main', dir], { env });
  return { dir, git, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

function entry(mode: string, name: string, oid: string): TreeEntry {
  return { mode, name, nameBytes: Buffer.from(name, 'utf8'), oid };
}

void test('blob ids and loose objects match git hash-object and cat-file', () => {
  const { dir, git, cleanup } = tempRepo();
  try {
    for (const content of ['', 'hello\n', 'ünïcödé — ✓\n', 'x'.repeat(100_000)]) {
      const buf = Buffer.from(content, 'utf8');
      const oid = writeLooseObject(dir, 'blob', buf);
      assert.equal(oid, hashObject('blob', buf));
      assert.equal(oid, git(['hash-object', '--stdin'], buf));
      assert.equal(git(['cat-file', '-t', oid]), 'blob');
      assert.equal(git(['cat-file', '-p', oid]), content.trim());
      // Writing it again is a no-op that keeps the same id.
      assert.equal(writeLooseObject(dir, 'blob', buf), oid);
    }
  } finally {
    cleanup();
  }
});

void test('trees sort like git (a directory sorts as name/) and round-trip through git mktree', () => {
  const { dir, git, cleanup } = tempRepo();
  try {
    const blob = writeLooseObject(dir, 'blob', Buffer.from('x'));
    const sub = writeLooseObject(dir, 'tree', serializeTree([entry('100644', 'f', blob)]));
    const entries = [
      entry('100644', 'a0', blob),
      entry('40000', 'a', sub),
      entry('100644', 'a.md', blob),
      entry('100644', 'a-b', blob),
      entry('40000', 'b c', sub),
      entry('100644', 'é.md', blob),
      entry('100644', 'Z', blob),
    ];
    const content = serializeTree(entries);
    const oid = writeLooseObject(dir, 'tree', content);
    const listing = entries.map((e) => `${e.mode === '40000' ? '040000 tree' : '100644 blob'} ${e.oid}\t${e.name}`);
    assert.equal(oid, git(['mktree'], listing.join('\n') + '\n'));
    assert.deepEqual(
      parseTree(content).map((e) => e.name),
      ['Z', 'a-b', 'a.md', 'a', 'a0', 'b c', 'é.md'],
    );
    git(['fsck', '--strict', '--no-dangling']);
  } finally {
    cleanup();
  }
});

void test('parseCommit reads what git commit-tree wrote', () => {
  const { git, cleanup } = tempRepo();
  try {
    const tree = git(['mktree'], '');
    const env = ['-c', 'user.name=Ann Example', '-c', 'user.email=ann@example.org'];
    const oid = git([...env, 'commit-tree', tree, '-m', 'Subject line', '-m', 'Body ü']);
    const info = parseCommit(oid, Buffer.from(git(['cat-file', 'commit', oid]) + '\n'));
    assert.equal(info.tree, tree);
    assert.deepEqual(info.parents, []);
    assert.equal(info.authorName, 'Ann Example');
    assert.equal(info.authorEmail, 'ann@example.org');
    assert.equal(info.message, 'Subject line\n\nBody ü');
    assert.match(info.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  } finally {
    cleanup();
  }
});

void test('splitTreePath refuses paths that escape or break the tree', () => {
  assert.deepEqual(splitTreePath('Actors/Iran Regime é.md'), ['Actors', 'Iran Regime é.md']);
  for (const bad of ['', '/a', 'a/', 'a//b', '..', 'a/../b', './a', '.git', 'A/.GIT/x', '.git./x', 'a\nb', 'a\0b']) {
    assert.throws(
      () => splitTreePath(bad),
      (error) => isWikiError(error, 'INVALID_PATH'),
      bad,
    );
  }
  assert.throws(
    () => splitTreePath('x'.repeat(256)),
    (error) => isWikiError(error, 'INVALID_PATH'),
  );
});
