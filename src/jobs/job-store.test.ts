/**
 * The job store on the metadata store's SQLite connection: jobs are claimed once, in due order; sync links are
 * upserted, scheduled and removed with their wiki; Services hold one connection to the metadata database, not two.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.js';
import { SqliteMetaStore } from '../meta/index.js';
import { closeServices, openServices } from '../usecases/services.js';
import { KyselyJobStore } from './kysely-job-store.js';

async function withStores(fn: (meta: SqliteMetaStore, jobs: KyselyJobStore, wikiId: number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-jobs-'));
  const meta = await SqliteMetaStore.open(join(dir, 'meta.sqlite'));
  const jobs = KyselyJobStore.over(meta);
  try {
    const user = await meta.createUser({ username: 'ann', email: 'ann@example.test', passwordHash: null });
    const wiki = await meta.createWiki({ ownerId: user.id, slug: 'notes', name: 'Notes', purpose: '', categories: [] });
    await fn(meta, jobs, wiki.id);
  } finally {
    await jobs.close();
    await meta.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void test('jobs are claimed once each, due ones only, oldest first; finished jobs keep their outcome', () =>
  withStores(async (_meta, jobs, wikiId) => {
    const later = await jobs.enqueue('sync-wiki', wikiId, '{}', '2030-01-01T00:00:00.000Z');
    const first = await jobs.enqueue('sync-wiki', wikiId, '{}', '2020-01-01T00:00:00.000Z');
    const second = await jobs.enqueue('other', null, '{"x":1}', '2021-01-01T00:00:00.000Z');
    const now = '2025-01-01T00:00:00.000Z';
    assert.equal(await jobs.hasPending('sync-wiki', wikiId), true);
    const a = await jobs.claimNext(now);
    const b = await jobs.claimNext(now);
    assert.deepEqual([a?.id, a?.status, a?.attempts, b?.id, b?.payload], [first.id, 'running', 1, second.id, '{"x":1}']);
    assert.equal(await jobs.claimNext(now), null);
    await jobs.finish(first.id, null, now);
    await jobs.finish(second.id, 'boom', now);
    assert.deepEqual([(await jobs.getJob(first.id))?.status, (await jobs.getJob(second.id))?.lastError], ['done', 'boom']);
    assert.equal((await jobs.claimNext('2031-01-01T00:00:00.000Z'))?.id, later.id);
    assert.equal(await jobs.requeueRunning(), 1);
    assert.equal((await jobs.getJob(later.id))?.status, 'queued');
  }));

void test('sync links: upsert starts the status over, due ones are listed, they go with their wiki', () =>
  withStores(async (meta, jobs, wikiId) => {
    await jobs.putSyncLink({ wikiId, url: 'https://a.example/x.git', username: 'u', secret: 'sealed', nextRunAt: '2020-01-01T00:00:00.000Z' });
    await jobs.recordSync(wikiId, {
      state: 'needs_attention',
      lastResult: 'diverged',
      ourHead: 'a'.repeat(40),
      theirHead: 'b'.repeat(40),
      message: 'm',
      lastRunAt: '2020-01-01T00:00:00.000Z',
      nextRunAt: '2020-01-02T00:00:00.000Z',
    });
    assert.equal((await jobs.getSyncLink(wikiId))?.state, 'needs_attention');
    assert.deepEqual((await jobs.dueSyncLinks('2020-01-01T12:00:00.000Z', 10)).length, 0);
    assert.deepEqual((await jobs.dueSyncLinks('2020-01-03T00:00:00.000Z', 10)).map((l) => l.wikiId), [wikiId]);
    const replaced = await jobs.putSyncLink({ wikiId, url: 'https://b.example/y.git', username: null, secret: null, nextRunAt: '2020-01-05T00:00:00.000Z' });
    assert.deepEqual([replaced.url, replaced.state, replaced.theirHead, replaced.secret], ['https://b.example/y.git', 'never', null, null]);
    await jobs.scheduleSync(wikiId, '2020-02-01T00:00:00.000Z');
    assert.equal((await jobs.getSyncLink(wikiId))?.nextRunAt, '2020-02-01T00:00:00.000Z');
    await meta.deleteWiki(wikiId);
    assert.equal(await jobs.getSyncLink(wikiId), null);
    assert.equal(await jobs.deleteSyncLink(wikiId), false);
  }));

/** How many of this process's open files are `file` itself (not its -wal or -shm). */
function handlesOn(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false; // closed since the listing
    }
  }).length;
}

void test('services keep one connection to the metadata database: the job store shares it and closes with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-jobs-'));
  const file = join(dir, 'meta.sqlite');
  try {
    const services = await openServices(loadConfig({ data: dir }, {}));
    const user = await services.meta.createUser({ username: 'bea', email: 'bea@example.test', passwordHash: null });
    const wiki = await services.meta.createWiki({ ownerId: user.id, slug: 'notes', name: 'Notes', purpose: '', categories: [] });
    await services.jobs.putSyncLink({ wikiId: wiki.id, url: 'https://a.example/x.git', username: null, secret: null, nextRunAt: '2020-01-01T00:00:00.000Z' });
    await services.jobs.enqueue('sync-wiki', wiki.id);
    assert.equal(handlesOn(file), 1);
    // One connection: what the job store wrote is what the metadata store's deletion cascades over.
    await services.meta.deleteWiki(wiki.id);
    assert.equal(await services.jobs.getSyncLink(wiki.id), null);
    await closeServices(services);
    assert.equal(handlesOn(file), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
