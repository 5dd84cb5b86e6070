/**
 * External sync against a second local bare repository (a file path, allowed by the test config) and a smart-HTTP
 * remote (another wiki on our own server, reached with its owner's token): push-only, pull-only, divergence reported
 * and nothing changed on either side, a remote tree the wiki cannot hold refused, credentials encrypted at rest, a
 * wrong or missing key refused with a clear message, owner-only REST, and the scheduled job run by the worker.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OPENAPI_DOCUMENT } from '../src/adapters/rest/openapi.js';
import { cliActor } from '../src/auth/actor.js';
import { JobWorker } from '../src/adapters/jobs/index.js';
import * as uc from '../src/usecases/index.js';
import { gitClient, makeGitTenant, type GitClient, type GitTenant } from './git-http-support.js';
import { startServer, uniqueName, type TestServer } from './harness.js';

const KEY = Buffer.alloc(32, 42).toString('base64');
const OTHER_KEY = Buffer.alloc(32, 7).toString('base64');
const ENV = {
  WIKIBOT_SECRET_KEY: KEY,
  WIKIBOT_TEMPLATE_ALLOW_LOCAL: 'true',
  WIKIBOT_TEMPLATE_ALLOW_PRIVATE: 'true',
  WIKIBOT_TEMPLATE_ALLOW_HTTP: 'true',
};

interface SyncJson {
  linked: boolean;
  url?: string;
  username?: string | null;
  has_token?: boolean;
  state?: string;
  last_result?: string | null;
  our_head?: string | null;
  their_head?: string | null;
  message?: string | null;
  error?: string;
  deleted?: boolean;
}

interface Ctx {
  h: TestServer;
  client: GitClient;
  t: GitTenant;
  repoDir: string;
  sync: (method: string, body?: unknown, token?: string) => Promise<{ status: number; body: SyncJson; text: string }>;
  head: (gitDir: string) => Promise<string>;
  write: (path: string, content: string) => Promise<void>;
}

async function withSync(env: Record<string, string>, fn: (c: Ctx) => Promise<void>): Promise<void> {
  const h = await startServer({ env });
  const client = gitClient();
  try {
    const t = await makeGitTenant(h.services, uniqueName('sync'));
    const sync = async (method: string, body?: unknown, token = t.writeToken) => {
      const path = `/api/v1/wikis/${t.owner}/${t.slug}/sync${method === 'RUN' ? '/run' : ''}`;
      const res = await h.request(method === 'RUN' ? 'POST' : method, path, { token, ...(body !== undefined ? { body } : {}) });
      return { status: res.status, body: JSON.parse(res.text) as SyncJson, text: res.text };
    };
    const head = (gitDir: string) => client.ok(['rev-parse', 'refs/heads/main'], { env: { GIT_DIR: gitDir } });
    const write = async (path: string, content: string) => {
      const r = await h.request('PUT', `/api/v1/wikis/${t.owner}/${t.slug}/pages/${path}`, { token: t.writeToken, body: { content } });
      assert.ok(r.status === 200 || r.status === 201, r.text);
    };
    await fn({ h, client, t, repoDir: join(h.dataDir, 'repos', t.owner, `${t.slug}.git`), sync, head, write });
  } finally {
    client.close();
    await h.close();
  }
}

/** Commits `files` in a working clone of `remote` and pushes them there. */
async function commitToRemote(client: GitClient, remote: string, files: Record<string, string>, message: string): Promise<void> {
  const work = join(client.dir, `work-${Math.random().toString(36).slice(2)}`);
  await client.ok(['clone', '-q', remote, work]);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(work, path, '..'), { recursive: true });
    writeFileSync(join(work, path), content);
  }
  await client.ok(['add', '-A'], { cwd: work });
  await client.ok(['commit', '-q', '-m', message], { cwd: work });
  await client.ok(['push', '-q', 'origin', 'HEAD:main'], { cwd: work });
}

