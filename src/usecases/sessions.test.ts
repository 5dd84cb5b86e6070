// Sessions: sign in opens one, the cookie secret finds it, sign-out / revoke / expiry / a disabled user end it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.js';
import { isWikiError } from '../errors.js';
import { closeServices, createUser, endSession, listSessions, openServices, resumeSession, revokeSession, sessionCsrfToken, startSession } from './index.js';
import type { Services } from './index.js';

async function withServices(fn: (s: Services) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-sessions-'));
  const services = await openServices(loadConfig({ data: dir }, {}));
  try {
    await createUser(services, { username: 'alice', email: 'alice@example.org', password: 'correct horse battery' });
    await fn(services);
  } finally {
    await closeServices(services);
    rmSync(dir, { recursive: true, force: true });
  }
}

void test('a session starts on sign-in, resumes from its secret and ends on sign-out', () =>
  withServices(async (s) => {
    const started = await startSession(s, 'alice@example.org', 'correct horse battery', 'Chromium');
    assert.match(started.secret, /^wbs_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(started.session.hash, started.secret);
    const resumed = await resumeSession(s, started.secret);
    assert.equal(resumed?.actor.user?.username, 'alice');
    assert.equal(resumed?.actor.door, 'web');
    assert.equal(await resumeSession(s, started.secret + 'x'), null);
    assert.equal(await resumeSession(s, 'not-a-session'), null);
    assert.notEqual(sessionCsrfToken(started.secret), sessionCsrfToken(started.secret + 'x'));
    await endSession(s, started.secret);
    assert.equal(await resumeSession(s, started.secret), null);
  }));

void test('a wrong password opens no session', () =>
  withServices(async (s) => {
    await assert.rejects(startSession(s, 'alice', 'wrong password', ''), (e) => isWikiError(e, 'UNAUTHORIZED'));
    const alice = (await s.meta.getUserByUsername('alice'))!;
    assert.deepEqual(await s.meta.listSessions(alice.id), []);
  }));

void test('an expired session does not resume; a user lists and revokes only their own', () =>
  withServices(async (s) => {
    const a = await startSession(s, 'alice', 'correct horse battery', 'one');
    const b = await startSession(s, 'alice', 'correct horse battery', 'two');
    await s.meta.touchSession(a.session.id, '2000-01-01T00:00:00.000Z', '2000-01-02T00:00:00.000Z');
    assert.equal(await resumeSession(s, a.secret), null);
    const actor = (await resumeSession(s, b.secret))!.actor;
    const listed = await listSessions(s, actor);
    assert.deepEqual(listed.map((x) => x.userAgent), ['two'], 'the expired session was removed');
    assert.equal('hash' in listed[0]!, false);
    await assert.rejects(revokeSession(s, actor, 9999), (e) => isWikiError(e, 'INVALID_INPUT'));
    await assert.rejects(listSessions(s, { user: null, token: null, door: 'web' }), (e) => isWikiError(e, 'UNAUTHORIZED'));
    await revokeSession(s, actor, b.session.id);
    assert.equal(await resumeSession(s, b.secret), null);
  }));
