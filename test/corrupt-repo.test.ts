// A repository someone damaged by hand: requests to that wiki answer a clear 500 REPOSITORY_CORRUPT (logged), and
// every other wiki keeps working.
import assert from 'node:assert/strict';
import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertError, createPage, git, makeTenant, startServer, type Tenant, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  // Page contents kept in memory would be served intact over a damaged object on disk: every read goes to git here.
  h = await startServer({ env: { WIKIBOT_PAGE_CACHE_MB: '0' } });
});
after(async () => {
  await h.close();
});

async function assertHealthy(t: Tenant) {
  const read = await t.api('GET', '/pages/Page');
  assert.equal(read.status, 200, read.text);
  const write = await t.api('PUT', '/pages/Page', {
    body: { content: `still fine ${Date.now()}\n`, revision: read.json.revision },
  });
  assert.equal(write.status, 200, write.text);
}

const damages: Array<[string, (t: Tenant) => void]> = [
  ['its objects deleted', (t) => renameSync(join(t.repoDir, 'objects'), join(t.repoDir, 'objects-gone'))],
  ['garbage in refs/heads/main', (t) => writeFileSync(join(t.repoDir, 'refs', 'heads', 'main'), 'not an object id\n')],
  ['HEAD deleted', (t) => rmSync(join(t.repoDir, 'HEAD'))],
  [
    'the page blob overwritten with garbage',
    (t) => {
      const blob = git(t.repoDir, 'rev-parse', 'main:Page.md');
      const file = join(t.repoDir, 'objects', blob.slice(0, 2), blob.slice(2));
      chmodSync(file, 0o644);
      writeFileSync(file, 'garbage, not zlib');
    },
  ],
];

for (const [i, [what, harm]] of damages.entries()) {
  void test(`a repository with ${what} answers 500 REPOSITORY_CORRUPT; other wikis are unaffected`, async () => {
    const victim = await makeTenant(h, `corrupt-${i}`);
    const other = await makeTenant(h, `intact-${i}`);
    await createPage(victim, 'Page', 'victim page\n');
    await createPage(other, 'Page', 'other page\n');
    // Served once before the damage, so long-lived git processes and the index already know this repository.
    const before = await victim.api('GET', '/pages/Page');
    assert.equal(before.status, 200);
    const revision = (before.json as { revision: string }).revision;
    harm(victim);
    const read = await victim.api('GET', '/pages/Page');
    assertError(read, 500, 'REPOSITORY_CORRUPT', /repository cannot be read.*request /);
    assert.doesNotMatch(read.text, new RegExp(h.dataDir), "the server's file layout is not shown to callers");
    const write = await victim.api('PUT', '/pages/Page', { body: { content: 'x\n', revision } });
    assertError(write, 500, 'REPOSITORY_CORRUPT');
    await assertHealthy(other);
    assert.equal((await h.request('GET', '/readyz')).status, 200, 'the server as a whole stays ready');
  });
}
