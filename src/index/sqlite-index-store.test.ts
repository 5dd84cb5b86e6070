// Tests of the per-wiki index files: isolation between wikis, the LRU of open handles, repair of damaged files.
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { isWikiError } from '../errors.js';
import { commitPages, tempStore, wikiLink } from './index-fixtures.js';
import { SqliteIndexStore } from './sqlite-index-store.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';

function withStore(fn: (t: ReturnType<typeof tempStore>) => void, maxOpen?: number): void {
  const t = tempStore(maxOpen);
  try {
    fn(t);
  } finally {
    t.dispose();
  }
}

const paths = (rows: { path: string }[]): string[] => rows.map((r) => r.path);

void test('each wiki has its own file at <root>/<owner>/<slug>.sqlite', () => {
  withStore(({ store, root }) => {
    store.open('alice', 'research');
    store.open('bob', 'notes');
    assert.ok(existsSync(join(root, 'alice', 'research.sqlite')));
    assert.ok(existsSync(join(root, 'bob', 'notes.sqlite')));
  });
});

void test("one wiki's pages, links, commits and search hits never appear in another's", () => {
  withStore(({ store }) => {
    const a = store.open('alice', 'research');
    const b = store.open('bob', 'research');
    const ba = commitPages('a1', '2024-01-01T00:00:00Z', [
      { path: 'Secret', tags: ['x'], category: 'actor', body: 'classified plutonium', links: [wikiLink('Shared')] },
    ]);
    a.apply(ba);
    b.apply(commitPages('b1', '2024-01-01T00:00:00Z', [{ path: 'Shared', body: 'public text' }]));
    assert.equal(b.getPage('Secret'), null);
    assert.deepEqual(b.findByKey('secret'), []);
    assert.deepEqual(paths(b.listPages()), ['Shared']);
    assert.equal(b.countPages({ tag: 'x' }), 0);
    assert.equal(b.countPages({ category: 'actor' }), 0);
    assert.deepEqual(b.search({ query: 'plutonium' }), []);
    assert.deepEqual(b.linksTo('Shared'), []);
    assert.deepEqual(b.allLinks(), []);
    assert.deepEqual(b.resolveCommit(ba.head.slice(0, 8)), []);
    assert.equal(b.getCommit(ba.head), null);
    assert.deepEqual(b.history('Secret'), []);
    assert.equal(b.recentChanges().length, 1);
    assert.notEqual(b.indexedCommit(), a.indexedCommit());
    // And the other way round.
    assert.deepEqual(paths(a.listPages()), ['Secret']);
    assert.deepEqual(a.search({ query: 'public' }), []);
    assert.deepEqual(
      a.linksFrom('Secret').map((l) => l.resolved),
      [null],
    );
  });
});

void test('open returns the same live handle for the same wiki', () => {
  withStore(({ store }) => {
    const first = store.open('alice', 'research');
    assert.equal(store.open('alice', 'research'), first);
    assert.notEqual(store.open('alice', 'other'), first);
  });
});

void test('invalid owner or slug names are refused before touching the disk', () => {
  withStore(({ store, root }) => {
    for (const [owner, slug] of [
      ['..', 'x'],
      ['alice', '../../etc'],
      ['Alice', 'research'],
      ['alice', 'a'],
      ['alice', 'research/evil'],
      ['', ''],
    ] as const) {
      assert.throws(
        () => store.open(owner, slug),
        (e: unknown) => isWikiError(e, 'INVALID_INPUT'),
      );
      assert.throws(
        () => store.delete(owner, slug),
        (e: unknown) => isWikiError(e, 'INVALID_INPUT'),
      );
    }
    assert.deepEqual(readdirSync(root), []);
  });
});

