// Tests of one wiki's SQLite index: writes, page queries, search, links, history and commits, on real SQLite files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWikiError } from '../errors.js';
import { commitPages, makeChange, makeCommit, makePage, oidOf, tempStore, wikiLink } from './index-fixtures.js';
import type { IndexBatch, WikiIndex } from './index-store.js';

/** Run `fn` against a fresh wiki index in a temp folder, removed afterwards. */
function withIndex(fn: (index: WikiIndex) => void): void {
  const t = tempStore();
  try {
    fn(t.store.open('alice', 'research'));
  } finally {
    t.dispose();
  }
}

const paths = (rows: { path: string }[]): string[] => rows.map((r) => r.path);

/** A snapshot of everything observable, to prove a refused call changed nothing. */
function snapshot(index: WikiIndex): unknown {
  return {
    head: index.indexedCommit(),
    pages: index.listPages(),
    links: index.allLinks(),
    recent: index.recentChanges({ limit: 500 }),
  };
}

const invalid = (e: unknown): boolean => isWikiError(e, 'INVALID_INPUT');

void test('a new index is empty and has no indexed commit', () => {
  withIndex((index) => {
    assert.equal(index.indexedCommit(), null);
    assert.deepEqual(index.listPages(), []);
    assert.equal(index.countPages(), 0);
    assert.equal(index.getPage('Home'), null);
  });
});

void test('apply upserts pages and records the indexed commit', () => {
  withIndex((index) => {
    const b = commitPages('c1', '2024-01-01T10:00:00Z', [
      {
        path: 'Actors/Iran',
        title: 'Iran',
        category: 'actor',
        tags: ['middle-east', 'state'],
        frontmatter: { title: 'Iran', confidence: 'high' },
        lastUpdated: '2024-01-01',
      },
    ]);
    index.apply(b);
    assert.equal(index.indexedCommit(), b.head);
    const page = index.getPage('Actors/Iran');
    assert.ok(page);
    assert.equal(page.title, 'Iran');
    assert.equal(page.key, 'actors/iran');
    assert.equal(page.category, 'actor');
    assert.deepEqual(page.tags, ['middle-east', 'state']);
    assert.deepEqual(page.frontmatter, { title: 'Iran', confidence: 'high' });
    assert.equal(page.lastUpdated, '2024-01-01');
    assert.equal(page.archived, false);
    assert.equal(page.lastCommit.oid, b.head);
    assert.equal(page.lastCommit.date, '2024-01-01T10:00:00Z');
    assert.equal(page.lastCommit.authorName, 'Ada');
    assert.equal(page.lastCommit.message, 'Update: c1');
  });
});

void test('an upsert replaces the page, its tags, links and full text', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [
        { path: 'A', tags: ['old'], body: 'alpha [[B]]', links: [wikiLink('B')] },
      ]),
    );
    const b2 = commitPages('c2', '2024-01-02T00:00:00Z', [
      { path: 'A', status: 'M', tags: ['new'], body: 'beta [[C]]', links: [wikiLink('C')] },
    ]);
    index.apply(b2);
    assert.equal(index.indexedCommit(), b2.head);
    assert.deepEqual(index.getPage('A')?.tags, ['new']);
    assert.equal(index.getPage('A')?.lastCommit.oid, b2.head);
    assert.equal(index.countPages({ tag: 'old' }), 0);
    assert.equal(index.countPages({ tag: 'new' }), 1);
    assert.deepEqual(
      index.linksFrom('A').map((l) => l.target),
      ['C'],
    );
    assert.deepEqual(paths(index.search({ query: 'alpha' })), []);
    assert.deepEqual(paths(index.search({ query: 'beta' })), ['A']);
  });
});

void test('a delete removes the page, its tags, links and full text', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [
        { path: 'A', tags: ['t'], body: 'alpha [[B]]', links: [wikiLink('B')] },
        { path: 'B', body: 'beta' },
      ]),
    );
    const c2 = makeCommit('c2', '2024-01-02T00:00:00Z');
    index.apply({ head: c2.oid, commits: [c2], changes: [makeChange(c2, 'D', 'A')], upserts: [], deletes: ['A'] });
    assert.equal(index.indexedCommit(), c2.oid);
    assert.equal(index.getPage('A'), null);
    assert.deepEqual(paths(index.listPages()), ['B']);
    assert.equal(index.countPages({ tag: 't' }), 0);
    assert.deepEqual(index.allLinks(), []);
    assert.deepEqual(index.linksTo('B'), []);
    assert.deepEqual(paths(index.search({ query: 'alpha' })), []);
    // Deleting a page the index does not know is harmless.
    const c3 = makeCommit('c3', '2024-01-03T00:00:00Z');
    index.apply({ head: c3.oid, commits: [c3], changes: [], upserts: [], deletes: ['Nope'] });
    assert.deepEqual(paths(index.listPages()), ['B']);
  });
});

