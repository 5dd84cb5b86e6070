import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliActor } from '../auth/actor.js';
import { loadConfig } from '../config.js';
import { closeServices, createUser, createWiki, editPage, openServices, readPage, writePage } from './index.js';

void test('a base revision older than the index answers in one history page (500 commits) still merges', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-pages-'));
  const services = await openServices(loadConfig({ data: dir }, {}));
  try {
    const actor = cliActor(null);
    await createUser(services, { username: 'alice', email: 'alice@example.org', password: null });
    await createWiki(services, actor, { owner: 'alice', slug: 'notes' });
    const ref = { owner: 'alice', slug: 'notes', path: 'Log' };
    let text = 'title line\n\nfirst paragraph\n\n';
    let revision = (await writePage(services, actor, { ...ref, content: text })).revision;
    const first = revision;
    for (let i = 0; i < 505; i++) {
      text += `entry ${i}\n`;
      revision = (await writePage(services, actor, { ...ref, content: text, revision })).revision;
    }
    const edited = await editPage(services, actor, { ...ref, revision: first, oldString: 'title line', newString: 'TITLE LINE' });
    assert.equal(edited.merged, true);
    const page = await readPage(services, actor, ref);
    assert.ok(page.content.startsWith('TITLE LINE\n\nfirst paragraph\n\nentry 0\n'));
    assert.ok(page.content.endsWith('entry 504\n'));
  } finally {
    await closeServices(services);
    rmSync(dir, { recursive: true, force: true });
  }
});