void test('beyond maxOpen the least recently used handle is closed and reopens transparently', () => {
  withStore(({ store }) => {
    const a = store.open('alice', 'one');
    a.apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'A_Page' }]));
    const b = store.open('alice', 'two');
    b.apply(commitPages('b1', '2024-01-01T00:00:00Z', [{ path: 'B_Page' }]));
    assert.equal(store.openCount(), 2);
    a.getPage('A_Page'); // a is now the most recently used
    const c = store.open('alice', 'three');
    assert.equal(store.openCount(), 2);
    assert.equal(b.isOpen, false, 'b was least recently used');
    assert.equal(a.isOpen, true);
    assert.equal(c.isOpen, true);
    // Using b reopens it (evicting a, now the least recently used) with its data intact.
    assert.deepEqual(paths(b.listPages()), ['B_Page']);
    assert.equal(b.isOpen, true);
    assert.equal(a.isOpen, false);
    assert.equal(store.openCount(), 2);
    assert.equal(store.open('alice', 'one'), a);
    assert.deepEqual(paths(a.listPages()), ['A_Page']);
    assert.equal(c.isOpen, false);
  }, 2);
});

void test('closing a handle or the store leaves handles usable', () => {
  withStore(({ store }) => {
    const a = store.open('alice', 'one');
    a.apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'A_Page' }]));
    a.close();
    assert.equal(store.openCount(), 0);
    assert.equal(a.getPage('A_Page')?.path, 'A_Page');
    store.close();
    assert.equal(a.isOpen, false);
    assert.equal(a.search({ query: 'notes' }).length, 1);
  });
});

void test('maxOpen must be at least 1', () => {
  assert.throws(
    () => new SqliteIndexStore({ root: '/nonexistent', maxOpen: 0 }),
    (e: unknown) => isWikiError(e, 'INVALID_INPUT'),
  );
});

void test('a file of garbage bytes is recreated empty', () => {
  withStore(({ store, root }) => {
    const file = join(root, 'alice', 'research.sqlite');
    store.open('alice', 'research').apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'P' }]));
    store.close();
    writeFileSync(file, Buffer.from('this is not a database, just some garbage bytes '.repeat(200)));
    const fresh = new SqliteIndexStore({ root });
    try {
      const index = fresh.open('alice', 'research');
      assert.equal(index.indexedCommit(), null);
      assert.deepEqual(index.listPages(), []);
      index.apply(commitPages('a2', '2024-01-02T00:00:00Z', [{ path: 'Q' }]));
      assert.deepEqual(paths(index.listPages()), ['Q']);
    } finally {
      fresh.close();
    }
  });
});

void test('a file damaged while its handle was closed is recreated on reopen', () => {
  withStore(({ store, root }) => {
    const index = store.open('alice', 'research');
    index.apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'P' }]));
    index.close();
    writeFileSync(join(root, 'alice', 'research.sqlite'), Buffer.alloc(8192, 0xab));
    assert.equal(index.getPage('P'), null);
    assert.equal(index.indexedCommit(), null);
  });
});