void test('a batch naming an unknown commit or an unreadable date is refused and changes nothing', () => {
  withIndex((index) => {
    index.apply(commitPages('c1', '2024-01-01T00:00:00Z', [{ path: 'A' }]));
    const before = snapshot(index);
    const c2 = makeCommit('c2', '2024-01-02T00:00:00Z');
    const ghost = makeCommit('ghost', '2024-01-02T00:00:00Z');
    const orphanChange: IndexBatch = {
      head: c2.oid,
      commits: [c2],
      changes: [makeChange(ghost, 'A', 'B')],
      upserts: [makePage('B', c2)],
      deletes: ['A'],
    };
    assert.throws(() => index.apply(orphanChange), invalid);
    assert.deepEqual(snapshot(index), before);
    const badDate = makeCommit('c3', 'yesterday');
    assert.throws(
      () => index.apply({ head: badDate.oid, commits: [badDate], changes: [], upserts: [], deletes: ['A'] }),
      invalid,
    );
    assert.throws(() => index.apply({ head: '', commits: [], changes: [], upserts: [], deletes: ['A'] }), invalid);
    assert.deepEqual(snapshot(index), before);
  });
});

void test('re-applying a commit already indexed keeps its place in history', () => {
  withIndex((index) => {
    const b1 = commitPages('c1', '2024-01-01T00:00:00Z', [{ path: 'A' }]);
    index.apply(b1);
    index.apply(commitPages('c2', '2024-01-02T00:00:00Z', [{ path: 'A', status: 'M' }]));
    index.apply(b1);
    assert.deepEqual(
      index.recentChanges().map((c) => c.message),
      ['Update: c2', 'Update: c1'],
    );
    assert.equal(index.history('A').length, 2);
  });
});

void test('reset forgets everything', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [{ path: 'A', tags: ['t'], body: 'x [[B]]', links: [wikiLink('B')] }]),
    );
    index.reset();
    assert.equal(index.indexedCommit(), null);
    assert.deepEqual(index.listPages(), []);
    assert.deepEqual(index.allLinks(), []);
    assert.deepEqual(index.recentChanges(), []);
    assert.deepEqual(index.resolveCommit(oidOf('c1').slice(0, 6)), []);
    assert.throws(() => index.search({ query: '' }), invalid);
    assert.deepEqual(index.search({ query: 'notes' }), []);
    // And it is usable afterwards.
    index.apply(commitPages('c2', '2024-01-02T00:00:00Z', [{ path: 'B' }]));
    assert.deepEqual(paths(index.listPages()), ['B']);
  });
});

void test('findByKey ignores case and reports every spelling sharing a key', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [
        { path: 'Actors/Iran_Regime' },
        { path: 'Actors/IRAN_regime' },
        { path: 'Actors/Iraq' },
      ]),
    );
    assert.deepEqual(paths(index.findByKey('actors/iraq')), ['Actors/Iraq']);
    assert.deepEqual(paths(index.findByKey('ACTORS/IRAQ')), ['Actors/Iraq']);
    assert.deepEqual(paths(index.findByKey('actors/iran_regime')), ['Actors/IRAN_regime', 'Actors/Iran_Regime']);
    assert.deepEqual(index.findByKey('actors/syria'), []);
    // getPage is exact: the stored spelling only.
    assert.equal(index.getPage('actors/iraq'), null);
  });
});

/** Six pages over two commits, for the filter tests. */
function seedFilters(index: WikiIndex): void {
  index.apply(
    commitPages('c1', '2024-01-01T00:00:00Z', [
      { path: 'Home', category: 'index' },
      { path: 'Actors/Iran', category: 'actor', tags: ['Middle-East', 'state'] },
      { path: 'Actors/Hezbollah', category: 'actor', tags: ['middle-east'] },
      { path: 'actors_notes', category: null },
    ]),
  );
  index.apply(
    commitPages('c2', '2024-03-01T00:00:00Z', [
      { path: 'Events/Deal_2015', category: 'event', tags: ['state'] },
      { path: 'Actors/Iraq', category: 'Actor', tags: [] },
    ]),
  );
}

