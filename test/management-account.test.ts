// An account's lifecycle through the management API: the export (a zip of git bundles restored with `git clone`,
// plus metadata.json without secrets) and account deletion, which leaves no trace in repos/, index/ or the
// metadata store while other people's wikis keep the commits the user made.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import yauzl from 'yauzl';
import { hashToken } from '../src/auth/tokens.js';
import * as uc from '../src/usecases/index.js';
import { assertError, git, makeTenant, startServer, uniqueName, type TestServer } from './harness.js';
import { body, makeMember, onDisk, wikiFiles } from './management-support.js';

async function withServer(fn: (h: TestServer) => Promise<void>): Promise<void> {
  const h = await startServer();
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

/** Every entry of a zip, by name. */
function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((done, fail) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err) return fail(err);
      const entries = new Map<string, Buffer>();
      file.on('error', fail);
      file.on('end', () => done(entries));
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (e, stream) => {
          if (e) return fail(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            file.readEntry();
          });
        });
      });
      file.readEntry();
    });
  });
}

/** Every file path under `dir`, relative. */
function walk(dir: string, prefix = ''): string[] {
  if (!onDisk(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

void describe('account export', () => {
  void it('zips every owned wiki as a git bundle that `git clone` restores with the same log, plus metadata without secrets', () =>
    withServer(async (h) => {
      const p = await makeMember(h, uniqueName('exp'), 'premium');
      for (const slug of ['alpha', 'beta']) assert.equal((await p.call('POST', '/api/v1/wikis', { body: { slug, name: `Wiki ${slug}` } })).status, 201);
      await p.call('PUT', `/api/v1/wikis/${p.username}/alpha/pages/Notes`, { body: { content: '# Notes\n\nFirst.\n' } });
      await p.call('POST', `/api/v1/wikis/${p.username}/alpha/collaborators`, { body: { user: 'friend@example.test', role: 'viewer' } });
      const friend = await makeMember(h, uniqueName('friend'));
      await p.call('POST', `/api/v1/wikis/${p.username}/beta/collaborators`, { body: { user: friend.username, role: 'editor' } });
      const secret = (await p.call('POST', '/api/v1/tokens', { body: { name: 'for export', scope: 'read' } })).text;

      const started = performance.now();
      const res = await p.call('GET', '/api/v1/me/export');
      const ms = performance.now() - started;
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('content-type'), 'application/zip');
      assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="wikibot-${p.username}-\\d{4}-\\d{2}-\\d{2}\\.zip"`));
      const entries = await unzip(res.bytes);
      assert.deepEqual([...entries.keys()].sort(), ['alpha.bundle', 'beta.bundle', 'metadata.json']);

      const scratch = mkdtempSync(join(tmpdir(), 'wikibot-export-test-'));
      try {
        for (const slug of ['alpha', 'beta']) {
          const bundle = join(scratch, `${slug}.bundle`);
          writeFileSync(bundle, entries.get(`${slug}.bundle`)!);
          git(scratch, 'clone', '--quiet', bundle, slug);
          const repo = wikiFiles(h, p.username, slug).repo;
          const format = '--format=%H %an <%ae> %s';
          assert.equal(git(join(scratch, slug), 'log', format, 'main'), git(repo, 'log', format, 'main'), `${slug}: same history`);
          assert.equal(git(join(scratch, slug), 'rev-parse', 'HEAD'), git(repo, 'rev-parse', 'main'));
        }
        assert.match(git(join(scratch, 'alpha'), 'show', 'HEAD:Notes.md'), /First\./);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }

      const metadata = JSON.parse(entries.get('metadata.json')!.toString('utf8')) as {
        account: { username: string };
        wikis: Array<{ id: string; bundle: string; collaborators: unknown[]; invitations: Array<{ email: string }> }>;
        tokens: Array<Record<string, unknown>>;
      };
      assert.equal(metadata.account.username, p.username);
      assert.deepEqual(metadata.wikis.map((w) => [w.id, w.bundle]), [[`${p.username}/alpha`, 'alpha.bundle'], [`${p.username}/beta`, 'beta.bundle']]);
      assert.deepEqual(metadata.wikis[0]?.invitations.map((i) => i.email), ['friend@example.test']);
      assert.deepEqual(metadata.wikis[1]?.collaborators, [{ username: friend.username, role: 'editor' }]);
      assert.deepEqual(metadata.tokens.map((t) => t.name), ['all wikis write', 'for export']);
      const zipText = res.bytes.toString('latin1') + entries.get('metadata.json')!.toString('utf8');
      const token = (JSON.parse(secret) as { token: string }).token;
      for (const t of [p.token, token]) {
        assert.ok(!zipText.includes(t), 'no token secret in the export');
        assert.ok(!zipText.includes(hashToken(t)), 'no token hash in the export');
      }
      const exportDirs = () => new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('wikibot-export-') && !d.startsWith('wikibot-export-test')));
      const before = exportDirs();
      await p.call('GET', '/api/v1/me/export');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([...exportDirs()].filter((d) => !before.has(d)), [], 'the temporary bundles are removed');
      console.log(`# export of 2 wikis: ${ms.toFixed(0)} ms, ${res.bytes.length} bytes`);
    }));

  void it('needs a manager credential, and exports nothing for a token limited to one wiki', () =>
    withServer(async (h) => {
      const t = await makeTenant(h, uniqueName('expscope'));
      assertError(await h.request('GET', '/api/v1/me/export'), 401, 'UNAUTHORIZED');
      assertError(await h.request('GET', '/api/v1/me/export', { token: t.writeToken }), 403, 'FORBIDDEN');
    }));
});

void describe('account deletion', () => {
  void it('needs the username as confirmation; then removes owned wikis, grants, tokens and the user, leaving no trace', () =>
    withServer(async (h) => {
      const doomed = await makeMember(h, uniqueName('doomed'), 'premium');
      for (const slug of ['one', 'two']) assert.equal((await doomed.call('POST', '/api/v1/wikis', { body: { slug } })).status, 201);
      const other = await makeTenant(h, uniqueName('keeper'));
      const otherWiki = (await h.services.meta.getWiki(other.owner, other.slug))!;
      const doomedUser = (await h.services.meta.getUserByUsername(doomed.username))!;
      await h.services.meta.setRole(otherWiki.id, doomedUser.id, 'editor');
      await h.services.meta.putInvitation((await h.services.meta.getWiki(doomed.username, 'one'))!.id, 'someone@example.test', 'viewer');
      // The doomed user edits the keeper's wiki: that history must survive.
      assert.equal((await doomed.call('PUT', `${other.base}/pages/Doomed_Was_Here`, { body: { content: '# Hello\n' } })).status, 201);
      const keeperHead = other.head();

      for (const confirm of [undefined, 'someone-else', doomed.username.toUpperCase()]) {
        assertError(await doomed.call('DELETE', '/api/v1/me', { body: confirm === undefined ? {} : { confirm } }), 400, 'INVALID_INPUT', /confirm/);
      }
      assert.ok(onDisk(wikiFiles(h, doomed.username, 'one').repo), 'nothing deleted by a wrong confirmation');
      assert.ok(await h.services.meta.getUserByUsername(doomed.username));

      const started = performance.now();
      const res = await doomed.call('DELETE', '/api/v1/me', { body: { confirm: doomed.username } });
      const ms = performance.now() - started;
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(body(res), { deleted: doomed.username, wikis: [`${doomed.username}/one`, `${doomed.username}/two`] });

      // Data directory: no repository or index of the user's remains.
      const leftovers = [...walk(join(h.dataDir, 'repos')), ...walk(join(h.dataDir, 'index'))].filter((f) => f.includes(doomed.username));
      assert.deepEqual(leftovers, []);
      assert.ok(!onDisk(join(h.dataDir, 'repos', doomed.username)) && !onDisk(join(h.dataDir, 'index', doomed.username)));
      // Metadata store: no row anywhere mentions the user (read with a separate connection).
      const db = new Database(join(h.dataDir, 'meta.sqlite'), { readonly: true });
      try {
        const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").pluck().all() as string[];
        for (const table of tables) {
          const rows = JSON.stringify(db.prepare(`select * from "${table}"`).all());
          assert.ok(!rows.includes(doomed.username), `${table} still mentions ${doomed.username}`);
          assert.ok(!rows.includes(doomed.email), `${table} still has the email`);
          assert.ok(!rows.includes(hashToken(doomed.token)), `${table} still has the token hash`);
        }
        assert.equal(db.prepare('select count(*) from grants where user_id = ?').pluck().get(doomedUser.id), 0);
        assert.equal(db.prepare('select count(*) from invitations').pluck().get(), 0);
      } finally {
        db.close();
      }
      assertError(await doomed.call('GET', '/api/v1/me'), 401, 'UNAUTHORIZED');
      // The keeper's wiki keeps the commit the deleted user made.
      assert.equal(other.head(), keeperHead);
      assert.match(git(other.repoDir, 'log', '--format=%an %s', 'main'), new RegExp(`${doomed.username}.*Doomed_Was_Here`));
      assert.equal((await other.api('GET', '/pages/Doomed_Was_Here')).status, 200);
      // The username can be registered again, starting empty.
      const again = await uc.createUser(h.services, { username: doomed.username, email: doomed.email, password: null });
      assert.deepEqual(await h.services.meta.listWikisForUser(again.id), []);
      console.log(`# account deletion (2 wikis): ${ms.toFixed(0)} ms`);
    }));
});
