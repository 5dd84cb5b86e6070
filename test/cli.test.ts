// The `wikibot` command, run as a real process: user, wiki and token creation, reindex, bad usage, and `serve`
// answering /healthz and /readyz — all pointed at a temporary data directory with --data.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../src/cli.js');

let data: string;
before(() => {
  data = mkdtempSync(join(tmpdir(), 'wikibot-cli-'));
});
after(() => {
  rmSync(data, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function wikibot(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, WIKIBOT_LOG_LEVEL: 'silent', ...env }, timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

void test('user, wiki and token creation, then reindex, then serve the wiki with that token', { timeout: 30_000 }, async () => {
  const admin = await wikibot(['user', 'create', 'root-admin', '--email', 'root@example.test', '--password', 'a long enough password', '--data', data]);
  assert.equal(admin.code, 0, admin.stderr);
  assert.match(admin.stdout, /created user root-admin <root@example.test> \(site admin\)/);
  const user = await wikibot(['user', 'create', 'carol', '--email', 'carol@example.test', '--password', 'another long password', '--data', data]);
  assert.equal(user.code, 0, user.stderr);
  assert.doesNotMatch(user.stdout, /site admin/, 'only the first account is site admin');

  const wiki = await wikibot(['wiki', 'create', 'carol/research', '--name', 'Carol Research', '--purpose', 'Testing the CLI', '--data', data]);
  assert.equal(wiki.code, 0, wiki.stderr);
  assert.match(wiki.stdout, /created wiki carol\/research "Carol Research" \(private\)/);

  const token = await wikibot(['token', 'create', '--user', 'carol', '--wiki', 'carol/research', '--scope', 'write', '--expires', '30d', '--data', data]);
  assert.equal(token.code, 0, token.stderr);
  const secret = token.stdout.trim();
  assert.match(secret, /^wbt_\S+$/, 'stdout is the token alone, for scripts');
  assert.match(token.stderr, /shown once/);

  const reindex = await wikibot(['reindex', 'carol/research', '--data', data]);
  assert.equal(reindex.code, 0, reindex.stderr);
  assert.match(reindex.stdout, /reindexed carol\/research: 3 pages at [0-9a-f]{7}/);
  const all = await wikibot(['reindex'], { WIKIBOT_DATA: data });
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /reindexed carol\/research/);

  const port = await freePort();
  const server = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data', data], {
    env: { ...process.env, WIKIBOT_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  server.stdout.on('data', (c: Buffer) => (log += c.toString()));
  server.stderr.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<number | null>((done) => server.once('exit', (code) => done(code)));
  try {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    let health: Response | null = null;
    while (Date.now() < deadline) {
      health = await fetch(`${base}/healthz`).catch(() => null);
      if (health) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(health, `server did not start: ${log}`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    const home = await fetch(`${base}/api/v1/wikis/carol/research/pages/Home`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(home.status, 200);
    assert.match(((await home.json()) as { content: string }).content, /Testing the CLI/);
    const anon = await fetch(`${base}/api/v1/wikis/carol/research/pages/Home`);
    assert.equal(anon.status, 404);
    // JSON log lines with a request id.
    await new Promise((r) => setTimeout(r, 100));
    const line = log.split('\n').find((l) => l.includes('"reqId"'));
    assert.ok(line, `no request log line in: ${log}`);
    assert.doesNotThrow(() => JSON.parse(line));
  } finally {
    server.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0, 'serve stops cleanly on SIGTERM');
  }
});

void test('bad usage and bad settings exit non-zero with a message naming the problem', async () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['frobnicate', '--data', data], 2, /unknown command "frobnicate"/],
    [['user', 'create', '--data', data], 2, /missing <username>/],
    [['user', 'create', 'dave', '--email', 'dave@example.test', '--data', data], 2, /missing --password/],
    [['user', 'create', 'Dave', '--email', 'dave@example.test', '--password', 'long enough password', '--data', data], 1, /must be lowercase/],
    [['wiki', 'create', 'no-slash', '--data', data], 2, /expected <owner>\/<slug>/],
    [['wiki', 'create', 'nobody/wiki2', '--data', data], 1, /no user "nobody"/i],
    [['token', 'create', '--data', data], 2, /missing --user/],
    [['token', 'create', '--user', 'ghost', '--scope', 'admin', '--data', data], 2, /--scope must be read or write/],
    [['token', 'create', '--user', 'ghost', '--data', data], 1, /no user "ghost"/i],
    [['serve', '--port', 'eighty', '--data', data], 1, /--port must be a whole number/],
    [['serve', '--bogus-flag'], 2, /bogus-flag/],
    [['reindex', 'nobody/none', '--data', data], 1, /no wiki nobody\/none/i],
  ];
  // None of these changes anything, so they can run side by side.
  const runs = await Promise.all(cases.map(([args]) => wikibot(args)));
  for (const [i, [args, code, message]] of cases.entries()) {
    const run = runs[i]!;
    assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(' '));
  }
  const bad = await wikibot(['reindex'], { WIKIBOT_DATA: data, WIKIBOT_LOG_LEVEL: 'loud' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /WIKIBOT_LOG_LEVEL must be one of/);
  const help = await wikibot(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: wikibot/);
});