void test('listPages is ordered by path and filters by prefix, category, tag and updatedSince', () => {
  withIndex((index) => {
    seedFilters(index);
    assert.deepEqual(paths(index.listPages()), [
      'Actors/Hezbollah',
      'Actors/Iran',
      'Actors/Iraq',
      'Events/Deal_2015',
      'Home',
      'actors_notes',
    ]);
    assert.deepEqual(paths(index.listPages({ prefix: 'actors/' })), ['Actors/Hezbollah', 'Actors/Iran', 'Actors/Iraq']);
    assert.deepEqual(paths(index.listPages({ prefix: 'ACTORS' })), [
      'Actors/Hezbollah',
      'Actors/Iran',
      'Actors/Iraq',
      'actors_notes',
    ]);
    assert.deepEqual(paths(index.listPages({ prefix: 'Events/Deal 2' })), ['Events/Deal_2015']);
    assert.deepEqual(paths(index.listPages({ prefix: 'Nothing' })), []);
    assert.deepEqual(paths(index.listPages({ category: 'actor' })), ['Actors/Hezbollah', 'Actors/Iran', 'Actors/Iraq']);
    assert.deepEqual(paths(index.listPages({ tag: 'middle-east' })), ['Actors/Hezbollah', 'Actors/Iran']);
    assert.deepEqual(paths(index.listPages({ tag: 'state' })), ['Actors/Iran', 'Events/Deal_2015']);
    assert.deepEqual(paths(index.listPages({ updatedSince: '2024-02-01' })), ['Actors/Iraq', 'Events/Deal_2015']);
    assert.deepEqual(paths(index.listPages({ updatedSince: '2024-03-01T00:00:00Z' })), [
      'Actors/Iraq',
      'Events/Deal_2015',
    ]);
    assert.deepEqual(paths(index.listPages({ updatedSince: '2024-03-01T00:00:01Z' })), []);
    assert.deepEqual(paths(index.listPages({ prefix: 'Actors/', tag: 'state', category: 'actor' })), ['Actors/Iran']);
    assert.deepEqual(paths(index.listPages({ limit: 2 })), ['Actors/Hezbollah', 'Actors/Iran']);
    assert.deepEqual(paths(index.listPages({ limit: 2, offset: 2 })), ['Actors/Iraq', 'Events/Deal_2015']);
    assert.deepEqual(paths(index.listPages({ offset: 5 })), ['actors_notes']);
    assert.deepEqual(paths(index.listPages({ limit: 0 })), []);
  });
});

void test('countPages counts with the same filters', () => {
  withIndex((index) => {
    seedFilters(index);
    assert.equal(index.countPages(), 6);
    assert.equal(index.countPages({ prefix: 'actors/' }), 3);
    assert.equal(index.countPages({ category: 'ACTOR' }), 3);
    assert.equal(index.countPages({ tag: 'MIDDLE-EAST' }), 2);
    assert.equal(index.countPages({ updatedSince: '2024-02-01' }), 2);
    assert.equal(index.countPages({ prefix: 'Actors/', updatedSince: '2024-02-01' }), 1);
  });
});

void test('bad limits, offsets and dates are refused with INVALID_INPUT and change nothing', () => {
  withIndex((index) => {
    seedFilters(index);
    const before = snapshot(index);
    assert.throws(() => index.listPages({ limit: -1 }), invalid);
    assert.throws(() => index.listPages({ limit: 1.5 }), invalid);
    assert.throws(() => index.listPages({ offset: -3 }), invalid);
    assert.throws(() => index.listPages({ updatedSince: 'last tuesday' }), invalid);
    assert.throws(() => index.countPages({ updatedSince: 'soon' }), invalid);
    assert.throws(() => index.search({ query: 'notes', limit: -1 }), invalid);
    assert.throws(() => index.history('Home', { limit: Number.NaN }), invalid);
    assert.throws(() => index.recentChanges({ since: 'not a date' }), invalid);
    assert.throws(() => index.recentChanges({ offset: -1 }), invalid);
    assert.throws(() => index.stale('whenever'), invalid);
    assert.deepEqual(snapshot(index), before);
  });
});

