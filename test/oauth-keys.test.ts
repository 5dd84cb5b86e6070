/**
 * Signing keys: stored, published with `kid`, and rotated without breaking tokens already issued — the old key
 * keeps verifying its tokens until they expire, then leaves the JWKS.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import * as uc from '../src/usecases/index.js';
import { ACCESS_TOKEN_TTL_S, loadKeys, rotateSigningKey } from '../src/auth/oauth/keys.js';
import { oauthServerOf } from '../src/auth/oauth/server.js';
import { startServer, type TestServer } from './harness.js';
import { decodeJwt, makeUser, obtainTokens, rawMcp, tokenRequest } from './oauth-helpers.js';

const CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../src/cli.js');

const kidsOf = async (h: TestServer) => ((await (await fetch(`${h.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

void describe('OAuth signing keys', () => {
  let h: TestServer;
  beforeEach(async () => {
    h = await startServer();
    await makeUser(h, 'alice');
  });
  afterEach(() => h.close());

  void it('rotation keeps old tokens valid, signs new ones with the new kid, and publishes both', async () => {
    const first = await obtainTokens(h, '/mcp', { login: 'alice', access: 'write' });
    const oldKid = decodeJwt(first.access_token).header.kid as string;
    assert.deepEqual(await kidsOf(h), [oldKid]);

    const rotation = await rotateSigningKey(h.services.meta);
    assert.deepEqual(rotation.retired, [oldKid]);
    // What a running server does within 30 s by itself (here at once): read the keys again.
    await oauthServerOf(h.services).signingKeys(0);

    assert.equal((await rawMcp(`${h.url}/mcp`, first.access_token, 'tools/list')).status, 200, 'the old token still works');
    const refreshed = await tokenRequest(h, { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: first.client_id });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const newToken = refreshed.body.access_token as string;
    assert.equal(decodeJwt(newToken).header.kid, rotation.kid);
    assert.equal((await rawMcp(`${h.url}/mcp`, newToken, 'tools/list')).status, 200);
    assert.deepEqual(await kidsOf(h), [rotation.kid, oldKid]);
  });

  void it('a retired key leaves the JWKS once its tokens have expired, and the next rotation deletes it', async () => {
    const before = (await loadKeys(h.services.meta)).keys.map((k) => k.kid);
    const rotation = await rotateSigningKey(h.services.meta);
    const later = new Date(Date.now() + (ACCESS_TOKEN_TTL_S + 600) * 1000);
    const keysLater = await loadKeys(h.services.meta, later);
    assert.deepEqual(keysLater.keys.map((k) => k.kid), [rotation.kid], 'only the current key is published an hour later');
    const next = await rotateSigningKey(h.services.meta, later);
    assert.deepEqual(next.retired, [rotation.kid]);
    assert.deepEqual([...next.deleted].sort(), [...before].sort());
    const stored = (await h.services.meta.listOAuthKeys()).filter((k) => k.use === 'sig').map((k) => k.kid);
    assert.deepEqual(stored.sort(), [rotation.kid, next.kid].sort());
  });

  void it('`wikibot keys rotate` makes a new key current and a running server signs with it', async () => {
    const t = await obtainTokens(h, '/mcp', { login: 'alice', access: 'read' });
    const oldKid = decodeJwt(t.access_token).header.kid as string;
    const out = await new Promise<string>((done, fail) => {
      execFile(process.execPath, [CLI, 'keys', 'rotate', '--data', h.dataDir], { timeout: 15_000 }, (err, stdout) => (err ? fail(new Error(err.message)) : done(stdout)));
    });
    const kid = /signing key (\S+) is now current; retired (\S+)/.exec(out);
    assert.ok(kid, out);
    assert.equal(kid[2], oldKid);
    await oauthServerOf(h.services).signingKeys(0);
    const refreshed = await tokenRequest(h, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.client_id });
    assert.equal(decodeJwt(refreshed.body.access_token as string).header.kid, kid[1]);
    assert.equal((await rawMcp(`${h.url}/mcp`, t.access_token, 'tools/list')).status, 200);
    // A bad sub-command changes nothing.
    const bad = await new Promise<number>((done) => execFile(process.execPath, [CLI, 'keys', 'spin', '--data', h.dataDir], (err) => done(err ? Number(err.code) : 0)));
    assert.notEqual(bad, 0);
    assert.deepEqual((await loadKeys(h.services.meta)).keys.map((k) => k.kid), [kid[1], oldKid]);
  });

  void it('keys survive a restart: a token issued before it still verifies after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wikibot-oauth-restart-'));
    try {
      const first = await startServer({ dataDir: dir });
      await makeUser(first, 'dave');
      const t = await obtainTokens(first, '/mcp', { login: 'dave', access: 'read' });
      const port = new URL(first.url).port;
      await first.close();
      // The same data directory and address, a new process state: keys come from the metadata store.
      const config = loadConfig({ port, host: '127.0.0.1', data: dir }, { WIKIBOT_LOG_LEVEL: 'silent' });
      const services = await uc.openServices(config);
      const app = buildApp({ services, logger: false });
      try {
        await app.listen({ host: '127.0.0.1', port: Number(port) });
        assert.equal((await rawMcp(`http://127.0.0.1:${port}/mcp`, t.access_token, 'tools/list')).status, 200);
        const refreshed = await tokenRequest({ url: `http://127.0.0.1:${port}` }, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.client_id });
        assert.equal(refreshed.status, 200, 'refresh tokens and clients survive too');
      } finally {
        await app.close();
        await uc.closeServices(services);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
