// The operator's levers and the limits that protect the server: `wikibot user set-tier` and `user disable|enable`
// run as real processes against a running server's data directory (their effect seen through REST and MCP), the
// site admin by WIKIBOT_ADMIN_EMAIL, and the per-address and per-user rate limits (429 with Retry-After).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RateLimiter } from '../src/adapters/rest/rate-limit.js';
import * as uc from '../src/usecases/index.js';
import { connectMcp } from './mcp-client.js';
import { assertError, assertUnchanged, createPage, makeTenant, startServer, uniqueName, type TestServer } from './harness.js';
import { body, makeMember } from './management-support.js';

const CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../src/cli.js');

function wikibot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, WIKIBOT_LOG_LEVEL: 'silent' }, timeout: 15_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function withServer(fn: (h: TestServer) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const h = await startServer({ env });
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

void describe('admin CLI', () => {
  void it('set-tier lapsed makes the wiki read-only through REST and MCP, saying why; premium lifts it; bad input changes nothing', () =>
    withServer(async (h) => {
      const t = await makeTenant(h, uniqueName('lapse'));
      await createPage(t, 'Before', '# Before\n');
      let run = await wikibot(['user', 'set-tier', t.owner, 'lapsed', '--data', h.dataDir]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /lapsed tier \(their wikis are read-only\)/);

      const res = await assertUnchanged(t, () => t.api('PUT', '/pages/After', { body: { content: '# After\n' } }));
      assertError(res, 403, 'FORBIDDEN', /read-only because its owner's premium subscription has lapsed/);
      assert.equal((await t.api('GET', '/pages/Before')).status, 200, 'reading still works');
      const mcp = await connectMcp(`${h.url}/mcp`, { token: t.writeToken });
      try {
        const answer = await assertUnchanged(t, () => mcp.call('write_note', { path: 'After', content: '# After\n' }));
        assert.equal(answer.isError, true);
        assert.match(answer.text, /lapsed/);
        assert.match(answer.text, /tell the user why nothing can be written/);
        assert.equal((await mcp.call('read_note', { path: 'Before' })).isError, false);
      } finally {
        await mcp.close();
      }
      const manager = (await uc.createToken(h.services, { username: t.owner, scope: 'write' })).token;
      const me = body(await h.request('GET', '/api/v1/me', { token: manager }));
      assert.equal(me.tier, 'lapsed');
      assert.match(String(me.notice), /read-only/);

      for (const [args, message] of [
        [['user', 'set-tier', t.owner, 'gold'], /tier must be free, premium or lapsed/],
        [['user', 'set-tier', 'no-such-user', 'free'], /There is no user "no-such-user"/],
        [['user', 'set-tier', t.owner], /missing free\|premium\|lapsed/],
      ] as const) {
        run = await wikibot([...args, '--data', h.dataDir]);
        assert.notEqual(run.code, 0);
        assert.match(run.stderr, message);
      }
      assert.equal((await h.services.meta.getUserByUsername(t.owner))?.tier, 'lapsed');

      run = await wikibot(['user', 'set-tier', t.owner, 'premium', '--data', h.dataDir]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((await t.api('PUT', '/pages/After', { body: { content: '# After\n' } })).status, 201);
    }));

  void it('disable stops the user\'s tokens at once (REST and MCP); enable restores them', () =>
    withServer(async (h) => {
      const t = await makeTenant(h, uniqueName('off'));
      let run = await wikibot(['user', 'disable', t.owner, '--data', h.dataDir]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /disabled/);
      assertError(await t.api('GET', '/pages/Home'), 401, 'UNAUTHORIZED');
      assertError(await t.api('GET', '/pages/Home', { token: t.readToken }), 401, 'UNAUTHORIZED');
      await assert.rejects(connectMcp(`${h.url}/mcp`, { token: t.writeToken }));
      run = await wikibot(['user', 'disable', 'no-such-user', '--data', h.dataDir]);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /There is no user/);
      run = await wikibot(['user', 'enable', t.owner, '--data', h.dataDir]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((await t.api('GET', '/pages/Home')).status, 200);
      const mcp = await connectMcp(`${h.url}/mcp`, { token: t.writeToken });
      await mcp.close();
    }));

  void it('WIKIBOT_ADMIN_EMAIL makes that account site admin; other accounts are not', () =>
    withServer(
      async (h) => {
        const boss = await uc.createUser(h.services, { username: uniqueName('boss'), email: 'BOSS@example.test', password: null });
        const worker = await uc.createUser(h.services, { username: uniqueName('worker'), email: 'worker@example.test', password: null });
        assert.equal(boss.isAdmin, true);
        assert.equal(worker.isAdmin, false);
        const t = await makeTenant(h, uniqueName('tenant'));
        const token = (await uc.createToken(h.services, { username: boss.username, scope: 'write' })).token;
        assert.equal((await h.request('GET', t.base, { token })).status, 200, 'the admin sees every wiki');
      },
      { WIKIBOT_ADMIN_EMAIL: 'boss@example.test' },
    ));
});

void describe('rate limits', () => {
  void it('per address: the request over the limit gets 429 RATE_LIMITED with Retry-After; other paths are not limited', () =>
    withServer(
      async (h) => {
        for (let i = 0; i < 5; i++) assert.equal((await h.request('GET', '/api/v1/openapi.json')).status, 200);
        const res = await h.request('GET', '/api/v1/openapi.json');
        assertError(res, 429, 'RATE_LIMITED', /Too many requests from this address; try again in \d+ seconds?/);
        const retry = Number(res.headers.get('retry-after'));
        assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${retry}`);
        assert.equal(body(res).data && (body(res).data as { retry_after: number }).retry_after, retry);
        assert.equal((await h.request('GET', '/healthz')).status, 200, 'health checks are not limited');
      },
      { WIKIBOT_RATE_LIMIT_IP: '5', WIKIBOT_RATE_LIMIT_WINDOW_S: '60' },
    ));

  void it('per user: every token of one user shares the limit, another user is not affected, MCP counts too', () =>
    withServer(
      async (h) => {
        const a = await makeTenant(h, uniqueName('busy'));
        const b = await makeMember(h, uniqueName('calm'));
        assert.equal((await a.api('GET', '/pages/Home')).status, 200);
        assert.equal((await a.api('GET', '/pages/Home', { token: a.readToken })).status, 200);
        assert.equal((await a.api('GET', '/pages/Home')).status, 200);
        const res = await a.api('GET', '/pages/Home', { token: a.readToken });
        assertError(res, 429, 'RATE_LIMITED', /from this user/);
        assert.ok(Number(res.headers.get('retry-after')) >= 1);
        const mcp = await fetch(`${h.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${a.writeToken}`, 'content-type': 'application/json' }, body: '{}' });
        assert.equal(mcp.status, 429);
        assert.equal((await b.call('GET', '/api/v1/me')).status, 200);
      },
      { WIKIBOT_RATE_LIMIT_USER: '3', WIKIBOT_RATE_LIMIT_IP: '1000' },
    ));

  void it('behind a reverse proxy (WIKIBOT_TRUST_PROXY), each forwarded client address has its own limit', () =>
    withServer(
      async (h) => {
        const from = (ip: string) => h.request('GET', '/api/v1/openapi.json', { headers: { 'x-forwarded-for': ip } });
        assert.equal((await from('203.0.113.7')).status, 200);
        assert.equal((await from('203.0.113.7')).status, 200);
        assertError(await from('203.0.113.7'), 429, 'RATE_LIMITED');
        assert.equal((await from('198.51.100.9')).status, 200, 'another client is not affected');
      },
      { WIKIBOT_RATE_LIMIT_IP: '2', WIKIBOT_TRUST_PROXY: 'true' },
    ));

  void it('RateLimiter: counts per key in fixed windows, reports the seconds left, and 0 means no limit', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(2, 10_000, () => now);
    assert.equal(limiter.hit('a'), null);
    assert.equal(limiter.hit('a'), null);
    assert.equal(limiter.hit('a'), 10);
    assert.equal(limiter.hit('b'), null, 'keys are independent');
    now += 7_500;
    assert.equal(limiter.hit('a'), 3);
    now += 2_500;
    assert.equal(limiter.hit('a'), null, 'a new window');
    const open = new RateLimiter(0, 1000, () => now);
    for (let i = 0; i < 100; i++) assert.equal(open.hit('x'), null);
  });
});