void test('search ranks title matches first and reports a higher-is-better score', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [
        {
          path: 'Notes/Misc',
          title: 'Misc',
          category: 'note',
          body: 'sanctions sanctions sanctions sanctions on many many things',
        },
        {
          path: 'Policy/Sanctions',
          title: 'Sanctions',
          category: 'note',
          body: 'The policy of economic pressure, see sanctions.',
        },
        { path: 'Other', title: 'Other', body: 'nothing relevant here' },
      ]),
    );
    const hits = index.search({ query: 'sanctions' });
    assert.deepEqual(paths(hits), ['Policy/Sanctions', 'Notes/Misc']);
    const [first, second] = hits;
    assert.ok(first && second);
    assert.ok(first.score > second.score && second.score > 0, `scores ${first.score} > ${second.score} > 0`);
    assert.equal(first.title, 'Sanctions');
    // Filtered searches rank the same way.
    assert.deepEqual(
      index.search({ query: 'sanction*' }).map((h) => [h.path, h.score]),
      hits.map((h) => [h.path, h.score]),
    );
    const filtered = index.search({ query: 'sanctions', category: 'note' });
    assert.deepEqual(paths(filtered), ['Policy/Sanctions', 'Notes/Misc']);
    assert.deepEqual(
      filtered.map((h) => h.score),
      hits.map((h) => h.score),
    );
  });
});

void test('search ANDs words, keeps phrases and expands prefix terms', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [
        { path: 'A', body: 'the nuclear deal was signed in Vienna' },
        { path: 'B', body: 'a deal about nuclear fuel' },
        { path: 'C', body: 'nuclear physics, no agreement' },
      ]),
    );
    assert.deepEqual(paths(index.search({ query: 'nuclear deal' })).sort(), ['A', 'B']);
    assert.deepEqual(paths(index.search({ query: '"nuclear deal"' })), ['A']);
    assert.deepEqual(paths(index.search({ query: 'vien*' })), ['A']);
    assert.deepEqual(paths(index.search({ query: 'vien' })), []);
    assert.deepEqual(paths(index.search({ query: 'NUCLEAR Physics' })), ['C']);
    assert.deepEqual(paths(index.search({ query: '"nuclear ph"*' })), ['C']);
    assert.match(index.search({ query: 'vien*' })[0]?.snippet ?? '', /in <mark>Vienna<\/mark>/u);
    assert.match(index.search({ query: 'VIENNA' })[0]?.snippet ?? '', /in <mark>Vienna<\/mark>/u);
  });
});

void test('search also finds words of the title and path', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [
        { path: 'Actors/Hezbollah', title: 'Party of God', body: 'unrelated text' },
      ]),
    );
    assert.deepEqual(paths(index.search({ query: 'hezbollah' })), ['Actors/Hezbollah']);
    assert.deepEqual(paths(index.search({ query: 'god' })), ['Actors/Hezbollah']);
  });
});

void test('hostile queries return results or INVALID_INPUT, never an SQLite error', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [
        { path: 'A', title: 'Title words', body: 'near and or not drop table pages 🎉 party' },
      ]),
    );
    const before = snapshot(index);
    const hostile = [
      '"',
      '"""',
      'NEAR(',
      'NEAR(a b',
      'title:',
      'title:words',
      '*',
      '**',
      'AND OR',
      'AND',
      'NOT',
      "'); DROP TABLE pages; --",
      '🎉',
      '🎉 party',
      '(',
      ')',
      '^near',
      '-drop',
      '+table',
      '{title body}: near',
      'a:b:c',
      '\u0000',
      'drop\u0000table',
      '\uE000near\uE001',
    ];
    for (const query of hostile) {
      try {
        const hits = index.search({ query });
        assert.ok(Array.isArray(hits));
      } catch (err) {
        assert.ok(isWikiError(err, 'INVALID_INPUT'), `query ${JSON.stringify(query)} threw ${String(err)}`);
      }
    }
    assert.deepEqual(paths(index.search({ query: 'AND OR' })), ['A']);
    assert.deepEqual(paths(index.search({ query: 'NEAR(' })), ['A']);
    assert.deepEqual(paths(index.search({ query: 'title:words' })), ['A']);
    assert.deepEqual(paths(index.search({ query: "'); DROP TABLE pages; --" })), ['A']);
    assert.deepEqual(paths(index.search({ query: '🎉 party' })), ['A']);
    assert.throws(() => index.search({ query: '"' }), invalid);
    assert.throws(() => index.search({ query: '*' }), invalid);
    assert.throws(() => index.search({ query: '🎉' }), invalid);
    assert.deepEqual(snapshot(index), before);
  });
});

void test('snippets escape HTML from the page and mark the matches', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [
        { path: 'X', body: 'Beware <script>alert("pwned")</script> & friends: the payload is here.' },
        { path: 'Y', body: `Forged \uE000marker\uE001 text` },
      ]),
    );
    const [hit] = index.search({ query: 'payload' });
    assert.ok(hit);
    assert.ok(hit.snippet.includes('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; friends'), hit.snippet);
    assert.ok(!hit.snippet.includes('<script>'));
    assert.ok(hit.snippet.includes('<mark>payload</mark>'), hit.snippet);
    const [forged] = index.search({ query: 'text' });
    assert.ok(forged);
    assert.equal(forged.snippet.match(/<mark>/gu)?.length, 1, forged.snippet);
    assert.ok(forged.snippet.includes('<mark>text</mark>'), forged.snippet);
  });
});

