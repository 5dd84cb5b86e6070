// The index is derived from git: deleting the index files rebuilds it with identical answers, and commits made
// straight into the bare repository with the git CLI are visible through the API at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createPage, git, type ApiBody, makeTenant, startServer, type Tenant, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

const QUERIES = ['/pages', '/search?q=strike', '/links', '/links/Actors/Iran', '/orphans', '/broken-links', '/changes?limit=100', '/pages/Actors/Iran', '/pages/Actors/Iran/history', '/stale?days=0'];

/** The answer without what depends on the clock (`before` of the stale report). */
const stable = ({ before: _before, ...rest }: ApiBody) => rest;

async function seed(t: Tenant) {
  await createPage(t, 'Actors/Iran', '---\ncategory: actor\ntags: [state]\n---\n# Iran\n\nSee [[Events/Strike]] and [[Missing]].\n');
  const rev = await createPage(t, 'Events/Strike', '# Strike\n\nThe strike happened.\n');
  await t.api('PUT', '/pages/Events/Strike', { body: { content: '# Strike\n\nThe strike happened twice.\n', revision: rev } });
  await t.api('POST', '/pages/Events/Strike/rename', { body: { new_path: 'Events/Air_Strike' } });
}

void test('deleting the index files and restarting rebuilds the index with identical answers', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wikibot-rebuild-'));
  try {
    const first = await startServer({ dataDir });
    const t = await makeTenant(first, 'rebuild');
    await seed(t);
    const ask = (server: TestServer) => Promise.all(QUERIES.map(async (q) => stable((await server.request('GET', t.base + q, { token: t.readToken })).json)));
    const before = await ask(first);
    assert.equal(before[1]?.results?.[0]?.path, 'Events/Air_Strike');
    await first.close();

    rmSync(join(dataDir, 'index'), { recursive: true, force: true });
    const second = await startServer({ dataDir });
    try {
      const afterRebuild = await ask(second);
      assert.deepEqual(afterRebuild, before);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

void test('dropping a wiki\'s index while serving rebuilds it on the next request', async () => {
  const t = await makeTenant(h, 'drop-index');
  await seed(t);
  const before = await Promise.all(QUERIES.map(async (q) => stable((await t.api('GET', q)).json)));
  h.services.indexes.delete(t.owner, t.slug);
  const after = await Promise.all(QUERIES.map(async (q) => stable((await t.api('GET', q)).json)));
  assert.deepEqual(after, before);
});

void test('a commit pushed into the bare repository with the git CLI is visible through the API at once', async () => {
  const t = await makeTenant(h, 'catch-up');
  const rev = await createPage(t, 'Page', 'from the API\n');
  const work = mkdtempSync(join(tmpdir(), 'wikibot-clone-'));
  try {
    git(work, 'clone', '-q', t.repoDir, 'w');
    const dir = join(work, 'w');
    git(dir, 'config', 'user.name', 'Git Person');
    git(dir, 'config', 'user.email', 'git@example.test');
    writeFileSync(join(dir, 'Page.md'), 'from the API\nand from git\n');
    writeFileSync(join(dir, 'Pushed.md'), '# Pushed\n\nA zanzibarian word, linking [[Page]].\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'Commit made with git');
    writeFileSync(join(dir, 'Second.md'), 'second push commit\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'Another one');
    git(dir, 'push', '-q', 'origin', 'HEAD:main');
    const pushedHead = git(dir, 'rev-parse', 'HEAD');
    assert.equal(t.head(), pushedHead);

    const page = await t.api('GET', '/pages/Page');
    assert.equal(page.json.content, 'from the API\nand from git\n');
    assert.equal(page.json.last_commit?.message, 'Commit made with git');
    assert.equal(page.json.last_commit?.author_name, 'Git Person');
    assert.deepEqual(page.json.linked_from, ['Pushed']);
    assert.equal((await t.api('GET', '/search?q=zanzibarian')).json.results?.[0]?.path, 'Pushed');
    const changes = (await t.api('GET', '/changes?limit=2')).json.changes ?? [];
    assert.deepEqual(
      changes.map((c) => c.message),
      ['Another one', 'Commit made with git'],
    );
    // A write based on the revision read before the push is checked against the pushed change: it overlaps, so 409.
    const write = await t.api('PUT', '/pages/Page', { body: { content: 'FROM THE API\n', revision: rev } });
    assert.equal(write.status, 409, 'the pushed commit changed the same line region');
    const fresh = await t.api('PUT', '/pages/Page', { body: { content: 'from the API\nand from git\nand the API again\n', revision: page.json.revision } });
    assert.equal(fresh.status, 200);
    assert.equal(git(t.repoDir, 'rev-parse', 'main~1'), pushedHead);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
