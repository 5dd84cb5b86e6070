/**
 * Tests of the SQLite metadata store: the shared MetaStore contract, plus what only a file shared by several
 * processes shows (WAL, busy timeout, migrations run once, concurrent opens).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { isWikiError } from '../errors.js';
import { metaStoreContract } from './meta-store-contract.js';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { metaMigrationProvider, metaMigrations } from './migrations.js';
import { SqliteMetaStore } from './sqlite-meta-store.js';

const storeModule = fileURLToPath(new URL('./sqlite-meta-store.js', import.meta.url));

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wikibot-meta-'));
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs an ES module snippet in a separate node process; resolves with its stdout once it prints `marker`. */
function runNode(code: string, marker: string): { ready: Promise<void>; done: Promise<string> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes(marker)) signalReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const done = new Promise<string>((resolve, reject) => {
    child.on('close', (status) => (status === 0 ? resolve(out) : reject(new Error(`child exited ${status}: ${err}`))));
  });
  return { ready: Promise.race([ready, done.then(() => undefined)]), done };
}

metaStoreContract('SqliteMetaStore', async () => {
  const dir = tempDir();
  const store = await SqliteMetaStore.open(path.join(dir, 'meta.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

void describe('SqliteMetaStore', () => {
  void it('creates missing directories and the database, in WAL mode', () =>
    withDir(async (dir) => {
      const file = path.join(dir, 'data', 'nested', 'meta.db');
      const store = await SqliteMetaStore.open(file);
      await store.close();
      assert.ok(fs.statSync(file).isFile());
      const raw = new Database(file, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        const tables = raw
          .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
          .pluck()
          .all();
        assert.deepEqual(tables, ['email_tokens', 'grants', 'identities', 'invitations', 'jobs', 'kysely_migration', 'kysely_migration_lock', 'oauth_keys', 'oauth_records', 'sessions', 'sync_links', 'tokens', 'users', 'wikis']);
      } finally {
        raw.close();
      }
    }));

  void it('runs migrations once: opening again keeps the data and applies nothing twice', () =>
    withDir(async (dir) => {
      const file = path.join(dir, 'meta.db');
      const first = await SqliteMetaStore.open(file);
      const alice = await first.createUser({ username: 'alice', email: 'a@example.org', passwordHash: null });
      await first.close();
      const second = await SqliteMetaStore.open(file);
      assert.deepEqual(await second.getUserById(alice.id), alice);
      await second.close();
      const raw = new Database(file, { readonly: true });
      try {
        assert.deepEqual(raw.prepare('select name from kysely_migration').pluck().all(), [
          '0001_users_wikis_grants_tokens',
          '0002_accounts',
          '0003_sessions',
          '0004_oauth',
          '0005_jobs_sync',
          '0006_email_tokens',
          '0007_identities',
          '0009_email_change',
          '0010_wiki_settings',
        ]);
      } finally {
        raw.close();
      }
    }));

  void it('0009_email_change keeps the mailed links of an older database and then accepts email-change links', () =>
    withDir(async (dir) => {
      const file = path.join(dir, 'meta.db');
      const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
      const { error } = await new Migrator({ db: old, provider: metaMigrationProvider }).migrateTo('0007_identities');
      assert.equal(error, undefined);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const now = new Date().toISOString();
      await old.destroy();
      const seed = new Database(file);
      seed.prepare("insert into users (username, email, created_at) values ('alice', 'a@example.org', ?)").run(now);
      seed.prepare("insert into email_tokens (user_id, purpose, hash, email, expires_at, created_at) values (1, 'reset', ?, 'a@example.org', ?, ?)").run('f'.repeat(64), future, now);
      assert.throws(() => seed.prepare("insert into email_tokens (user_id, purpose, hash, email, expires_at, created_at) values (1, 'change', ?, 'b@example.org', ?, ?)").run('e'.repeat(64), future, now));
      seed.close();
      const store = await SqliteMetaStore.open(file);
      try {
        assert.equal((await store.takeEmailToken('reset', 'f'.repeat(64)))?.email, 'a@example.org', 'the old link survived the rebuild');
        const change = await store.createEmailToken({ userId: 1, purpose: 'change', hash: 'e'.repeat(64), email: 'b@example.org', expiresAt: future });
        assert.ok(change.id > 1, 'ids are not reused after the rebuild');
        assert.deepEqual(await store.listEmailTokens(1, 'change'), [change]);
      } finally {
        await store.close();
      }
    }));

  void it('0010_wiki_settings gives the wikis of an older database the defaults and refuses unknown values', () =>
    withDir(async (dir) => {
      const file = path.join(dir, 'meta.db');
      const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
      const { error } = await new Migrator({ db: old, provider: metaMigrationProvider }).migrateTo('0009_email_change');
      assert.equal(error, undefined);
      await old.destroy();
      const now = new Date().toISOString();
      const seed = new Database(file);
      seed.prepare("insert into users (username, email, created_at) values ('alice', 'a@example.org', ?)").run(now);
      seed.prepare("insert into wikis (owner_id, slug, name, purpose, categories, created_at) values (1, 'old', 'Old', 'p', '[]', ?)").run(now);
      seed.close();
      const store = await SqliteMetaStore.open(file);
      try {
        const wiki = await store.getWiki('alice', 'old');
        assert.equal(wiki?.homePage, 'Home');
        assert.equal(wiki.commitMessages, 'optional');
        assert.equal(wiki.wikilinkOrder, 'page-text');
      } finally {
        await store.close();
      }
      const raw = new Database(file);
      try {
        assert.throws(() => raw.prepare("update wikis set commit_messages = 'sometimes'").run(), /CHECK constraint/);
        assert.throws(() => raw.prepare("update wikis set wikilink_order = 'any'").run(), /CHECK constraint/);
        assert.equal(raw.prepare('select commit_messages from wikis').pluck().get(), 'optional');
      } finally {
        raw.close();
      }
    }));

  void it('two stores on one file see each other’s writes', () =>
    withDir(async (dir) => {
      const file = path.join(dir, 'meta.db');
      const server = await SqliteMetaStore.open(file);
      const cli = await SqliteMetaStore.open(file);
      try {
        const alice = await cli.createUser({ username: 'alice', email: 'a@example.org', passwordHash: null });
        const w = await server.createWiki({ ownerId: alice.id, slug: 'notes', name: 'N', purpose: '', categories: [] });
        assert.deepEqual(await server.getUserByUsername('alice'), alice);
        assert.deepEqual(await cli.getWiki('alice', 'notes'), w);
        await server.setRole(w.id, alice.id, 'viewer');
        assert.equal(await cli.getRole(w.id, alice.id), 'viewer');
        await assert.rejects(
          cli.createUser({ username: 'alice', email: 'b@example.org', passwordHash: null }),
          (err: unknown) => isWikiError(err, 'USER_EXISTS'),
        );
        assert.equal(await server.countUsers(), 1);
      } finally {
        await server.close();
        await cli.close();
      }
    }));

  void it('a write waits for another process holding the write lock instead of failing (busy_timeout)', () =>
    withDir(async (dir) => {
      const file = path.join(dir, 'meta.db');
      const store = await SqliteMetaStore.open(file);
      try {
        const holder = runNode(
          `import Database from ${JSON.stringify(require_('better-sqlite3'))};
           const db = new Database(${JSON.stringify(file)});
           db.exec('BEGIN IMMEDIATE');
           console.log('locked');
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
           db.exec('COMMIT');
           db.close();`,
          'locked',
        );
        await holder.ready;
        const started = performance.now();
        await store.createUser({ username: 'alice', email: 'a@example.org', passwordHash: null });
        const waited = performance.now() - started;
        await holder.done;
        assert.ok(waited > 100, `the write should have waited for the lock, took ${waited.toFixed(1)} ms`);
        assert.equal(await store.countUsers(), 1);
      } finally {
        await store.close();
      }
    }));

  void it('several processes opening a new file at once all succeed and migrate it once', () =>
    withDir(async (dir) => {
      const file = path.join(dir, 'meta.db');
      const children = [1, 2, 3, 4].map((n) =>
        runNode(
          `import { SqliteMetaStore } from ${JSON.stringify(storeModule)};
           const store = await SqliteMetaStore.open(${JSON.stringify(file)});
           await store.createUser({ username: 'user-${n}', email: 'u${n}@example.org', passwordHash: null });
           await store.close();
           console.log('ok');`,
          'ok',
        ),
      );
      await Promise.all(children.map((c) => c.done));
      const store = await SqliteMetaStore.open(file);
      try {
        assert.equal(await store.countUsers(), 4);
      } finally {
        await store.close();
      }
      const raw = new Database(file, { readonly: true });
      try {
        assert.equal(raw.prepare('select count(*) from kysely_migration').pluck().get(), Object.keys(metaMigrations).length);
      } finally {
        raw.close();
      }
    }));

  void it('refuses a file that is not a database, leaving it untouched', () =>
    withDir(async (dir) => {
      const file = path.join(dir, 'meta.db');
      fs.writeFileSync(file, 'not a database, just some text that is long enough to have a header'.repeat(20));
      const before = fs.readFileSync(file);
      await assert.rejects(SqliteMetaStore.open(file), /not a database/);
      assert.deepEqual(fs.readFileSync(file), before);
    }));

  void it('ping fails once the store is closed', () =>
    withDir(async (dir) => {
      const store = await SqliteMetaStore.open(path.join(dir, 'meta.db'));
      await store.ping();
      await store.close();
      await assert.rejects(store.ping());
    }));
});

/** Absolute path of a dependency, so a child process started from any directory finds the same module. */
function require_(name: string): string {
  return import.meta.resolve(name);
}