void test('snippets of long pages are cut around the match', () => {
  withIndex((index) => {
    const body = `${'filler '.repeat(200)}needle ${'filler '.repeat(200)}`;
    index.apply(commitPages('c1', '2024-01-01T00:00:00Z', [{ path: 'Long', body }]));
    const [hit] = index.search({ query: 'needle' });
    assert.ok(hit);
    assert.ok(hit.snippet.includes('<mark>needle</mark>'));
    assert.ok(hit.snippet.split(/\s+/u).length <= 26, hit.snippet);
    assert.ok(hit.snippet.startsWith('…') && hit.snippet.endsWith('…'), hit.snippet);
  });
});

void test('search filters by prefix, category and tag, and pages with limit and offset', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [
        { path: 'Actors/Iran', category: 'actor', tags: ['state'], body: 'oil' },
        { path: 'Actors/Opec', category: 'actor', tags: ['cartel'], body: 'oil oil' },
        { path: 'Trends/Oil_Price', category: 'trend', tags: ['state'], body: 'oil' },
      ]),
    );
    assert.deepEqual(paths(index.search({ query: 'oil', prefix: 'actors/' })).sort(), ['Actors/Iran', 'Actors/Opec']);
    assert.deepEqual(paths(index.search({ query: 'oil', category: 'trend' })), ['Trends/Oil_Price']);
    assert.deepEqual(paths(index.search({ query: 'oil', tag: 'state' })).sort(), ['Actors/Iran', 'Trends/Oil_Price']);
    assert.deepEqual(paths(index.search({ query: 'oil', tag: 'state', prefix: 'Actors' })), ['Actors/Iran']);
    const all = paths(index.search({ query: 'oil' }));
    assert.equal(all.length, 3);
    assert.deepEqual(paths(index.search({ query: 'oil', limit: 1 })), all.slice(0, 1));
    assert.deepEqual(paths(index.search({ query: 'oil', limit: 2, offset: 1 })), all.slice(1, 3));
    assert.deepEqual(paths(index.search({ query: 'oil', limit: 1000 })), all);
    // Prefix terms take another query plan: same filters, order and paging.
    assert.deepEqual(paths(index.search({ query: 'oi*' })), all);
    assert.deepEqual(paths(index.search({ query: 'oi*', category: 'trend' })), ['Trends/Oil_Price']);
    assert.deepEqual(paths(index.search({ query: 'oi*', tag: 'state', prefix: 'Actors' })), ['Actors/Iran']);
    assert.deepEqual(paths(index.search({ query: 'oi*', limit: 2, offset: 1 })), all.slice(1, 3));
  });
});

void test('search returns at most 20 hits by default and 100 at most', () => {
  withIndex((index) => {
    const pages = Array.from({ length: 130 }, (_, i) => ({ path: `P/${i}`, body: 'shared word' }));
    index.apply(commitPages('c1', '2024-01-01T00:00:00Z', pages));
    assert.equal(index.search({ query: 'shared' }).length, 20);
    assert.equal(index.search({ query: 'shared', limit: 500 }).length, 100);
    assert.equal(index.search({ query: 'shared', limit: 100, offset: 100 }).length, 30);
  });
});

/** Home → A → B, C → missing, A → A (self), D alone, E → a differently spelled Home. */
function seedLinks(index: WikiIndex): void {
  index.apply(
    commitPages('c1', '2024-01-01T00:00:00Z', [
      { path: 'Home', links: [wikiLink('A')] },
      { path: 'A', links: [wikiLink('A'), wikiLink('B', 'Intro'), { ...wikiLink('Missing'), kind: 'markdown' }] },
      { path: 'B', links: [] },
      { path: 'C', links: [wikiLink('Missing'), wikiLink('b')] },
      { path: 'D', links: [wikiLink('D')] },
      { path: 'E', links: [wikiLink('HOME')] },
    ]),
  );
}

void test("linksFrom lists a page's links in order, resolved to the stored spelling or null", () => {
  withIndex((index) => {
    seedLinks(index);
    assert.deepEqual(index.linksFrom('A'), [
      { source: 'A', target: 'A', anchor: null, kind: 'wikilink', resolved: 'A' },
      { source: 'A', target: 'B', anchor: 'Intro', kind: 'wikilink', resolved: 'B' },
      { source: 'A', target: 'Missing', anchor: null, kind: 'markdown', resolved: null },
    ]);
    assert.deepEqual(
      index.linksFrom('C').map((l) => [l.target, l.resolved]),
      [
        ['Missing', null],
        ['b', 'B'],
      ],
    );
    assert.deepEqual(index.linksFrom('Nope'), []);
  });
});