void test('a file with another schema version is recreated empty', () => {
  withStore(({ store, root }) => {
    store.open('alice', 'research').apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'P' }]));
    store.close();
    const file = join(root, 'alice', 'research.sqlite');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 41}`);
    db.close();
    const index = store.open('alice', 'research');
    assert.throws(
      () => index.apply(commitPages('a2', '2024-01-02T00:00:00Z', [{ path: 'Q' }])),
      (e: unknown) => isWikiError(e, 'INTERNAL'),
    );
    assert.equal(index.indexedCommit(), null);
    assert.deepEqual(index.listPages(), []);
  });
});

void test('a database that is not an index (user_version 0 with tables) is recreated', () => {
  withStore(({ store, root }) => {
    const file = join(root, 'alice', 'foreign.sqlite');
    store.open('alice', 'foreign');
    store.close();
    const db = new Database(file);
    db.pragma('user_version = 0');
    db.exec('DROP TABLE pages');
    db.close();
    const index = store.open('alice', 'foreign');
    assert.equal(index.indexedCommit(), null);
    index.apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'P' }]));
    assert.deepEqual(paths(index.listPages()), ['P']);
  });
});

void test('a deleted file is recreated empty on reopen', () => {
  withStore(({ store, root }) => {
    const index = store.open('alice', 'research');
    index.apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'P' }]));
    store.close();
    for (const f of readdirSync(join(root, 'alice'))) {
      writeFileSync(join(root, 'alice', f), '');
    }
    assert.equal(index.indexedCommit(), null);
    assert.deepEqual(index.listPages(), []);
  });
});

void test('an index file deleted while open is recreated empty on the next open', () => {
  withStore(({ store, root }) => {
    const index = store.open('alice', 'research');
    index.apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'P' }]));
    for (const f of readdirSync(join(root, 'alice'))) rmSync(join(root, 'alice', f));
    assert.equal(store.open('alice', 'research'), index);
    assert.equal(index.indexedCommit(), null);
    assert.ok(existsSync(join(root, 'alice', 'research.sqlite')));
  });
});

/** Overwrite every page but the first (header and schema) with garbage, as a failing disk might. */
function damagePages(file: string): void {
  const size = statSync(file).size;
  assert.ok(size > 8192, 'the file has pages beyond the schema');
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(size - 4096, 0x5a), 0, size - 4096, 4096);
  } finally {
    closeSync(fd);
  }
}

void test('damaged pages found by a query make the index recreate itself and answer empty', () => {
  withStore(({ store, root }) => {
    const index = store.open('alice', 'research');
    index.apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'P', tags: ['t'], body: 'words '.repeat(2000) }]));
    store.close(); // checkpoints the WAL into the main file
    damagePages(join(root, 'alice', 'research.sqlite'));
    assert.equal(index.getPage('P'), null);
    assert.deepEqual(index.search({ query: 'words' }), []);
    assert.equal(index.indexedCommit(), null);
    // Having read indexedCommit, the caller may catch up from scratch.
    index.apply(commitPages('a2', '2024-01-02T00:00:00Z', [{ path: 'Q' }]));
    assert.deepEqual(paths(index.listPages()), ['Q']);
  });
});

void test('damaged pages found by apply recreate the index and ask for a new catch-up', () => {
  withStore(({ store, root }) => {
    const index = store.open('alice', 'research');
    index.apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'P', tags: ['t'], body: 'words '.repeat(2000) }]));
    store.close();
    damagePages(join(root, 'alice', 'research.sqlite'));
    const incremental = commitPages('a2', '2024-01-02T00:00:00Z', [{ path: 'P', status: 'M' }]);
    const refused = (e: unknown): boolean => isWikiError(e, 'INTERNAL') && e.data['indexRecreated'] === true;
    assert.throws(() => index.apply(incremental), refused);
    // Retrying the same incremental batch is refused too, until the caller has seen the index is empty.
    assert.throws(() => index.apply(incremental), refused);
    assert.deepEqual(index.listPages(), []);
    assert.equal(index.indexedCommit(), null);
    index.apply(incremental);
    assert.deepEqual(paths(index.listPages()), ['P']);
  });
});

void test('delete removes the file; old handles refuse use and open starts empty', () => {
  withStore(({ store, root }) => {
    const index = store.open('alice', 'research');
    index.apply(commitPages('a1', '2024-01-01T00:00:00Z', [{ path: 'P' }]));
    store.delete('alice', 'research');
    assert.deepEqual(readdirSync(join(root, 'alice')), []);
    assert.throws(
      () => index.getPage('P'),
      (e: unknown) => isWikiError(e, 'WIKI_NOT_FOUND'),
    );
    assert.equal(store.openCount(), 0);
    const again = store.open('alice', 'research');
    assert.notEqual(again, index);
    assert.deepEqual(again.listPages(), []);
    // Deleting a wiki that has no index is harmless.
    store.delete('alice', 'never');
  });
});
