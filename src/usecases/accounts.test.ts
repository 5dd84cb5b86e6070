import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.js';
import { isWikiError } from '../errors.js';
import { closeServices, createToken, createUser, openServices, signIn, tokenOwner } from './index.js';

void test('signIn accepts username or email with the right password and refuses everything else alike', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-accounts-'));
  const services = await openServices(loadConfig({ data: dir }, {}));
  try {
    await createUser(services, { username: 'alice', email: 'Alice@Example.org', password: 'correct horse battery' });
    assert.equal((await signIn(services, 'alice', 'correct horse battery')).username, 'alice');
    assert.equal((await signIn(services, 'alice@example.org', 'correct horse battery')).username, 'alice');
    const refusals: Array<[string, string]> = [
      ['alice', 'wrong password!'],
      ['nobody', 'correct horse battery'],
      ['', 'correct horse battery'],
      ['alice', ''],
    ];
    for (const [login, password] of refusals) {
      await assert.rejects(
        signIn(services, login, password),
        (e) => isWikiError(e, 'UNAUTHORIZED') && e.message === 'The username or password is wrong.',
      );
    }
  } finally {
    await closeServices(services);
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('tokenOwner names the account a token belongs to, and nobody for a revoked, altered or foreign string', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-accounts-'));
  const services = await openServices(loadConfig({ data: dir }, {}));
  try {
    const alice = await createUser(services, { username: 'alice', email: 'alice@example.org', password: null });
    const { token } = await createToken(services, { username: 'alice' });
    assert.equal(await tokenOwner(services, token), alice.id);
    const { token: revoked, record } = await createToken(services, { username: 'alice' });
    await services.meta.revokeToken(alice.id, record.id);
    assert.equal(await tokenOwner(services, revoked), null, 'a revoked token is gone from the store');
    assert.equal(await tokenOwner(services, `${token.slice(0, -1)}x`), null);
    assert.equal(await tokenOwner(services, 'not a token'), null);
  } finally {
    await closeServices(services);
    rmSync(dir, { recursive: true, force: true });
  }
});