void test('linksTo finds links by key, whatever their spelling, and to missing pages', () => {
  withIndex((index) => {
    seedLinks(index);
    assert.deepEqual(
      index.linksTo('B').map((l) => [l.source, l.target]),
      [
        ['A', 'B'],
        ['C', 'b'],
      ],
    );
    assert.deepEqual(
      index.linksTo('Home').map((l) => [l.source, l.target, l.resolved]),
      [['E', 'HOME', 'Home']],
    );
    assert.deepEqual(
      index.linksTo('Missing').map((l) => l.source),
      ['A', 'C'],
    );
    assert.equal(index.allLinks().length, 8);
  });
});

void test('orphans exclude the home page and ignore self-links; broken links are those to no page', () => {
  withIndex((index) => {
    seedLinks(index);
    assert.deepEqual(paths(index.orphans()), ['C', 'D', 'E']);
    assert.deepEqual(
      index.brokenLinks().map((l) => [l.source, l.target]),
      [
        ['A', 'Missing'],
        ['C', 'Missing'],
      ],
    );
    // Creating the missing page repairs both links, and it is no orphan.
    index.apply(commitPages('c2', '2024-01-02T00:00:00Z', [{ path: 'Missing' }]));
    assert.deepEqual(index.brokenLinks(), []);
    assert.deepEqual(
      index.linksFrom('C').map((l) => l.resolved),
      ['Missing', 'B'],
    );
    assert.deepEqual(paths(index.orphans()), ['C', 'D', 'E']);
    // A wiki whose home page is another page: that one is the root instead (its name matched as pages are).
    assert.deepEqual(paths(index.orphans('d')), ['C', 'E']);
  });
});

void test('stale uses last_updated when set, else the last commit date', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2023-01-01T00:00:00Z', [
        { path: 'Old_Commit' },
        { path: 'Fresh_Front_Matter', lastUpdated: '2024-06-01' },
      ]),
    );
    index.apply(
      commitPages('c2', '2024-06-01T00:00:00Z', [
        { path: 'Old_Front_Matter', lastUpdated: '2022-05-01' },
        { path: 'Fresh_Commit' },
        { path: 'Unreadable_Date', lastUpdated: 'sometime' },
      ]),
    );
    assert.deepEqual(paths(index.stale('2024-01-01')), ['Old_Front_Matter', 'Old_Commit']);
    assert.deepEqual(paths(index.stale('2022-01-01')), []);
    assert.deepEqual(paths(index.stale('2024-06-02')).sort(), [
      'Fresh_Commit',
      'Fresh_Front_Matter',
      'Old_Commit',
      'Old_Front_Matter',
      'Unreadable_Date',
    ]);
  });
});

void test('history follows a page back through two renames, newest first', () => {
  withIndex((index) => {
    const c = (n: number): ReturnType<typeof makeCommit> => makeCommit(`h${n}`, `2024-01-0${n}T00:00:00Z`);
    const [c1, c2, c3, c4, c5, c6] = [c(1), c(2), c(3), c(4), c(5), c(6)];
    index.apply({
      head: c3.oid,
      commits: [c1, c2, c3],
      changes: [
        makeChange(c1, 'A', 'Draft'),
        makeChange(c1, 'A', 'Other'),
        makeChange(c2, 'M', 'Draft'),
        makeChange(c3, 'R', 'Actors/Iran', 'Draft'),
      ],
      upserts: [makePage('Actors/Iran', c3), makePage('Other', c1)],
      deletes: [],
    });
    index.apply({
      head: c6.oid,
      commits: [c4, c5, c6],
      changes: [
        makeChange(c4, 'M', 'Other'),
        makeChange(c5, 'R', 'Actors/Iran_Regime', 'Actors/Iran'),
        makeChange(c6, 'M', 'Actors/Iran_Regime'),
      ],
      upserts: [makePage('Actors/Iran_Regime', c6), makePage('Other', c4)],
      deletes: ['Actors/Iran'],
    });
    const h = index.history('Actors/Iran_Regime');
    assert.deepEqual(
      h.map((e) => [e.message, e.path, e.status, e.oldPath]),
      [
        ['Update: h6', 'Actors/Iran_Regime', 'M', null],
        ['Update: h5', 'Actors/Iran_Regime', 'R', 'Actors/Iran'],
        ['Update: h3', 'Actors/Iran', 'R', 'Draft'],
        ['Update: h2', 'Draft', 'M', null],
        ['Update: h1', 'Draft', 'A', null],
      ],
    );
    assert.equal(h[0]?.oid, c6.oid);
    assert.equal(h[0]?.date, '2024-01-06T00:00:00Z');
    assert.deepEqual(
      index.history('Actors/Iran_Regime', { limit: 2, offset: 2 }).map((e) => e.message),
      ['Update: h3', 'Update: h2'],
    );
    assert.deepEqual(
      index.history('Actors/Iran_Regime', { limit: 1, offset: 4 }).map((e) => e.message),
      ['Update: h1'],
    );
    assert.deepEqual(index.history('Actors/Iran_Regime', { offset: 5 }), []);
    assert.deepEqual(
      index.history('Other').map((e) => e.message),
      ['Update: h4', 'Update: h1'],
    );
    assert.deepEqual(index.history('Nope'), []);
  });
});

