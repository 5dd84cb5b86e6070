/**
 * Cloning and fetching a wiki with the real git client over smart HTTP: protocol v0 and v2, shallow and partial
 * clones, fetch after REST edits, credentials (Basic with a token, Bearer, the 401 prompt) and cross-tenant denial.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { gitClient, makeGitTenant, remoteUrl, type GitClient, type GitTenant } from './git-http-support.js';
import { git, startServer, uniqueName, type TestServer } from './harness.js';

void describe('git clone and fetch over smart HTTP', () => {
  let h: TestServer;
  let client: GitClient;
  before(async () => {
    h = await startServer();
    client = gitClient();
  });
  after(async () => {
    client.close();
    await h.close();
  });

  const api = (t: GitTenant, method: string, path: string, body?: unknown) =>
    h.request(method, `/api/v1/wikis/${t.owner}/${t.slug}${path}`, { token: t.writeToken, body });
  const repoDir = (t: GitTenant) => join(h.dataDir, 'repos', t.owner, `${t.slug}.git`);
  const fsck = async (dir: string) => {
    const r = await client.run(['fsck', '--strict'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
  };

  void it('clones with protocol v0 and v2, and both see the same history', async () => {
    const t = await makeGitTenant(h.services, uniqueName('clone'));
    await api(t, 'PUT', '/pages/Actors/Iran', { content: '# Iran\n\nSee [[Home]].\n' });
    for (const version of ['0', '2']) {
      const dest = join(client.dir, `v${version}-${t.owner}`);
      const r = await client.run(['-c', `protocol.version=${version}`, 'clone', remoteUrl(h.url, t.owner, t.slug, t.readToken), dest], {
        env: { GIT_TRACE_PACKET: '1' },
      });
      assert.equal(r.code, 0, r.stderr);
      // The trace shows which protocol was spoken: v2 announces "version 2" in the capability advertisement.
      assert.equal(/git< version 2/.test(r.stderr), version === '2', `protocol ${version} expected`);
      assert.equal(readFileSync(join(dest, 'Actors', 'Iran.md'), 'utf8'), '# Iran\n\nSee [[Home]].\n');
      assert.equal(await client.ok(['rev-parse', 'HEAD'], { cwd: dest }), git(repoDir(t), 'rev-parse', 'main'));
      assert.equal(await client.ok(['rev-list', '--count', 'HEAD'], { cwd: dest }), git(repoDir(t), 'rev-list', '--count', 'main'));
      await fsck(dest);
    }
    await fsck(repoDir(t));
  });

  void it('makes shallow and blob-less partial clones', async () => {
    const t = await makeGitTenant(h.services, uniqueName('shallow'));
    for (let i = 0; i < 3; i++) await api(t, 'PUT', `/pages/Page_${i}`, { content: `page ${i}\n` });
    const url = remoteUrl(h.url, t.owner, t.slug, t.readToken);
    const shallow = join(client.dir, `shallow-${t.owner}`);
    await client.ok(['clone', '--depth=1', url, shallow]);
    assert.equal(await client.ok(['rev-list', '--count', 'HEAD'], { cwd: shallow }), '1');
    assert.equal(readFileSync(join(shallow, 'Page_2.md'), 'utf8'), 'page 2\n');
    await fsck(shallow);

    const partial = join(client.dir, `partial-${t.owner}`);
    await client.ok(['clone', '--filter=blob:none', '--no-checkout', url, partial]);
    const missing = await client.ok(['rev-list', '--objects', '--missing=print', 'HEAD'], { cwd: partial });
    assert.ok(missing.split('\n').some((l) => l.startsWith('?')), 'blobs should be missing before checkout');
    // Checking out fetches the missing blobs lazily from the server.
    await client.ok(['checkout', 'main'], { cwd: partial });
    assert.equal(readFileSync(join(partial, 'Page_0.md'), 'utf8'), 'page 0\n');
    assert.equal(await client.ok(['rev-list', '--count', 'HEAD'], { cwd: partial }), git(repoDir(t), 'rev-list', '--count', 'main'));
  });

  void it('fetches what REST wrote since the clone, with Basic or Bearer credentials', async () => {
    const t = await makeGitTenant(h.services, uniqueName('fetch'));
    const dest = join(client.dir, `fetch-${t.owner}`);
    await client.ok(['clone', remoteUrl(h.url, t.owner, t.slug, t.readToken), dest]);
    await api(t, 'PUT', '/pages/Notes', { content: 'first\n' });
    await api(t, 'DELETE', '/pages/Meta/Page_Template');
    await client.ok(['pull', '--ff-only'], { cwd: dest });
    assert.equal(readFileSync(join(dest, 'Notes.md'), 'utf8'), 'first\n');
    assert.equal(await client.ok(['rev-parse', 'HEAD'], { cwd: dest }), git(repoDir(t), 'rev-parse', 'main'));
    // A bearer token in an extra header works as well as a Basic password.
    await api(t, 'PUT', '/pages/Notes2', { content: 'second\n' });
    const plain = remoteUrl(h.url, t.owner, t.slug);
    await client.ok(['-c', `http.extraHeader=Authorization: Bearer ${t.readToken}`, 'pull', '--ff-only', plain, 'main'], { cwd: dest });
    assert.equal(readFileSync(join(dest, 'Notes2.md'), 'utf8'), 'second\n');
    await fsck(dest);
    await fsck(repoDir(t));
  });

  void it('answers a private wiki without credentials with 401 and a Basic challenge, so git prompts', async () => {
    const t = await makeGitTenant(h.services, uniqueName('private'));
    const res = await h.request('GET', `/${t.owner}/${t.slug}.git/info/refs?service=git-upload-pack`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Wikibot"');
    // A wiki that does not exist looks the same to an anonymous caller: nothing is revealed.
    const ghost = await h.request('GET', `/${t.owner}/no-such-wiki.git/info/refs?service=git-upload-pack`);
    assert.equal(ghost.status, 401);
    const r = await client.run(['clone', remoteUrl(h.url, t.owner, t.slug), join(client.dir, `anon-${t.owner}`)]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /could not read Username|Authentication failed/);
    const bad = await client.run(['clone', remoteUrl(h.url, t.owner, t.slug, 'wb_not_a_real_token'), join(client.dir, `bad-${t.owner}`)]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Authentication failed/);
  });

  void it('lets anyone clone a public wiki anonymously, but not push to it', async () => {
    const t = await makeGitTenant(h.services, uniqueName('public'), { visibility: 'public' });
    const dest = join(client.dir, `public-${t.owner}`);
    await client.ok(['clone', remoteUrl(h.url, t.owner, t.slug), dest]);
    assert.ok(readFileSync(join(dest, 'Home.md'), 'utf8').length > 0);
    const push = await h.request('GET', `/${t.owner}/${t.slug}.git/info/refs?service=git-receive-pack`);
    assert.equal(push.status, 401);
    assert.equal(push.headers.get('www-authenticate'), 'Basic realm="Wikibot"');
  });

  void it("hides another tenant's private wiki: not found, by fetch or push", async () => {
    const alice = await makeGitTenant(h.services, uniqueName('alice'));
    const bob = await makeGitTenant(h.services, uniqueName('bob'));
    for (const service of ['git-upload-pack', 'git-receive-pack']) {
      const res = await h.request('GET', `/${alice.owner}/${alice.slug}.git/info/refs?service=${service}`, { token: bob.writeToken });
      assert.equal(res.status, 404, service);
      assert.match(res.text, /not found/);
    }
    const r = await client.run(['clone', remoteUrl(h.url, alice.owner, alice.slug, bob.writeToken), join(client.dir, `x-${bob.owner}`)]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not found|404/);
  });

  void it('serves the smart protocol only, with the right content types and no caching', async () => {
    const t = await makeGitTenant(h.services, uniqueName('headers'));
    const res = await h.request('GET', `/${t.owner}/${t.slug}.git/info/refs?service=git-upload-pack`, { token: t.readToken });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-git-upload-pack-advertisement');
    assert.match(res.headers.get('cache-control') ?? '', /no-cache/);
    assert.ok(res.text.startsWith('001e# service=git-upload-pack\n0000'), res.text.slice(0, 40));
    const dumb = await h.request('GET', `/${t.owner}/${t.slug}.git/info/refs`, { token: t.readToken });
    assert.equal(dumb.status, 403);
    assert.match(dumb.text, /Dumb HTTP is not offered/);
    const wrongType = await h.request('POST', `/${t.owner}/${t.slug}.git/git-upload-pack`, {
      token: t.readToken,
      body: '0000',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(wrongType.status, 415);
  });
});

void describe('git smart HTTP request bodies', () => {
  void it('decompresses gzip request bodies and speaks v2 when the Git-Protocol header asks for it', async () => {
    const h = await startServer();
    try {
      const t = await makeGitTenant(h.services, uniqueName('gzip'));
      const { gzipSync } = await import('node:zlib');
      const { pktLine, FLUSH_PKT } = await import('../src/adapters/git-http/pkt-line.js');
      const request = Buffer.concat([pktLine('command=ls-refs\n'), Buffer.from('0001', 'ascii'), pktLine('ref-prefix refs/heads/\n'), FLUSH_PKT]);
      const res = await h.request('POST', `/${t.owner}/${t.slug}.git/git-upload-pack`, {
        token: t.readToken,
        body: gzipSync(request),
        headers: { 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'gzip', 'git-protocol': 'version=2' },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('content-type'), 'application/x-git-upload-pack-result');
      const head = h.services.repos.open(t.owner, t.slug).head();
      assert.ok(res.text.includes(`${head} refs/heads/main`), res.text);
    } finally {
      await h.close();
    }
  });
});
