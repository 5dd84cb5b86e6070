// MCP tools over real HTTP with the SDK's own client: tools/list as product text (a table test over every tool),
// every tool called successfully, and bad input to every tool answered with an instructive error that changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectMcp, type McpTestClient } from './mcp-client.js';
import { commitIds, git, makeTenant, startServer, type Tenant, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

const ALL_TOOLS = [
  'read_note',
  'read_notes',
  'write_note',
  'edit_note',
  'edit_section',
  'list_notes',
  'search_notes',
  'get_links',
  'get_recent_changes',
  'get_history',
  'diff_note',
  'rename_note',
  'delete_note',
  'find_orphaned_notes',
  'find_broken_links',
  'find_stale_notes',
  'list_attachments',
  'upload_attachment',
  'download_attachment',
  'delete_attachment',
  'list_wikis',
  'search',
  'fetch',
];
const READ_ONLY = new Set(['read_note', 'read_notes', 'list_notes', 'search_notes', 'get_links', 'get_recent_changes', 'get_history', 'diff_note', 'find_orphaned_notes', 'find_broken_links', 'find_stale_notes', 'list_attachments', 'download_attachment', 'list_wikis', 'search', 'fetch']);

async function connect(t: Tenant, path = '/mcp'): Promise<McpTestClient> {
  return connectMcp(`${h.url}${path}`, { token: t.writeToken, userAgent: 'claude-code/2.0.1' });
}

void describe('tools/list', () => {
  for (const [label, path] of [
    ['/mcp', '/mcp'],
    ['/<owner>/<wiki>/mcp', null],
  ] as const) {
    void test(`${label}: every tool with purpose, described parameters with examples, returns, next steps and annotations`, async () => {
      const t = await makeTenant(h, `list-${path ? 'root' : 'wiki'}`);
      const c = await connect(t, path ?? `/${t.owner}/${t.slug}/mcp`);
      try {
        const { tools } = await c.client.listTools();
        assert.deepEqual(tools.map((x) => x.name).sort(), [...ALL_TOOLS].sort());
        for (const tool of tools) {
          const d = tool.description ?? '';
          const [purpose] = d.split('\n\n');
          assert.ok((purpose ?? '').length > 40, `${tool.name}: purpose too short`);
          assert.match(d, /\n\nParameters:/, `${tool.name}: no parameters section`);
          assert.match(d, /\n\nReturns: .{20,}/, `${tool.name}: no returns`);
          assert.match(d, /\n\nNext: .{20,}/, `${tool.name}: no next steps`);
          const props = (tool.inputSchema.properties ?? {}) as Record<string, { description?: string }>;
          for (const [name, schema] of Object.entries(props)) {
            assert.ok((schema.description ?? '').length > 15, `${tool.name}.${name}: parameter not described`);
            assert.match(schema.description ?? '', /e\.g\./, `${tool.name}.${name}: no example`);
            assert.ok(d.includes(`- ${name}`), `${tool.name}: description does not list ${name}`);
          }
          const a = tool.annotations;
          assert.ok(a, `${tool.name}: no annotations`);
          assert.equal(typeof a.readOnlyHint, 'boolean', tool.name);
          assert.equal(typeof a.destructiveHint, 'boolean', tool.name);
          assert.equal(typeof a.idempotentHint, 'boolean', tool.name);
          assert.equal(a.readOnlyHint, READ_ONLY.has(tool.name), `${tool.name}: readOnlyHint`);
          if (!a.readOnlyHint) assert.equal(a.destructiveHint, true, `${tool.name}: a write changes existing data`);
          // `wiki` is offered on /mcp only, and never on the connection-wide tools.
          const connectionWide = ['list_wikis', 'search', 'fetch'].includes(tool.name);
          assert.equal('wiki' in props, path !== null && !connectionWide, `${tool.name}: wiki parameter`);
        }
        assert.match(tools.find((x) => x.name === 'delete_note')?.description ?? '', /Confirm with the user/);
      } finally {
        await c.close();
      }
    });
  }
});

void describe('every tool works', () => {
  void test('a tour through all tools leaves the expected pages, files and commits', async () => {
    const t = await makeTenant(h, 'tour');
    const c = await connect(t);
    try {
      const ok = async (name: string, args: Record<string, unknown> = {}) => {
        const r = await c.call(name, args);
        assert.equal(r.isError, false, `${name}: ${r.text}`);
        return r;
      };
      const home = await ok('read_note', { path: 'Home' });
      assert.match(home.text, /^path: Home\ntitle: tour research\nrevision: [0-9a-f]{40} /);
      assert.match(home.text, /links out: Meta\/Wiki_Usage_Guide, Meta\/Page_Template/);
      const both = await ok('read_notes', { paths: ['Home', 'Meta/Wiki_Usage_Guide'] });
      assert.equal(both.text.split('\n\n=====\n\n').length, 2);
      assert.match(both.text, /path: Meta\/Wiki_Usage_Guide/);
      const partly = await ok('read_notes', { paths: ['Home', 'Hoem'] });
      assert.match(partly.text, /^path: Home\n[\s\S]*=====\n\npath: Hoem\nerror: There is no page "Hoem".*Closest existing pages: Home/);

      const created = await ok('write_note', { path: 'Actors/Iran', content: '# Iran\n\n## Background\n\nOld text.\n\n## Outlook\n\nSee [[Home]].\n', commit_message: 'Create: Actors/Iran — first notes' });
      assert.match(created.text, /^Created "Actors\/Iran"; its revision is now [0-9a-f]{40}/);
      let rev = created.structured?.revision as string;
      assert.equal(rev, t.head());
      const section = await ok('read_note', { path: 'actors/iran', section: 'Background' });
      assert.match(section.text, /section: Background\n\n## Background\n\nOld text\.\n+$/);
      assert.doesNotMatch(section.text, /Outlook/);

      rev = (await ok('edit_note', { path: 'Actors/Iran', revision: rev, old_string: 'Old text.', new_string: 'New text.' })).structured?.revision as string;
      rev = (await ok('edit_section', { path: 'Actors/Iran', revision: rev, section: 'Outlook', mode: 'append', content: 'Uncertain.' })).structured?.revision as string;
      rev = (await ok('write_note', { path: 'Actors/Iran', revision: rev, content: '# Iran\n\n## Background\n\nNew text.\n\n## Outlook\n\nSee [[Home]] and [[Nowhere]].\n' })).structured?.revision as string;
      assert.equal(rev, t.head());

      const listed = await ok('list_notes', { prefix: 'Actors/' });
      assert.match(listed.text, /^1 page\n- Actors\/Iran — Iran/);
      const found = await ok('search_notes', { query: 'text' });
      assert.match(found.text, /Actors\/Iran/);
      const links = await ok('get_links', { path: 'Actors/Iran' });
      assert.match(links.text, /- Nowhere \(missing\)/);
      const changes = await ok('get_recent_changes', { limit: 3 });
      assert.match(changes.text, /by Claude Code \(MCP\): \[mcp\] Update: Actors\/Iran\n {2}M Actors\/Iran/);
      const history = await ok('get_history', { path: 'Actors/Iran' });
      const revs = [...history.text.matchAll(/^- ([0-9a-f]{40}) /gm)].map((m) => m[1]!);
      assert.equal(revs.length, 4);
      const diff = await ok('diff_note', { path: 'Actors/Iran', from: revs[3]!.slice(0, 7) });
      assert.match(diff.text, /^-Old text\.$/m);
      assert.match(diff.text, /^\+New text\.$/m);
      const old = await ok('read_note', { path: 'Actors/Iran', revision: revs[3] });
      assert.match(old.text, /an older revision; the current one is/);

      assert.match((await ok('find_broken_links')).text, /on Actors\/Iran: \[\[Nowhere\]\]/);
      assert.match((await ok('find_orphaned_notes')).text, /Actors\/Iran/);
      assert.match((await ok('find_stale_notes', { days: 0 })).text, /not updated since/);

      const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a1a00000000049454e44ae426082', 'hex');
      assert.match((await ok('upload_attachment', { path: 'Actors/Iran', filename: 'dot.png', content_base64: png.toString('base64') })).text, new RegExp(`Attached Actors/Iran/dot\\.png \\(${png.length} bytes, image/png\\)`));
      await ok('upload_attachment', { path: 'Actors/Iran', filename: 'data.csv', content_base64: Buffer.from('a,b\n1,2\n').toString('base64') });
      assert.match((await ok('list_attachments', { path: 'Actors/Iran' })).text, /- data\.csv \(8 bytes, text\/csv; charset=utf-8\)\n- dot\.png/);
      const image = await ok('download_attachment', { path: 'Actors/Iran', filename: 'dot.png' });
      assert.deepEqual(image.raw.content[1], { type: 'image', data: png.toString('base64'), mimeType: 'image/png' });
      assert.match((await ok('download_attachment', { path: 'Actors/Iran', filename: 'data.csv' })).text, /:\na,b\n1,2\n$/);
      await ok('delete_attachment', { path: 'Actors/Iran', filename: 'data.csv' });

      const renamed = await ok('rename_note', { path: 'Actors/Iran', new_path: 'Actors/Iran_Regime' });
      assert.match(renamed.text, /Renamed "Actors\/Iran" to "Actors\/Iran_Regime"/);
      assert.match((await ok('list_wikis')).text, /^1 wiki:\n- tour\/notes — tour research: .*\(owner; read-write\)/);
      const hits = JSON.parse((await ok('search', { query: 'text' })).text) as { results: Array<{ id: string; title: string; url: string; text: string }> };
      assert.deepEqual(hits.results[0], { id: 'tour/notes/Actors/Iran_Regime', title: 'Iran', url: `${h.url}/tour/notes/Actors/Iran_Regime`, text: hits.results[0]!.text });
      const doc = JSON.parse((await ok('fetch', { id: hits.results[0].id })).text) as { id: string; title: string; text: string; url: string; metadata: { revision: string } };
      assert.equal(doc.id, 'tour/notes/Actors/Iran_Regime');
      assert.match(doc.text, /New text\./);
      assert.equal(doc.metadata.revision, t.head());
      const deleted = await ok('delete_note', { path: 'Actors/Iran_Regime' });
      assert.match(deleted.text, /Deleted "Actors\/Iran_Regime" with its attachments dot\.png/);

      // Nine writes, nine commits, each by the client with the [mcp] prefix; then the bootstrap commit.
      const log = git(t.repoDir, 'log', '--format=%an <%ae>|%s').split('\n');
      assert.equal(log.length, 10, log.join('\n'));
      assert.ok(log.slice(0, 9).every((l) => l.startsWith('Claude Code (MCP) <tour@example.test>|[mcp] ')), log.join('\n'));
      assert.equal(commitIds(t).length, 10);
    } finally {
      await c.close();
    }
  });
});

void describe('bad input', () => {
  const png64 = Buffer.from('x').toString('base64');
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['read_note', {}, /"path" is required/],
    ['read_note', { path: 42 }, /"path": must be a string/],
    ['read_note', { path: 'Home', revision: 'zzz' }, /"revision": must be 7 to 40 hexadecimal/],
    ['read_note', { path: 'Home', section: 'Nope' }, /Section "Nope" was not found\. Available sections:/],
    ['read_note', { path: 'Hom' }, /There is no page "Hom".*Closest existing pages: Home/],
    ['read_note', { path: '../etc' }, /Nothing was changed; fix the path/],
    ['read_notes', { paths: [] }, /"paths": must name at least one page/],
    ['read_notes', { paths: Array.from({ length: 11 }, (_, i) => `P${i}`) }, /at most 10 pages/],
    ['write_note', { path: 'X' }, /"content" is required/],
    ['write_note', { path: 'Home', content: 'x' }, /already exists.*read_note it and pass its revision/],
    ['write_note', { path: 'X', content: 'x', bogus: true }, /unknown parameter "bogus"/],
    ['edit_note', { path: 'Home', revision: 'abcdef1', old_string: 'a', new_string: 'b' }, /no revision abcdef1|There is no revision/],
    ['edit_note', { path: 'Home', old_string: '', new_string: 'b', revision: 'abcdef1' }, /"old_string": must not be empty/],
    ['edit_section', { path: 'Home', revision: 'abcdef1', section: 'x', mode: 'sideways', content: '' }, /"mode": must be "replace", "append" or "prepend"/],
    ['list_notes', { limit: 0 }, /"limit": must be at least 1/],
    ['list_notes', { updated_since: 'yesterday' }, /"updated_since": must be an ISO date/],
    ['search_notes', { query: '   ' }, /"query": must not be blank/],
    ['get_links', { path: 'Nope' }, /There is no page "Nope"/],
    ['get_recent_changes', { limit: 'ten' }, /"limit": must be a whole number/],
    ['get_history', { path: 'Home', limit: 1.5 }, /"limit": must be a whole number/],
    ['diff_note', { path: 'Home' }, /"from" is required/],
    ['rename_note', { path: 'Home', new_path: 'Meta/Page_Template' }, /already exists/],
    ['delete_note', { path: 'Ghost' }, /There is no page "Ghost"/],
    ['find_orphaned_notes', { extra: 1 }, /unknown parameter "extra" \(find_orphaned_notes takes "wiki"\)/],
    ['find_broken_links', { wiki: 'not a wiki' }, /"wiki": must look like "owner\/slug"/],
    ['find_stale_notes', { days: -1 }, /"days": must be 0 or more/],
    ['list_attachments', { path: 'Nope' }, /There is no page "Nope"/],
    ['upload_attachment', { path: 'Home', filename: 'a.txt', content_base64: '%%%' }, /"content_base64": is not valid base64/],
    ['upload_attachment', { path: 'Home', filename: '../a.txt', content_base64: png64 }, /Nothing was changed/],
    ['download_attachment', { path: 'Home', filename: 'none.png' }, /has no attachment "none\.png".*list_attachments/],
    ['delete_attachment', { path: 'Home', filename: 'none.png' }, /has no attachment "none\.png"/],
    ['list_wikis', { wiki: 'a/b' }, /unknown parameter "wiki" \(list_wikis takes no parameters\)/],
    ['search', {}, /"query" is required/],
    ['fetch', { id: 'Home' }, /is not a document id/],
    ['no_such_tool', {}, /There is no tool "no_such_tool"/],
  ];
  void test('every tool answers bad input with an isError result that says what to do, and nothing changes', async () => {
    const t = await makeTenant(h, 'bad-input');
    const c = await connect(t);
    try {
      const tested = new Set<string>();
      for (const [name, args, message] of cases) {
        const before = t.head();
        const r = await c.call(name, args);
        tested.add(name);
        assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail: ${r.text}`);
        assert.match(r.text, message, `${name} ${JSON.stringify(args)}`);
        assert.match(r.text, /\[[A-Z_]+\]$/, 'the error code closes the message');
        assert.ok(r.text.length > 40, `${name}: message too short: ${r.text}`);
        assert.equal(t.head(), before, `${name} changed the repository`);
      }
      for (const name of ALL_TOOLS) assert.ok(tested.has(name), `no bad-input case for ${name}`);
    } finally {
      await c.close();
    }
  });

  void test('a stale revision that overlaps says the page changed, names the current revision and says to read it again', async () => {
    const t = await makeTenant(h, 'stale');
    const c = await connect(t);
    try {
      const first = await c.call('write_note', { path: 'P', content: 'line one\n' });
      const rev1 = first.structured?.revision as string;
      const second = await c.call('write_note', { path: 'P', revision: rev1, content: 'line two\n' });
      const rev2 = second.structured?.revision as string;
      const before = t.head();
      const stale = await c.call('edit_note', { path: 'P', revision: rev1, old_string: 'line one', new_string: 'line uno' });
      assert.equal(stale.isError, true);
      assert.equal(
        stale.text,
        `The page "P" changed since you read it (now at ${rev2.slice(0, 12)}) and the changes overlap with yours. Nothing was changed: read_note it again and reapply your change. [REVISION_CONFLICT]`,
      );
      assert.equal(t.head(), before);
    } finally {
      await c.close();
    }
  });

  void test('a page quota error names the limit, and nothing is written', async () => {
    const server = await startServer();
    try {
      const t = await makeTenant(server, 'quota');
      // A free wiki limited to the 3 pages it starts with (the tier limits are settings of the running server).
      const config = server.services.config;
      server.services.config = { ...config, tiers: { ...config.tiers, free: { ...config.tiers.free, pagesPerWiki: 3 } } };
      const c = await connectMcp(`${server.url}/mcp`, { token: t.writeToken });
      const before = t.head();
      const r = await c.call('write_note', { path: 'One_More', content: 'x' });
      await c.close();
      assert.equal(r.isError, true);
      assert.match(r.text, /This wiki has 3 pages, the limit of its tier \(3\)\. \(limit "pages_per_wiki": 3\) Nothing was changed\. .*\[QUOTA_EXCEEDED\]$/);
      assert.equal(t.head(), before);
    } finally {
      await server.close();
    }
  });
});

void describe('search modes and deleting with sub-pages', () => {
  void test('search_notes matches exact case or a regular expression; delete_note takes the pages below along', async () => {
    const t = await makeTenant(h, 'modes');
    const c = await connect(t);
    try {
      const ok = async (name: string, args: Record<string, unknown>) => {
        const r = await c.call(name, args);
        assert.equal(r.isError, false, `${name}: ${r.text}`);
        return r;
      };
      await ok('write_note', { path: 'Actors/IRGC', content: '# IRGC\n\n## Sources\n\nThe IRGC acts.\n' });
      await ok('write_note', { path: 'Actors/IRGC/Navy', content: '# Navy\n\nthe irgc navy, lower case.\n' });
      await ok('write_note', { path: 'Actors/IRGC/Navy/Boats', content: '# Boats\n\nSmall boats.\n' });
      const paths = (r: { structured?: Record<string, unknown> | undefined }) => (r.structured?.results as Array<{ path: string }>).map((x) => x.path).sort();
      assert.deepEqual(paths(await ok('search_notes', { query: 'IRGC acts', case_sensitive: true })), ['Actors/IRGC']);
      assert.deepEqual(paths(await ok('search_notes', { query: 'irgc navy', case_sensitive: true })), ['Actors/IRGC/Navy']);
      assert.deepEqual(paths(await ok('search_notes', { query: '^## Sources$', regex: true, prefix: 'Actors/' })), ['Actors/IRGC']);
      const bad = await c.call('search_notes', { query: '(unclosed', regex: true });
      assert.equal(bad.isError, true);
      assert.match(bad.text, /regular expression/i);
      const wrongType = await c.call('delete_note', { path: 'Actors/IRGC', with_subpages: 'yes' });
      assert.equal(wrongType.isError, true);
      assert.match(wrongType.text, /with_subpages.*must be true or false/);
      const before = t.head();
      const deleted = await ok('delete_note', { path: 'Actors/IRGC', with_subpages: true });
      assert.match(deleted.text, /Deleted "Actors\/IRGC" and the pages below it: Actors\/IRGC\/Navy, Actors\/IRGC\/Navy\/Boats\./);
      assert.deepEqual(deleted.structured?.deletedSubpages, ['Actors/IRGC/Navy', 'Actors/IRGC/Navy/Boats']);
      assert.equal(git(t.repoDir, 'rev-list', '--count', `${before}..HEAD`), '1', 'one commit');
      assert.match((await ok('list_notes', { prefix: 'Actors/' })).text, /^0 pages/);
    } finally {
      await c.close();
    }
  });
});