void test('history is limited to 50 entries by default', () => {
  withIndex((index) => {
    for (let i = 0; i < 60; i++) {
      index.apply(commitPages(`c${i}`, '2024-01-01T00:00:00Z', [{ path: 'Busy', status: i === 0 ? 'A' : 'M' }]));
    }
    const h = index.history('Busy');
    assert.equal(h.length, 50);
    assert.equal(h[0]?.message, 'Update: c59');
    assert.equal(index.history('Busy', { limit: 100 }).length, 60);
  });
});

void test('recentChanges lists commits newest first with their changes, by since and limit', () => {
  withIndex((index) => {
    const c1 = makeCommit('r1', '2024-01-01T00:00:00Z');
    const c2 = makeCommit('r2', '2024-02-01T00:00:00Z', { parents: [c1.oid] });
    const c3 = makeCommit('r3', '2024-03-01T00:00:00Z', { parents: [c2.oid] });
    index.apply({
      head: c2.oid,
      commits: [c1, c2],
      changes: [makeChange(c1, 'A', 'Home'), makeChange(c1, 'A', 'A'), makeChange(c2, 'M', 'Home')],
      upserts: [makePage('Home', c2), makePage('A', c1)],
      deletes: [],
    });
    index.apply({
      head: c3.oid,
      commits: [c3],
      changes: [makeChange(c3, 'R', 'B', 'A')],
      upserts: [makePage('B', c3)],
      deletes: ['A'],
    });
    const all = index.recentChanges();
    assert.deepEqual(
      all.map((c) => c.oid),
      [c3.oid, c2.oid, c1.oid],
    );
    assert.deepEqual(all[0], {
      ...c3,
      changes: [{ status: 'R', path: 'B.md', oldPath: 'A.md' }],
    });
    assert.deepEqual(all[2]?.changes, [
      { status: 'A', path: 'Home.md', oldPath: null },
      { status: 'A', path: 'A.md', oldPath: null },
    ]);
    assert.deepEqual(all[1]?.parents, [c1.oid]);
    assert.deepEqual(
      index.recentChanges({ since: '2024-02-01' }).map((c) => c.oid),
      [c3.oid, c2.oid],
    );
    assert.deepEqual(
      index.recentChanges({ limit: 1, offset: 1 }).map((c) => c.oid),
      [c2.oid],
    );
    assert.deepEqual(
      index.recentChanges({ since: '2024-01-15', limit: 1, offset: 1 }).map((c) => [c.oid, c.changes.length]),
      [[c2.oid, 1]],
    );
    assert.deepEqual(index.recentChanges({ since: '2025-01-01' }), []);
  });
});

void test('recentChanges defaults to 50 commits and returns 500 at most', () => {
  withIndex((index) => {
    const commits = Array.from({ length: 520 }, (_, i) => makeCommit(`m${i}`, '2024-01-01T00:00:00Z'));
    const last = commits[commits.length - 1];
    assert.ok(last);
    index.apply({ head: last.oid, commits, changes: [], upserts: [], deletes: [] });
    assert.equal(index.recentChanges().length, 50);
    assert.equal(index.recentChanges({ limit: 10_000 }).length, 500);
    assert.equal(index.recentChanges()[0]?.oid, last.oid);
  });
});