void describe('external sync', () => {
  void it('with a bare repository: push-only, pull-only, then a divergence that changes nothing on either side', { timeout: 30_000 }, async () => {
    await withSync(ENV, async ({ h, client, t, repoDir, sync, head, write }) => {
      const remote = join(client.dir, 'remote.git');
      await client.ok(['init', '-q', '--bare', '-b', 'main', remote]);
      const linked = await sync('PUT', { url: remote });
      assert.equal(linked.status, 200, linked.text);
      assert.deepEqual([linked.body.linked, linked.body.state, linked.body.has_token], [true, 'never', false]);

      // Push-only: the remote is empty, so our history goes there.
      let run = await sync('RUN');
      assert.equal(run.status, 200, run.text);
      assert.deepEqual([run.body.state, run.body.last_result], ['ok', 'pushed']);
      assert.equal(await head(remote), await head(repoDir));
      await write('Local/One', 'one from the wiki\n');
      run = await sync('RUN');
      assert.equal(run.body.last_result, 'pushed');
      assert.equal(await head(remote), await head(repoDir));
      assert.equal((await sync('RUN')).body.last_result, 'up_to_date');

      // Pull-only: commits made on the remote come in, checked and indexed.
      await commitToRemote(client, remote, { 'Remote/Two.md': '# Two\n\nwritten elsewhere about glaciers\n', 'Remote/Two/data.csv': 'a,b\n' }, 'remote two');
      run = await sync('RUN');
      assert.deepEqual([run.body.state, run.body.last_result], ['ok', 'pulled'], run.text);
      assert.equal(await head(repoDir), await head(remote));
      const page = await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/pages/Remote/Two`, { token: t.readToken });
      assert.equal(page.json.content, '# Two\n\nwritten elsewhere about glaciers\n');
      const found = await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/search?q=glaciers`, { token: t.readToken });
      assert.match(found.text, /Remote\/Two/);

      // Both sides moved: nothing is merged, nothing changes, the status says what to do.
      await write('Local/Three', 'three\n');
      await commitToRemote(client, remote, { 'Remote/Four.md': 'four\n' }, 'remote four');
      const [ours, theirs] = [await head(repoDir), await head(remote)];
      run = await sync('RUN');
      assert.deepEqual([run.body.state, run.body.last_result, run.body.our_head, run.body.their_head], ['needs_attention', 'diverged', ours, theirs]);
      assert.match(run.body.message ?? '', /never merges.*pull the remote's main into it/s);
      assert.deepEqual([await head(repoDir), await head(remote)], [ours, theirs]);
      assert.equal((await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/pages/Remote/Four`, { token: t.readToken })).status, 404);
      const status = await sync('GET');
      assert.equal(status.body.state, 'needs_attention');
      const fsck = await client.run(['fsck', '--strict', '--no-dangling'], { cwd: repoDir });
      assert.equal(fsck.code, 0, fsck.stderr);
    });
  });

  void it('refuses remote commits the wiki cannot hold, leaving the wiki as it was', { timeout: 20_000 }, async () => {
    await withSync(ENV, async ({ client, repoDir, sync, head }) => {
      const remote = join(client.dir, 'bad.git');
      await client.ok(['clone', '-q', '--bare', repoDir, remote]);
      await sync('PUT', { url: remote });
      await commitToRemote(client, remote, { LICENSE: 'MIT\n', 'bad..name.md': 'x\n' }, 'not a wiki layout');
      const before = await head(repoDir);
      const run = await sync('RUN');
      assert.deepEqual([run.body.state, run.body.last_result], ['needs_attention', 'refused'], run.text);
      assert.match(run.body.message ?? '', /"LICENSE" is outside the wiki's layout/);
      assert.equal(await head(repoDir), before);
      // The refused objects stayed in the scratch repository: the wiki does not have them.
      const missing = await client.run(['cat-file', '-e', `${await head(remote)}^{commit}`], { env: { GIT_DIR: repoDir } });
      assert.notEqual(missing.code, 0);
    });
  });

  void it('checks every fetched commit: a file added then removed on the remote is refused by commit and path, the wiki untouched', { timeout: 30_000 }, async () => {
    await withSync(ENV, async ({ h, client, t, repoDir, sync, head }) => {
      const remote = join(client.dir, 'history.git');
      await client.ok(['clone', '-q', '--bare', repoDir, remote]);
      await sync('PUT', { url: remote });
      const work = join(client.dir, 'history-work');
      await client.ok(['clone', '-q', remote, work]);
      const commit = async (message: string, files: Record<string, string | null>): Promise<string> => {
        for (const [path, content] of Object.entries(files)) {
          if (content === null) {
            await client.ok(['rm', '-q', '--', path], { cwd: work });
            continue;
          }
          mkdirSync(join(work, path, '..'), { recursive: true });
          writeFileSync(join(work, path), content);
          await client.ok(['add', '--', path], { cwd: work });
        }
        await client.ok(['commit', '-q', '-m', message], { cwd: work });
        return client.ok(['rev-parse', 'HEAD'], { cwd: work });
      };
      const base = await client.ok(['rev-parse', 'HEAD'], { cwd: work });
      const bad = await commit('add a stray file', {
        'Good.md': '# Good\n\nnotes about moraines\n',
        'bad..name.md': 'x\n',
        'Ghost/data.csv': 'a,b\n',
      });
      await commit('tidy up', { 'bad..name.md': null, 'Ghost/data.csv': null });
      await client.ok(['push', '-q', 'origin', 'HEAD:main'], { cwd: work });

      const pagesBefore = (await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/pages`, { token: t.readToken })).text;
      const before = await head(repoDir);
      const run = await sync('RUN');
      // The remote's head is a valid wiki; the commit on the way there is not.
      assert.deepEqual([run.body.state, run.body.last_result, run.body.our_head, run.body.their_head], ['needs_attention', 'refused', before, await head(remote)], run.text);
      const message = run.body.message ?? '';
      assert.match(message, /cannot be taken into the wiki, which was left unchanged/);
      assert.match(message, new RegExp(`commit ${bad.slice(0, 10)} \\("add a stray file"\\): "bad\\.\\.name\\.md"`));
      assert.match(message, new RegExp(`commit ${bad.slice(0, 10)} \\("add a stray file"\\): "Ghost/data\\.csv" is an attachment of page Ghost, which does not exist`));
      assert.doesNotMatch(message, /tidy up/);
      assert.equal((await sync('GET')).body.state, 'needs_attention');

      // Nothing changed in the wiki: main, its objects, its index.
      assert.equal(await head(repoDir), before);
      assert.notEqual((await client.run(['cat-file', '-e', `${bad}^{commit}`], { env: { GIT_DIR: repoDir } })).code, 0);
      assert.equal((await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/pages`, { token: t.readToken })).text, pagesBefore);
      assert.equal((await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/pages/Good`, { token: t.readToken })).status, 404);
      assert.doesNotMatch((await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/search?q=moraines`, { token: t.readToken })).text, /Good/);

      // The remote's history rewritten without the stray commit: several valid commits come in, each checked.
      await client.ok(['reset', '-q', '--hard', base], { cwd: work });
      await commit('a page', { 'Good.md': '# Good\n\nnotes about moraines\n' });
      await commit('its attachment', { 'Good/data.csv': 'a,b\n' });
      const last = await commit('renamed', { 'Good/data.csv': null, 'Good/table.csv': 'a,b\n' });
      await client.ok(['push', '-q', '-f', 'origin', 'HEAD:main'], { cwd: work });
      const pulled = await sync('RUN');
      assert.deepEqual([pulled.body.state, pulled.body.last_result, pulled.body.our_head], ['ok', 'pulled', last], pulled.text);
      assert.equal(await head(repoDir), last);
      assert.match((await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/search?q=moraines`, { token: t.readToken })).text, /Good/);
    });
  });

  void it('with a smart-HTTP remote and a token: pushes and pulls through our own server; the token is encrypted at rest', { timeout: 30_000 }, async () => {
    await withSync(ENV, async ({ h, client, t, repoDir, sync, head, write }) => {
      // The remote: another wiki on this server whose history is ours (copied on disk, then reindexed).
      const other = await makeGitTenant(h.services, uniqueName('remote'));
      const otherDir = join(h.dataDir, 'repos', other.owner, `${other.slug}.git`);
      await client.ok(['fetch', '-q', repoDir, '+refs/heads/main:refs/heads/main'], { env: { GIT_DIR: otherDir } });
      await uc.reindexWiki(h.services, cliActor(null), { owner: other.owner, slug: other.slug });
      const url = `${h.url}/${other.owner}/${other.slug}.git`;

      // A wrong token: a clear error, nothing changed.
      await sync('PUT', { url, username: 'git', token: 'wbt_wrong' });
      let run = await sync('RUN');
      assert.deepEqual([run.body.state, run.body.last_result], ['error', 'failed'], run.text);
      assert.match(run.body.message ?? '', /Could not fetch from the remote/);

      const linked = await sync('PUT', { url, username: 'git', token: other.writeToken });
      assert.equal(linked.body.has_token, true);
      assert.ok(!linked.text.includes(other.writeToken));
      await write('Local/Http', 'over http\n');
      run = await sync('RUN');
      assert.deepEqual([run.body.state, run.body.last_result], ['ok', 'pushed'], run.text);
      assert.equal(await head(otherDir), await head(repoDir));
      // The remote wiki indexed the pushed commit (our push went through its pre-receive checks).
      const there = await h.request('GET', `/api/v1/wikis/${other.owner}/${other.slug}/pages/Local/Http`, { token: other.readToken });
      assert.equal(there.json.content, 'over http\n');

      await h.request('PUT', `/api/v1/wikis/${other.owner}/${other.slug}/pages/Remote/Web`, { token: other.writeToken, body: { content: 'from the remote wiki\n' } });
      run = await sync('RUN');
      assert.deepEqual([run.body.state, run.body.last_result], ['ok', 'pulled'], run.text);
      const here = await h.request('GET', `/api/v1/wikis/${t.owner}/${t.slug}/pages/Remote/Web`, { token: t.readToken });
      assert.equal(here.json.content, 'from the remote wiki\n');

      // Encrypted at rest: the token appears nowhere in the metadata database files.
      for (const file of ['meta.sqlite', 'meta.sqlite-wal']) {
        const path = join(h.dataDir, file);
        if (existsSync(path)) assert.equal(readFileSync(path).includes(other.writeToken), false, file);
      }
      const stored = await h.services.jobs.getSyncLink((await h.services.meta.getWiki(t.owner, t.slug))!.id);
      assert.match(stored?.secret ?? '', /^aes256gcm:v1:/);
      assert.ok(!(await sync('GET')).text.includes(other.writeToken));
    });
  });

  void it('a changed key cannot read the stored token: a clear error, nothing changed; no key: linking is refused', { timeout: 20_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wikibot-sync-key-'));
    const client = gitClient();
    try {
      const remote = join(client.dir, 'remote.git');
      await client.ok(['init', '-q', '--bare', '-b', 'main', remote]);
      let h = await startServer({ env: ENV, dataDir });
      const t = await makeGitTenant(h.services, uniqueName('keyed'));
      const path = `/api/v1/wikis/${t.owner}/${t.slug}/sync`;
      assert.equal((await h.request('PUT', path, { token: t.writeToken, body: { url: remote, token: 'secret-token' } })).status, 200);
      await h.close();

      h = await startServer({ env: { ...ENV, WIKIBOT_SECRET_KEY: OTHER_KEY }, dataDir });
      const run = JSON.parse((await h.request('POST', `${path}/run`, { token: t.writeToken })).text) as SyncJson;
      assert.equal(run.state, 'error');
      assert.match(run.message ?? '', /cannot be decrypted with this server's WIKIBOT_SECRET_KEY/);
      assert.equal((await client.run(['rev-parse', '--verify', '-q', 'refs/heads/main'], { env: { GIT_DIR: remote } })).code, 1);
      await h.close();

      const { WIKIBOT_SECRET_KEY: _dropped, ...noKey } = ENV;
      h = await startServer({ env: noKey, dataDir });
      const refused = await h.request('PUT', path, { token: t.writeToken, body: { url: remote } });
      assert.equal(refused.status, 403);
      assert.match(refused.json.message ?? '', /has not set WIKIBOT_SECRET_KEY/);
      // The earlier link is still there, untouched.
      const status = JSON.parse((await h.request('GET', path, { token: t.writeToken })).text) as SyncJson;
      assert.deepEqual([status.linked, status.has_token], [true, true]);
      await h.close();
    } finally {
      client.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  void it('owner only, premium only, URLs checked, bad bodies refused — each changing nothing', { timeout: 20_000 }, async () => {
    await withSync({ WIKIBOT_SECRET_KEY: KEY }, async ({ h, t, sync }) => {
      const stranger = await makeGitTenant(h.services, uniqueName('stranger'));
      assert.equal((await sync('GET', undefined, stranger.writeToken)).status, 404);
      const editor = await makeGitTenant(h.services, uniqueName('editor'));
      const wiki = (await h.services.meta.getWiki(t.owner, t.slug))!;
      const editorUser = (await h.services.meta.getUserByUsername(editor.owner))!;
      await h.services.meta.setRole(wiki.id, editorUser.id, 'editor');
      const editorToken = (await uc.createToken(h.services, { username: editor.owner, scope: 'write' })).token;
      const asEditor = await sync('PUT', { url: 'https://example.com/x.git' }, editorToken);
      assert.equal(asEditor.status, 403);
      assert.match(asEditor.body.message ?? '', /Only the owner/);
      assert.equal((await sync('PUT', { url: 'https://example.com/x.git' }, t.readToken)).status, 403);
      const cases: Array<[unknown, RegExp]> = [
        [{ url: 'http://127.0.0.1:1/x.git' }, /only https URLs are allowed/],
        [{ url: 'https://127.0.0.1/x.git' }, /resolves to a loopback/],
        [{ url: '/srv/git/x.git' }, /local paths are not allowed/],
        [{ url: join(h.dataDir, 'repos', stranger.owner, 'notes.git') }, /inside the server's data directory/],
        [{ url: 'https://u:p@example.com/x.git' }, /URLs with credentials are not accepted/],
        [{}, /"url"/],
        [{ url: 'https://example.com/x.git', token: 'a\nb' }, /token is malformed/],
      ];
      for (const [body, message] of cases) {
        const r = await sync('PUT', body);
        assert.equal(r.status, 400, r.text);
        assert.match(r.body.message ?? '', message);
      }
      assert.equal((await sync('RUN')).status, 400);
      assert.deepEqual((await sync('GET')).body, { linked: false });
      const free = await makeGitTenant(h.services, uniqueName('freesync'), { tier: 'free' });
      const r = await h.request('PUT', `/api/v1/wikis/${free.owner}/${free.slug}/sync`, { token: free.writeToken, body: { url: 'https://example.com/x.git' } });
      assert.equal(r.status, 403);
      assert.match(r.json.message ?? '', /needs a premium plan/);
      assert.deepEqual((await sync('DELETE')).body, { deleted: false });
    });
  });

  void it('the worker runs due syncs on schedule and records the job', { timeout: 20_000 }, async () => {
    await withSync({ ...ENV, WIKIBOT_SYNC_INTERVAL_MS: '60000' }, async ({ h, client, repoDir, sync, head }) => {
      const remote = join(client.dir, 'sched.git');
      await client.ok(['init', '-q', '--bare', '-b', 'main', remote]);
      await sync('PUT', { url: remote });
      const worker = new JobWorker(h.services);
      assert.equal(await worker.runOnce(), 1);
      assert.equal(await head(remote), await head(repoDir));
      const status = await sync('GET');
      assert.equal(status.body.last_result, 'pushed');
      // Not due again until the interval has passed.
      assert.equal(await worker.runOnce(), 0);
      assert.equal(await worker.runOnce(new Date(Date.now() + 61_000)), 1);
      assert.equal((await sync('GET')).body.last_result, 'up_to_date');
      // Unlinked: nothing more is scheduled, and the credentials are gone.
      assert.deepEqual((await sync('DELETE')).body, { deleted: true });
      assert.equal(await worker.runOnce(new Date(Date.now() + 200_000)), 0);
    });
  });

  void it('every sync route is in the OpenAPI document', () => {
    const paths = OPENAPI_DOCUMENT.paths as Record<string, Record<string, unknown>>;
    const W = '/api/v1/wikis/{owner}/{wiki}';
    for (const [path, method] of [[`${W}/sync`, 'get'], [`${W}/sync`, 'put'], [`${W}/sync`, 'delete'], [`${W}/sync/run`, 'post'], [`${W}/from-template`, 'post']] as const) {
      assert.ok(paths[path]?.[method], `${method} ${path}`);
    }
  });
});
