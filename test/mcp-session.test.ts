// What an assistant does in a session, over the SDK client: read Home and the guide, recent changes, search, write
// three linked pages, edit one, rename one, find orphans — then git shows exactly those commits, `[mcp] ` prefixed,
// authored by the client with the user's email. And 32 clients writing at once lose nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectMcp, type McpTestClient } from './mcp-client.js';
import { git, makeTenant, showFile, startServer, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

void describe('an assistant session', () => {
  void test('read, search, write three linked pages, edit, rename, find orphans: git log shows exactly those commits', async () => {
    const t = await makeTenant(h, 'session');
    const start = t.head()!;
    const c = await connectMcp(`${h.url}/mcp`, { token: t.writeToken, userAgent: 'Claude-User (claude-user; +https://support.anthropic.com/)' });
    try {
      const call = async (name: string, args: Record<string, unknown> = {}) => {
        const r = await c.call(name, args);
        assert.equal(r.isError, false, `${name}: ${r.text}`);
        return r;
      };
      const session = await call('read_notes', { paths: ['Home', 'Meta/Wiki_Usage_Guide'] });
      assert.match(session.text, /Session start protocol/);
      assert.match((await call('get_recent_changes')).text, /Create wiki: session research/);
      assert.match((await call('search_notes', { query: 'embargo' })).text, /No page matches "embargo"/);

      const page = (title: string, links: string[]) =>
        `---\ntitle: ${title}\ncategory: actor\ntags: [sanctions]\n---\n# ${title}\n\nAbout ${title}. ${links.map((l) => `See [[${l}]].`).join(' ')}\n`;
      const iran = await call('write_note', { path: 'Actors/Iran', content: page('Iran', ['Actors/Oil_Ministry']), commit_message: 'Create: Actors/Iran — sanctions research' });
      await call('write_note', { path: 'Actors/Oil_Ministry', content: page('Oil Ministry', ['Actors/Iran']), commit_message: 'Create: Actors/Oil_Ministry — linked from Iran' });
      await call('write_note', { path: 'Events/Embargo', content: page('Embargo', ['Actors/Iran']), commit_message: 'Create: Events/Embargo — the 2026 embargo' });
      await call('edit_note', {
        path: 'Actors/Iran',
        revision: iran.structured?.revision,
        old_string: 'About Iran.',
        new_string: 'About Iran, under the [[Events/Embargo]].',
        commit_message: 'Link: Actors/Iran — to the embargo',
      });
      const renamed = await call('rename_note', { path: 'Actors/Oil_Ministry', new_path: 'Actors/Ministry_of_Oil', commit_message: 'Rename: Actors/Oil_Ministry — official name' });
      assert.match(renamed.text, /Links rewritten in: Actors\/Iran/);
      const orphans = await call('find_orphaned_notes');
      // Every new page is linked from another; only the bootstrap template page is left unlinked or linked from Home.
      assert.doesNotMatch(orphans.text, /Actors\/|Events\//);

      const log = git(t.repoDir, 'log', '--format=%an <%ae>|%s', `${start}..main`).split('\n').reverse();
      assert.deepEqual(log, [
        'Claude (MCP) <session@example.test>|[mcp] Create: Actors/Iran — sanctions research',
        'Claude (MCP) <session@example.test>|[mcp] Create: Actors/Oil_Ministry — linked from Iran',
        'Claude (MCP) <session@example.test>|[mcp] Create: Events/Embargo — the 2026 embargo',
        'Claude (MCP) <session@example.test>|[mcp] Link: Actors/Iran — to the embargo',
        'Claude (MCP) <session@example.test>|[mcp] Rename: Actors/Oil_Ministry — official name',
      ]);
      // The rename rewrote Iran's link in the same commit.
      assert.match(showFile(t, 'Actors/Iran.md') ?? '', /See \[\[Actors\/Ministry_of_Oil\]\]\./);
      const files = git(t.repoDir, 'show', '--name-status', '--format=', 'main').split('\n').sort();
      assert.equal(files.length, 2, files.join('\n'));
      assert.equal(files[0], 'M\tActors/Iran.md');
      assert.match(files[1] ?? '', /^R\d+\tActors\/Oil_Ministry\.md\tActors\/Ministry_of_Oil\.md$/);
    } finally {
      await c.close();
    }
  });
});

void describe('concurrency', () => {
  void test('32 clients writing at once: every write acknowledged and in git, none lost', async () => {
    const t = await makeTenant(h, 'crowd');
    const clients: McpTestClient[] = await Promise.all(Array.from({ length: 32 }, (_, i) => connectMcp(`${h.url}/mcp`, { token: t.writeToken, userAgent: `Cursor/1.${i}` })));
    const started = Date.now();
    try {
      const acks = await Promise.all(
        clients.map(async (c, i) => {
          const mine: string[] = [];
          let revision: string | undefined;
          for (let k = 0; k < 3; k++) {
            const r = await c.call('write_note', { path: `Crowd/Writer_${i}`, content: `writer ${i} version ${k}\n`, ...(revision ? { revision } : {}) });
            assert.equal(r.isError, false, r.text);
            revision = r.structured?.revision as string;
            mine.push(revision);
          }
          return { i, mine };
        }),
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
      const inLog = new Set(git(t.repoDir, 'rev-list', 'main').split('\n'));
      for (const { i, mine } of acks) {
        for (const rev of mine) assert.ok(inLog.has(rev), `writer ${i}: acknowledged ${rev} missing from git`);
        assert.equal(showFile(t, `Crowd/Writer_${i}.md`), `writer ${i} version 2\n`);
      }
      assert.equal(git(t.repoDir, 'log', '--format=%an', '-96').split('\n').filter((a) => a === 'Cursor (MCP)').length, 96);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
