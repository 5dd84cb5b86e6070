/**
 * Wikis from a git template through the doors people use: `POST /api/v1/wikis/<owner>/<slug>/from-template` and
 * `wikibot wiki create --template`, with the operator's WIKIBOT_TEMPLATE_* settings deciding what a URL may reach.
 * The wiki's first state is one commit; refusals (loopback not allowed, free owner, wiki-limited token) create nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteMetaStore } from '../src/meta/index.js';
import * as uc from '../src/usecases/index.js';
import { gitClient, makeGitTenant } from './git-http-support.js';
import { startServer, uniqueName, type TestServer } from './harness.js';

const CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../src/cli.js');
const LOCAL = { WIKIBOT_TEMPLATE_ALLOW_PRIVATE: 'true', WIKIBOT_TEMPLATE_ALLOW_HTTP: 'true' };

async function templateWiki(h: TestServer): Promise<string> {
  const tpl = await makeGitTenant(h.services, uniqueName('tpl'), { visibility: 'public' });
  await h.request('PUT', `/api/v1/wikis/${tpl.owner}/${tpl.slug}/pages/Guide/Start`, { token: tpl.writeToken, body: { content: '# {{wiki_name}}\n\n{{wiki_purpose}}\n' } });
  return `${h.url}/${tpl.owner}/${tpl.slug}.git`;
}

async function premiumWithToken(h: TestServer, prefix: string, tier: 'premium' | 'free' = 'premium'): Promise<{ owner: string; token: string }> {
  const owner = uniqueName(prefix);
  await h.services.meta.createUser({ username: owner, email: `${owner}@example.test`, passwordHash: null, tier });
  return { owner, token: (await uc.createToken(h.services, { username: owner, scope: 'write' })).token };
}

void test('REST: from-template creates the wiki in one commit when the operator allows loopback http', async () => {
  const h = await startServer({ env: LOCAL });
  const client = gitClient();
  try {
    const url = await templateWiki(h);
    const { owner, token } = await premiumWithToken(h, 'resttpl');
    const res = await h.request('POST', `/api/v1/wikis/${owner}/study/from-template`, {
      token,
      body: { template_url: url, name: 'Rain Study', purpose: 'measure rain', visibility: 'public' },
    });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual([res.json.name, (JSON.parse(res.text) as { visibility: string }).visibility], ['Rain Study', 'public']);
    const page = await h.request('GET', `/api/v1/wikis/${owner}/study/pages/Guide/Start`, { token });
    assert.equal(page.json.content, '# Rain Study\n\nmeasure rain\n');
    const log = await client.ok(['log', '--format=%s'], { cwd: join(h.dataDir, 'repos', owner, 'study.git') });
    assert.deepEqual(log.split('\n'), [`[api] Create wiki from template: ${url}`]);
  } finally {
    client.close();
    await h.close();
  }
});

void test('REST: refusals create nothing — loopback by default, free owner, token limited to a wiki, bad body', async () => {
  const h = await startServer();
  try {
    const url = await templateWiki(h);
    const { owner, token } = await premiumWithToken(h, 'deftpl');
    const gone = async (slug: string) => {
      assert.equal(await h.services.meta.getWiki(owner, slug), null);
      assert.equal(h.services.repos.exists(owner, slug), false);
    };
    const r1 = await h.request('POST', `/api/v1/wikis/${owner}/a/from-template`, { token, body: { template_url: url } });
    assert.equal(r1.status, 400);
    assert.equal(r1.json.error, 'INVALID_INPUT');
    assert.match(r1.json.message ?? '', /only https URLs are allowed/);
    const https = url.replace('http://', 'https://');
    const r2 = await h.request('POST', `/api/v1/wikis/${owner}/a/from-template`, { token, body: { template_url: https } });
    assert.match(r2.json.message ?? '', /resolves to a loopback, private or link-local address/);
    const r3 = await h.request('POST', `/api/v1/wikis/${owner}/a/from-template`, { token, body: { template: url } });
    assert.equal(r3.status, 400);
    assert.match(r3.json.message ?? '', /template_url/);
    await gone('a');
    const free = await premiumWithToken(h, 'freetpl', 'free');
    const r4 = await h.request('POST', `/api/v1/wikis/${free.owner}/a/from-template`, { token: free.token, body: { template_url: 'https://example.com/t.git' } });
    assert.equal(r4.status, 403);
    assert.match(r4.json.message ?? '', /needs a premium plan/);
    const t = await makeGitTenant(h.services, uniqueName('scoped'));
    const r5 = await h.request('POST', `/api/v1/wikis/${t.owner}/b/from-template`, { token: t.writeToken, body: { template_url: url } });
    assert.equal(r5.status, 403);
    assert.match(r5.json.message ?? '', /not limited to one wiki/);
    const r6 = await h.request('POST', `/api/v1/wikis/${owner}/c/from-template`, { body: { template_url: url } });
    assert.equal(r6.status, 401);
    assert.equal(await h.services.meta.getWiki(t.owner, 'b'), null);
    await gone('c');
  } finally {
    await h.close();
  }
});

function wikibot(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, WIKIBOT_LOG_LEVEL: 'silent', ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

void test('CLI: wiki create --template takes a local path only when WIKIBOT_TEMPLATE_ALLOW_LOCAL is set', async () => {
  const data = mkdtempSync(join(tmpdir(), 'wikibot-cli-tpl-'));
  const client = gitClient();
  try {
    const meta = await SqliteMetaStore.open(join(data, 'meta.sqlite'));
    await meta.createUser({ username: 'admin', email: 'admin@example.test', passwordHash: null });
    await meta.createUser({ username: 'carol', email: 'carol@example.test', passwordHash: null, tier: 'premium' });
    await meta.close();
    const src = join(client.dir, 'tpl');
    mkdirSync(src);
    await client.ok(['init', '-q', src]);
    writeFileSync(join(src, 'Home.md'), '# {{wiki_name}} at {{owner}}/{{slug}}\n');
    await client.ok(['add', '-A'], { cwd: src });
    await client.ok(['commit', '-q', '-m', 'tpl'], { cwd: src });

    const refused = await wikibot(['wiki', 'create', 'carol/notes', '--template', src, '--data', data], {});
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /local paths are not allowed on this server/);
    const made = await wikibot(['wiki', 'create', 'carol/notes', '--name', 'Notes', '--template', src, '--data', data], { WIKIBOT_TEMPLATE_ALLOW_LOCAL: 'true' });
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /created wiki carol\/notes "Notes"/);
    const repo = join(data, 'repos', 'carol', 'notes.git');
    assert.equal(await client.ok(['show', 'main:Home.md'], { cwd: repo }), '# Notes at carol/notes');
    assert.equal(await client.ok(['rev-list', '--count', 'main'], { cwd: repo }), '1');
  } finally {
    client.close();
    rmSync(data, { recursive: true, force: true });
  }
});
