/**
 * Test helper: ages a browser session by moving its creation time back in the meta store's SQLite file, as if the
 * person had signed in `minutes` ago (what "signed in within ten minutes" is measured from).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as uc from '../src/usecases/index.js';
import type { TestServer } from './harness.js';

/** Backdates the session behind cookie value `secret` by `minutes`; returns its id. */
export async function backdateSession(h: TestServer, secret: string, minutes: number): Promise<number> {
  const resumed = await uc.resumeSession(h.services, secret);
  assert.ok(resumed, 'a live session to backdate');
  const db = new Database(join(h.dataDir, 'meta.sqlite'));
  try {
    const at = new Date(Date.now() - minutes * 60_000).toISOString();
    assert.equal(db.prepare('update sessions set created_at = ? where id = ?').run(at, resumed.session.id).changes, 1);
  } finally {
    db.close();
  }
  return resumed.session.id;
}
