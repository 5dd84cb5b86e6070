// REST queries over real HTTP: listing pages with filters, full-text search, links, the link graph and the
// gardening reports (orphans, broken links, stale pages).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertError, createPage, makeTenant, startServer, type Tenant, type TestServer } from './harness.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(async () => {
  await h.close();
});

const fm = (fields: Record<string, string>) => `---\n${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\n')}\n---\n`;

async function seed(t: Tenant) {
  await createPage(t, 'Actors/Iran', `${fm({ category: 'actor', tags: '[mideast, state]' })}# Iran\n\nA state actor. See [[Actors/Israel]] and [[Events/Strike]].\n`);
  await createPage(t, 'Actors/Israel', `${fm({ category: 'actor', tags: '[mideast]' })}# Israel\n\nAnother actor linked from [[Actors/Iran]].\n`);
  await createPage(t, 'Events/Strike', `${fm({ category: 'event', tags: '[military]', last_updated: '2020-01-01' })}# Strike\n\nThe drone strike happened. Links to [[Nowhere Page]].\n`);
}

const paths = (list: Array<{ path: string }> | undefined) => (list ?? []).map((p) => p.path).sort();

void test('list pages with prefix, category, tag and updated_since filters', async () => {
  const t = await makeTenant(h, 'list-filters');
  await seed(t);
  const all = await t.api('GET', '/pages');
  assert.equal(all.status, 200);
  assert.deepEqual(paths(all.json.pages), ['Actors/Iran', 'Actors/Israel', 'Events/Strike', 'Home', 'Meta/Page_Template', 'Meta/Wiki_Usage_Guide']);
  assert.equal(all.json.total, 6);
  const iran = all.json.pages?.find((p) => p.path === 'Actors/Iran');
  assert.equal(iran?.category, 'actor');
  assert.deepEqual(iran?.tags, ['mideast', 'state']);
  assert.equal(iran?.title, 'Iran');
  assert.ok((iran?.word_count ?? 0) > 5);
  assert.equal(iran?.last_change.author_name, 'list-filters');

  assert.deepEqual(paths((await t.api('GET', '/pages?prefix=actors/')).json.pages), ['Actors/Iran', 'Actors/Israel']);
  assert.deepEqual(paths((await t.api('GET', '/pages?category=event')).json.pages), ['Events/Strike']);
  const tagged = await t.api('GET', '/pages?tag=mideast');
  assert.deepEqual(paths(tagged.json.pages), ['Actors/Iran', 'Actors/Israel']);
  assert.equal(tagged.json.total, 2);
  assert.deepEqual(paths((await t.api('GET', '/pages?updated_since=2100-01-01')).json.pages), []);
  assert.equal((await t.api('GET', '/pages?updated_since=2000-01-01')).json.pages?.length, 6);
  assertError(await t.api('GET', '/pages?updated_since=last-week'), 400, 'INVALID_INPUT', /updated_since/);
  const page = await t.api('GET', '/pages?limit=2&offset=1');
  assert.equal(page.json.pages?.length, 2);
});

void test('search ranks by BM25 with a title boost, supports phrases and prefixes, marks matches, filters', async () => {
  const t = await makeTenant(h, 'search-basics');
  await createPage(t, 'Zebra', '# Zebra\n\nStriped animal of the plains.\n');
  await createPage(t, 'Notes', '# Notes\n\nWe once saw a zebra near the river, far from any other zebra-like creature.\n');
  await createPage(t, 'Phrases/One', `${fm({ category: 'reference' })}# One\n\nThe quick brown fox jumps.\n`);
  await createPage(t, 'Phrases/Two', `${fm({ category: 'reference', tags: '[dogs]' })}# Two\n\nThe brown quick dog sleeps.\n`);

  const zebra = await t.api('GET', '/search?q=zebra');
  assert.equal(zebra.status, 200);
  assert.deepEqual(
    zebra.json.results?.map((r) => r.path),
    ['Zebra', 'Notes'],
    'the page titled Zebra ranks first',
  );
  assert.ok((zebra.json.results?.[0]?.score ?? 0) > (zebra.json.results?.[1]?.score ?? 0));
  assert.match(zebra.json.results?.[1]?.snippet ?? '', /<mark>zebra<\/mark>/i);

  const phrase = await t.api('GET', `/search?q=${encodeURIComponent('"quick brown"')}`);
  assert.deepEqual(
    phrase.json.results?.map((r) => r.path),
    ['Phrases/One'],
  );
  const words = await t.api('GET', '/search?q=quick%20brown');
  assert.deepEqual(paths(words.json.results), ['Phrases/One', 'Phrases/Two']);
  const prefix = await t.api('GET', '/search?q=sle*');
  assert.deepEqual(
    prefix.json.results?.map((r) => r.path),
    ['Phrases/Two'],
  );
  assert.deepEqual(paths((await t.api('GET', '/search?q=brown&tag=dogs')).json.results), ['Phrases/Two']);
  assert.deepEqual(paths((await t.api('GET', '/search?q=brown&category=reference&prefix=Phrases/')).json.results), ['Phrases/One', 'Phrases/Two']);
  assert.deepEqual((await t.api('GET', '/search?q=brown&prefix=Zebra')).json.results, []);
  assertError(await t.api('GET', '/search?q='), 400, 'INVALID_INPUT', /query/);
  assertError(await t.api('GET', '/search'), 400, 'INVALID_INPUT', /query/);
});

