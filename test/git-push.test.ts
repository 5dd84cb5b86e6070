/**
 * Pushing to a wiki with the real git client: many commits (pages, attachments, renames) land and the REST API
 * reflects every one of them at once; each rule refuses its push with the reason in the client's terminal and leaves
 * the repository exactly as it was (the objects never leave git's quarantine).
 */
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gitClient, makeGitTenant, remoteUrl, type GitClient, type GitTenant } from './git-http-support.js';
import { startServer, uniqueName, type TestServer } from './harness.js';

void describe('git push', () => {
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
  const head = (t: GitTenant) => h.services.repos.open(t.owner, t.slug).head();
  const fsckClean = async (dir: string) => {
    const r = await client.run(['fsck', '--strict', '--no-dangling'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '', r.stdout);
  };

  /** A clone of the tenant's wiki with the write token (or `token`) in its remote URL. */
  async function cloneOf(t: GitTenant, token = t.writeToken): Promise<string> {
    const dest = join(client.dir, uniqueName('work'));
    await client.ok(['clone', '-q', remoteUrl(h.url, t.owner, t.slug, token), dest]);
    return dest;
  }
  async function commitAll(dir: string, message: string): Promise<string> {
    await client.ok(['add', '-A'], { cwd: dir });
    await client.ok(['commit', '-q', '-m', message], { cwd: dir });
    return client.ok(['rev-parse', 'HEAD'], { cwd: dir });
  }
  /** Pushes, expects a refusal whose output matches `message`, and checks nothing was stored. */
  async function refused(t: GitTenant, dir: string, args: string[], message: RegExp, rejected?: string): Promise<string> {
    const before = head(t);
    const attempted = await client.ok(['rev-parse', 'HEAD'], { cwd: dir });
    const r = await client.run(['push', ...args], { cwd: dir });
    assert.notEqual(r.code, 0, `push should fail:\n${r.stderr}`);
    assert.match(r.stderr, message);
    if (rejected !== undefined) assert.match(r.stderr, new RegExp(rejected));
    assert.equal(head(t), before, 'main moved');
    // The refused objects were dropped with the quarantine.
    const exists = await client.run(['cat-file', '-e', attempted], { cwd: repoDir(t) });
    if (attempted !== before) assert.notEqual(exists.code, 0, 'a refused commit was stored');
    await fsckClean(repoDir(t));
    return r.stderr;
  }

  void it('lands many commits (pages, attachments, renames) and REST, search and links reflect every one', async () => {
    const t = await makeGitTenant(h.services, uniqueName('push'));
    const dir = await cloneOf(t);
    mkdirSync(join(dir, 'Actors'));
    writeFileSync(join(dir, 'Actors', 'Iran.md'), '---\ntitle: Iran\ncategory: actor\n---\n# Iran\n\nThe zanthoroquist position. See [[Actors/Iraq]].\n');
    writeFileSync(join(dir, 'Actors', 'Iraq.md'), '# Iraq\n\nNeighbour of [[Actors/Iran]].\n');
    const first = await commitAll(dir, 'Add actors');
    mkdirSync(join(dir, 'Actors', 'Iran'));
    writeFileSync(join(dir, 'Actors', 'Iran', 'map.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    await commitAll(dir, 'Attach a map');
    renameSync(join(dir, 'Actors', 'Iraq.md'), join(dir, 'Actors', 'Republic_of_Iraq.md'));
    writeFileSync(join(dir, 'Actors', 'Iran.md'), '# Iran\n\nThe zanthoroquist position. See [[Actors/Republic_of_Iraq]].\n');
    await commitAll(dir, 'Rename Iraq');
    for (let i = 0; i < 20; i++) {
      writeFileSync(join(dir, `Event_${i}.md`), `# Event ${i}\n\nLinked to [[Actors/Iran]]. plumbicorn${i}\n`);
      await commitAll(dir, `Event ${i}`);
    }
    rmSync(join(dir, 'Event_3.md'));
    const last = await commitAll(dir, 'Drop event 3');
    const r = await client.run(['push', 'origin', 'main'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(head(t), last);

    // Read right after the push returned: everything is already indexed.
    const iran = await api(t, 'GET', '/pages/Actors/Iran');
    assert.equal(iran.status, 200);
    assert.match(iran.json.content ?? '', /Republic_of_Iraq/);
    assert.equal((await api(t, 'GET', '/pages/Actors/Iraq')).status, 404);
    assert.equal((await api(t, 'GET', '/pages/Actors/Republic_of_Iraq')).status, 200);
    assert.equal((await api(t, 'GET', '/pages/Event_3')).status, 404);
    const search = await api(t, 'GET', '/search?q=plumbicorn7');
    assert.deepEqual(search.json.results?.map((x) => x.path), ['Event_7']);
    const links = await api(t, 'GET', '/links/Actors/Iran');
    assert.ok(links.json.linked_from?.includes('Event_12'), JSON.stringify(links.json));
    assert.equal(links.json.linked_from?.includes('Actors/Iraq'), false);
    const attachments = await api(t, 'GET', '/pages/Actors/Iran/attachments');
    assert.deepEqual(attachments.json.attachments?.map((a) => a.name), ['map.png']);
    // Every pushed commit is in the history, not only the last one.
    const history = await api(t, 'GET', '/pages/Actors/Iran/history');
    assert.ok(history.json.entries?.some((e) => e.oid === first), JSON.stringify(history.json.entries?.map((e) => e.message)));
    const changes = await api(t, 'GET', '/changes?limit=100');
    const messages = (changes.json.changes ?? []).map((c) => c.message);
    for (const m of ['Add actors', 'Attach a map', 'Rename Iraq', 'Event 0', 'Event 19', 'Drop event 3']) assert.ok(messages.includes(m), m);
    await fsckClean(repoDir(t));

    // A pull of REST edits merged locally pushes fine (merge commits are fast-forwards of main).
    await api(t, 'PUT', '/pages/From_Rest', { content: 'written over REST\n' });
    writeFileSync(join(dir, 'Local.md'), 'written locally\n');
    await commitAll(dir, 'Local page');
    await client.ok(['pull', '-q', '--no-rebase', '--no-edit'], { cwd: dir });
    await client.ok(['push', '-q', 'origin', 'main'], { cwd: dir });
    assert.equal((await api(t, 'GET', '/pages/Local')).status, 200);
    assert.equal((await api(t, 'GET', '/pages/From_Rest')).json.content, 'written over REST\n');
    await fsckClean(repoDir(t));
  });

  void it('refuses without write permission or without the premium tier, saying why', async () => {
    const t = await makeGitTenant(h.services, uniqueName('perm'));
    const dir = await cloneOf(t, t.readToken);
    writeFileSync(join(dir, 'New.md'), 'x\n');
    await commitAll(dir, 'x');
    const stderr = await refused(t, dir, ['origin', 'main'], /remote error: permission denied: This token is read-only/);
    assert.doesNotMatch(stderr, /403/);

    const free = await makeGitTenant(h.services, uniqueName('free'), { tier: 'free' });
    const freeDir = await cloneOf(free);
    writeFileSync(join(freeDir, 'New.md'), 'x\n');
    await commitAll(freeDir, 'x');
    await refused(free, freeDir, ['origin', 'main'], /remote error: permission denied: Pushing to .* needs a premium plan/);

    // A collaborator with the viewer role may fetch but not push.
    const viewerName = uniqueName('viewer');
    const viewer = await makeGitTenant(h.services, viewerName);
    const wiki = await h.services.meta.getWiki(t.owner, t.slug);
    const viewerUser = await h.services.meta.getUserByUsername(viewerName);
    await h.services.meta.setRole(wiki!.id, viewerUser!.id, 'viewer');
    const { createToken } = await import('../src/usecases/index.js');
    const viewerToken = (await createToken(h.services, { username: viewer.owner, scope: 'write' })).token;
    const viewerDir = await cloneOf(t, viewerToken);
    writeFileSync(join(viewerDir, 'New.md'), 'x\n');
    await commitAll(viewerDir, 'x');
    await refused(t, viewerDir, ['origin', 'main'], /permission denied: You may read .* but not write it/);
  });

  void it('refuses other refs, deleting main, and non-fast-forward pushes', async () => {
    const t = await makeGitTenant(h.services, uniqueName('refs'));
    const dir = await cloneOf(t);
    writeFileSync(join(dir, 'Branch.md'), 'x\n');
    await commitAll(dir, 'on a branch');
    await refused(t, dir, ['origin', 'HEAD:refs/heads/feature'], /remote: refused: push to \S+ refused, nothing was stored:\s*\nremote: - refs\/heads\/feature: a wiki has one branch, main/, 'pre-receive hook declined');
    await client.ok(['tag', 'v1'], { cwd: dir });
    await refused(t, dir, ['origin', 'v1'], /refs\/tags\/v1: a wiki has one branch, main/);
    await refused(t, dir, ['origin', ':main'], /refs\/heads\/main cannot be deleted/);
    // A rewritten history (amend of a pushed commit), forced.
    await client.ok(['reset', '-q', '--hard', 'HEAD~1'], { cwd: dir });
    await client.ok(['commit', '-q', '--amend', '-m', 'rewritten'], { cwd: dir });
    await refused(t, dir, ['--force', 'origin', 'main'], /non-fast-forward: the push would drop commits on main/);
    // Without --force the client itself refuses after seeing the advertisement.
    await refused(t, dir, ['origin', 'main'], /rejected|non-fast-forward|fetch first/);
  });

  void it('refuses invalid names and files outside the page/attachment layout, listing each', async () => {
    const t = await makeGitTenant(h.services, uniqueName('names'));
    const dir = await cloneOf(t);
    writeFileSync(join(dir, 'Bad:Name.md'), 'x\n');
    writeFileSync(join(dir, 'Has Space.md'), 'x\n');
    writeFileSync(join(dir, 'notes.txt'), 'loose file\n');
    mkdirSync(join(dir, 'Orphan'));
    writeFileSync(join(dir, 'Orphan', 'data.csv'), 'a,b\n');
    writeFileSync(join(dir, '.gitignore'), '*.tmp\n');
    symlinkSync('Home.md', join(dir, 'Link.md'));
    await commitAll(dir, 'bad names');
    const stderr = await refused(t, dir, ['origin', 'main'], /remote: invalid name: push to .* refused, nothing was stored:/, 'pre-receive hook declined');
    assert.match(stderr, /"Bad:Name.md": Invalid page path "Bad:Name": it contains ":"/);
    assert.match(stderr, /"Has Space.md": file names use "_" for spaces.*"Has_Space"/);
    assert.match(stderr, /"notes.txt" is outside the wiki's layout/);
    assert.match(stderr, /"Orphan\/data.csv" is an attachment of page Orphan, which does not exist/);
    assert.match(stderr, /"\.gitignore" is outside the wiki's layout|"\.gitignore".*starts with "\."/);
    assert.match(stderr, /"Link.md" is a symbolic link/);
  });

  void it('checks every pushed commit, not only the head: a bad file added then removed is refused, naming the commit', async () => {
    const t = await makeGitTenant(h.services, uniqueName('history'));
    const dir = await cloneOf(t);
    const index = h.services.indexes.open(t.owner, t.slug);
    const indexedBefore = index.indexedCommit();
    writeFileSync(join(dir, 'Good.md'), 'fine\n');
    await commitAll(dir, 'a good page');
    writeFileSync(join(dir, 'bad name?.md'), 'x\n');
    writeFileSync(join(dir, 'loose.txt'), 'x\n');
    const bad = await commitAll(dir, 'add bad files');
    rmSync(join(dir, 'bad name?.md'));
    rmSync(join(dir, 'loose.txt'));
    await commitAll(dir, 'remove them again');
    // Its head is clean: only the middle commit is wrong.
    const stderr = await refused(t, dir, ['origin', 'main'], /remote: invalid name: push to .* refused, nothing was stored:/, 'pre-receive hook declined');
    const named = `commit ${bad.slice(0, 10)} \\("add bad files"\\)`;
    assert.match(stderr, new RegExp(`${named}: "bad name\\?\\.md": Invalid page path`));
    assert.match(stderr, new RegExp(`${named}: "loose\\.txt" is outside the wiki's layout`));
    assert.equal(index.indexedCommit(), indexedBefore);
    assert.equal((await api(t, 'GET', '/pages/Good')).status, 404);

    // A page deleted while its attachment stays orphans it, in that commit; putting the page back later does not help.
    await client.ok(['reset', '-q', '--hard', 'origin/main'], { cwd: dir });
    mkdirSync(join(dir, 'Home'));
    writeFileSync(join(dir, 'Home', 'map.png'), 'png\n');
    await commitAll(dir, 'attach a map');
    rmSync(join(dir, 'Home.md'));
    const orphaning = await commitAll(dir, 'drop Home');
    writeFileSync(join(dir, 'Home.md'), '# Home again\n');
    await commitAll(dir, 'Home is back');
    const orphan = await refused(t, dir, ['origin', 'main'], /remote: invalid name: push to .* refused/);
    assert.match(orphan, new RegExp(`commit ${orphaning.slice(0, 10)} \\("drop Home"\\): "Home/map.png" is an attachment of page Home, which does not exist`));
    assert.doesNotMatch(orphan, /attach a map|Home is back/);

    // The same files, each commit valid (a branch merged in, renames, a page moved with its attachment): accepted.
    await client.ok(['reset', '-q', '--hard', 'origin/main'], { cwd: dir });
    await client.ok(['checkout', '-q', '-b', 'side'], { cwd: dir });
    writeFileSync(join(dir, 'Side.md'), 'side\n');
    await commitAll(dir, 'side page');
    await client.ok(['checkout', '-q', 'main'], { cwd: dir });
    mkdirSync(join(dir, 'Home'));
    writeFileSync(join(dir, 'Home', 'map.png'), 'png\n');
    await commitAll(dir, 'attach a map');
    await client.ok(['merge', '-q', '--no-edit', 'side'], { cwd: dir });
    mkdirSync(join(dir, 'Side'));
    renameSync(join(dir, 'Home', 'map.png'), join(dir, 'Side', 'map.png'));
    await commitAll(dir, 'move the map');
    await client.ok(['push', '-q', 'origin', 'main'], { cwd: dir });
    assert.deepEqual((await api(t, 'GET', '/pages/Side/attachments')).json.attachments?.map((a) => a.name), ['map.png']);
  });

  void it('refuses pushes over the tier limits: pages, attachment bytes, file size, page size', async () => {
    const t = await makeGitTenant(h.services, uniqueName('quota'));
    const dir = await cloneOf(t);
    // 10,001 pages share one blob: cheap to build and send, yet over the premium tier's 10,000 pages.
    writeFileSync(join(dir, 'seed.txt'), 'same page\n');
    const oid = await client.ok(['hash-object', '-w', 'seed.txt'], { cwd: dir });
    rmSync(join(dir, 'seed.txt'));
    const lines = Array.from({ length: 10_001 }, (_, i) => `100644 ${oid}\tBulk/Page_${i}.md`).join('\n');
    await client.ok(['update-index', '--index-info'], { cwd: dir, input: `${lines}\n` });
    await client.ok(['commit', '-q', '-m', 'bulk'], { cwd: dir });
    await refused(t, dir, ['origin', 'main'], /over quota: [\s\S]*the wiki would have 10004 pages; its tier allows 10000/);
    await client.ok(['reset', '-q', '--hard', 'origin/main'], { cwd: dir });

    // 41 attachments of 25 MiB (one shared blob of zeros): each is allowed, together over 1 GiB.
    mkdirSync(join(dir, 'Home'));
    writeFileSync(join(dir, 'Home', 'big.bin'), Buffer.alloc(25 * 1024 * 1024));
    const big = await client.ok(['hash-object', '-w', 'Home/big.bin'], { cwd: dir });
    rmSync(join(dir, 'Home'), { recursive: true });
    const attach = Array.from({ length: 41 }, (_, i) => `100644 ${big}\tHome/blob_${i}.bin`).join('\n');
    await client.ok(['update-index', '--index-info'], { cwd: dir, input: `${attach}\n` });
    await client.ok(['commit', '-q', '-m', 'many attachments'], { cwd: dir });
    await refused(t, dir, ['origin', 'main'], /over quota: [\s\S]*attachments would take 1074790400 bytes; this wiki's tier allows 1073741824/);
    await client.ok(['reset', '-q', '--hard', 'origin/main'], { cwd: dir });

    mkdirSync(join(dir, 'Home'));
    writeFileSync(join(dir, 'Home', 'huge.bin'), Buffer.alloc(25 * 1024 * 1024 + 1));
    writeFileSync(join(dir, 'Long.md'), 'a'.repeat(1_000_001));
    await commitAll(dir, 'too big');
    const stderr = await refused(t, dir, ['origin', 'main'], /too large: push to .* refused/);
    assert.match(stderr, /"Home\/huge.bin" is 26214401 bytes; the largest attachment this wiki's tier allows is 26214400 bytes/);
    assert.match(stderr, /"Long.md" has 1000001 characters; the largest page allowed is 1000000 characters/);
  });
});