void test('resolveCommit expands prefixes in any case; getCommit finds full ids', () => {
  withIndex((index) => {
    const commits = Array.from({ length: 40 }, (_, i) => makeCommit(`p${i}`, '2024-01-01T00:00:00Z'));
    const last = commits[39];
    assert.ok(last);
    index.apply({ head: last.oid, commits, changes: [], upserts: [], deletes: [] });
    const oid = last.oid;
    assert.deepEqual(index.resolveCommit(oid), [oid]);
    assert.deepEqual(index.resolveCommit(oid.slice(0, 7).toUpperCase()), [oid]);
    const one = oid.slice(0, 1);
    const expected = commits
      .map((c) => c.oid)
      .filter((o) => o.startsWith(one))
      .sort();
    assert.ok(expected.length > 1, 'fixture has an ambiguous one-digit prefix');
    assert.deepEqual(index.resolveCommit(one), expected);
    assert.deepEqual(index.resolveCommit(''), []);
    assert.deepEqual(index.resolveCommit('xyz'), []);
    assert.deepEqual(index.resolveCommit("' OR 1=1 --"), []);
    assert.deepEqual(index.resolveCommit(oidOf('never')), []);
    assert.deepEqual(index.getCommit(oid), last);
    assert.deepEqual(index.getCommit(oid.toUpperCase()), last);
    assert.equal(index.getCommit(oid.slice(0, 7)), null);
  });
});

void test('a page whose last commit is not indexed still answers', () => {
  withIndex((index) => {
    const known = makeCommit('k', '2024-01-01T00:00:00Z');
    const unknown = makeCommit('u', '2024-01-02T00:00:00Z');
    index.apply({ head: unknown.oid, commits: [known], changes: [], upserts: [makePage('P', unknown)], deletes: [] });
    const page = index.getPage('P');
    assert.equal(page?.lastCommit.oid, unknown.oid);
    assert.equal(page?.lastCommit.date, '');
    assert.deepEqual(paths(index.listPages({ updatedSince: '2000-01-01' })), []);
  });
});

void test('fileHistory follows any file (an attachment) back through a rename, newest first', () => {
  withIndex((index) => {
    const c = (n: number): ReturnType<typeof makeCommit> => makeCommit(`f${n}`, `2024-02-0${n}T00:00:00Z`);
    const [c1, c2, c3, c4] = [c(1), c(2), c(3), c(4)];
    index.apply({
      head: c4.oid,
      commits: [c1, c2, c3, c4],
      changes: [
        { commit: c1.oid, status: 'A', path: 'Page/map.png', oldPath: null },
        { commit: c2.oid, status: 'M', path: 'Page/map.png', oldPath: null },
        { commit: c2.oid, status: 'A', path: 'Page/other.png', oldPath: null },
        { commit: c3.oid, status: 'R', path: 'Page/world-map.png', oldPath: 'Page/map.png' },
        { commit: c4.oid, status: 'M', path: 'Page/other.png', oldPath: null },
      ],
      upserts: [],
      deletes: [],
    });
    assert.deepEqual(
      index.fileHistory('Page/world-map.png').map((e) => [e.oid, e.path, e.status]),
      [
        [c3.oid, 'Page/world-map.png', 'R'],
        [c2.oid, 'Page/map.png', 'M'],
        [c1.oid, 'Page/map.png', 'A'],
      ],
    );
    assert.deepEqual(index.fileHistory('Page/world-map.png', { limit: 1, offset: 1 }).map((e) => e.oid), [c2.oid]);
    assert.deepEqual(index.fileHistory('Page/missing.png'), []);
  });
});

void test('pageTexts gives the title and body of every page by path, with the page filters', () => {
  withIndex((index) => {
    index.apply(
      commitPages('c1', '2024-01-01T00:00:00Z', [
        { path: 'Actors/Iran', title: 'Iran', category: 'actor', tags: ['state'], body: 'Iran body' },
        { path: 'Actors/Iraq', title: 'Iraq', category: 'actor', body: 'Iraq body' },
        { path: 'Events/Strike', title: 'Strike', category: 'event', body: 'Strike body' },
      ]),
    );
    assert.deepEqual(index.pageTexts(), [
      { path: 'Actors/Iran', title: 'Iran', category: 'actor', tags: ['state'], body: 'Iran body' },
      { path: 'Actors/Iraq', title: 'Iraq', category: 'actor', tags: [], body: 'Iraq body' },
      { path: 'Events/Strike', title: 'Strike', category: 'event', tags: [], body: 'Strike body' },
    ]);
    assert.deepEqual(paths(index.pageTexts({ prefix: 'actors/' })), ['Actors/Iran', 'Actors/Iraq']);
    assert.deepEqual(paths(index.pageTexts({ category: 'EVENT' })), ['Events/Strike']);
    assert.deepEqual(paths(index.pageTexts({ tag: 'state' })), ['Actors/Iran']);
  });
});