void test('search never returns another wiki\'s pages', async () => {
  const a = await makeTenant(h, 'search-iso-a');
  const b = await makeTenant(h, 'search-iso-b');
  await createPage(a, 'Secret', 'xylophonist quartermaster\n');
  assert.equal((await a.api('GET', '/search?q=xylophonist')).json.results?.length, 1);
  assert.deepEqual((await b.api('GET', '/search?q=xylophonist')).json.results, []);
});

void test('links out of and into a page, and the link graph', async () => {
  const t = await makeTenant(h, 'links-graph');
  await seed(t);
  const res = await t.api('GET', '/links/Actors/Iran');
  assert.equal(res.status, 200);
  assert.deepEqual(
    res.json.links_to?.map((l) => [l.target, l.exists, l.kind]),
    [
      ['Actors/Israel', true, 'wikilink'],
      ['Events/Strike', true, 'wikilink'],
    ],
  );
  assert.deepEqual(res.json.linked_from, ['Actors/Israel']);
  const graph = await t.api('GET', '/links');
  assert.equal(graph.status, 200);
  assert.ok(graph.json.nodes?.some((n) => n.path === 'Events/Strike' && n.category === 'event'));
  const edges = graph.json.edges ?? [];
  assert.ok(edges.some((e) => e.source === 'Actors/Iran' && e.target === 'Actors/Israel' && !e.broken));
  assert.ok(edges.some((e) => e.source === 'Events/Strike' && e.target === 'Nowhere_Page' && e.broken));
  assertError(await t.api('GET', '/links/Not/There'), 404, 'PAGE_NOT_FOUND');
});

void test('orphans exclude Home; broken links and stale pages are reported', async () => {
  const t = await makeTenant(h, 'garden');
  await seed(t);
  const orphans = await t.api('GET', '/orphans');
  assert.equal(orphans.status, 200);
  const orphanPaths = paths(orphans.json.pages);
  assert.ok(!orphanPaths.includes('Home'), 'Home is never an orphan');
  assert.ok(!orphanPaths.includes('Actors/Iran') && !orphanPaths.includes('Events/Strike'));
  await createPage(t, 'Lonely', 'nobody links here\n');
  assert.ok(paths((await t.api('GET', '/orphans')).json.pages).includes('Lonely'));

  const broken = await t.api('GET', '/broken-links');
  assert.equal(broken.status, 200);
  assert.deepEqual(
    broken.json.links?.filter((l) => l.source === 'Events/Strike'),
    [{ source: 'Events/Strike', target: 'Nowhere_Page', anchor: null, kind: 'wikilink' }],
  );

  const stale = await t.api('GET', '/stale?days=30');
  assert.equal(stale.status, 200);
  assert.equal(stale.json.days, 30);
  assert.deepEqual(paths(stale.json.pages), ['Events/Strike'], 'only the page whose last_updated is old');
  const everything = await t.api('GET', '/stale?days=0');
  assert.ok((everything.json.pages?.length ?? 0) >= 4, 'with days=0 every page is stale');
  assertError(await t.api('GET', '/stale?days=-1'), 400, 'INVALID_INPUT', /days/);
});
