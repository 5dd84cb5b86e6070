/**
 * `npm run bench -- index-store [pages…]`: the SQLite index alone on a synthetic wiki (N pages of ~500 words, one
 * commit per page plus one for Home, five links a page), by default 500 and 10000 pages. Prints median milliseconds
 * per operation, including what the end-to-end benchmarks do not reach (orphans, broken links, stale pages, prefix,
 * phrase and category search, tag counts, short commit ids).
 */
import { corpus, makeChange, makeCommit, makePage, tempStore, wikiLink } from '../src/index/index-fixtures.js';
import type { IndexBatch, IndexedChange, IndexedCommit, PageInput, WikiIndex } from '../src/index/index-store.js';

export interface IndexBenchResult {
  pages: number;
  commits: number;
  /** Seconds to build the index, in batches of up to 100 commits. */
  buildSeconds: number;
  /** Median milliseconds per operation. */
  medians: Record<string, number>;
}

/** Median milliseconds of `fn` over up to `runs` calls (fewer past two seconds), after `warmup` calls. */
function median(fn: (i: number) => unknown, runs = 300, warmup = 30): number {
  for (let i = 0; i < warmup; i++) fn(i);
  const times: number[] = [];
  const deadline = Date.now() + 2000;
  for (let i = 0; i < runs && (i < 5 || Date.now() < deadline); i++) {
    const t = process.hrtime.bigint();
    fn(i);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? NaN;
}

function buildWiki(index: WikiIndex, docs: { path: string; title: string; body: string }[]): number {
  const start = Date.parse('2024-01-01T00:00:00Z');
  let commits: IndexedCommit[] = [];
  let changes: IndexedChange[] = [];
  let upserts: PageInput[] = [];
  const flush = (): void => {
    const head = commits[commits.length - 1];
    if (head === undefined) return;
    const batch: IndexBatch = { head: head.oid, commits, changes, upserts, deletes: [] };
    index.apply(batch);
    commits = [];
    changes = [];
    upserts = [];
  };
  const home = makeCommit('home', new Date(start).toISOString());
  commits.push(home);
  changes.push(makeChange(home, 'A', 'Home'));
  upserts.push(makePage('Home', home, { links: [wikiLink('Actors/Page_0')] }));
  docs.forEach((doc, i) => {
    const commit = makeCommit(`c${i}`, new Date(start + (i + 1) * 60_000).toISOString());
    const links = [1, 7, 31, 101, 503].map((d) => wikiLink(docs[(i + d) % docs.length]?.path ?? 'Home'));
    // One page in ten has a broken link.
    if (i % 10 === 0) links.push(wikiLink(`Missing/Page_${i % 50}`));
    commits.push(commit);
    changes.push(makeChange(commit, 'A', doc.path));
    upserts.push(
      makePage(doc.path, commit, {
        title: doc.title,
        body: doc.body,
        category: ['actor', 'event', 'trend'][i % 3] ?? null,
        tags: [`t${i % 10}`, `u${i % 7}`],
        frontmatter: { title: doc.title, confidence: 'medium', sources: ['a', 'b'] },
        links,
      }),
    );
    if (commits.length >= 100) flush();
  });
  flush();
  return docs.length + 1;
}

/** Build an N-page wiki in a temp folder and time the index operations on it. */
export function benchIndex(pages: number): IndexBenchResult {
  const t = tempStore();
  try {
    const index = t.store.open('bench', 'wiki');
    const built = process.hrtime.bigint();
    const docs = corpus(pages, 500);
    const commits = buildWiki(index, docs);
    const buildSeconds = Number(process.hrtime.bigint() - built) / 1e9;
    // Spread over the wiki so the figures are not those of one cached page.
    const path = (i: number): string => docs[(i * 7919) % docs.length]?.path ?? 'Home';
    let n = 0;
    const medians: Record<string, number> = {
      getPage: median((i) => index.getPage(path(i))),
      findByKey: median((i) => index.findByKey(path(i).toLowerCase())),
      'listPages(all)': median(() => index.listPages(), 50, 5),
      'listPages(prefix, limit 50)': median(() => index.listPages({ prefix: 'events/', limit: 50 })),
      'countPages(tag)': median(() => index.countPages({ tag: 't3' })),
      'search(rare word)': median(() => index.search({ query: 'zanzibar' })),
      'search(common word)': median(() => index.search({ query: 'common' })),
      'search(two words)': median(() => index.search({ query: 'common zanzibar' })),
      'search(prefix term, 4 letters)': median(() => index.search({ query: 'selk*' })),
      'search(prefix term, 2 letters)': median(() => index.search({ query: 'se*' })),
      'search(phrase)': median(() => index.search({ query: '"common zanzibar"' })),
      'search(common, category)': median(() => index.search({ query: 'common', category: 'trend' })),
      history: median((i) => index.history(path(i))),
      'recentChanges(50)': median(() => index.recentChanges({ limit: 50 })),
      linksTo: median((i) => index.linksTo(path(i))),
      linksFrom: median((i) => index.linksFrom(path(i))),
      orphans: median(() => index.orphans(), 30, 3),
      brokenLinks: median(() => index.brokenLinks(), 30, 3),
      'stale(before)': median(() => index.stale('2024-01-01T03:00:00Z'), 30, 3),
      'resolveCommit(7)': median(() => index.resolveCommit(index.indexedCommit()?.slice(0, 7) ?? '')),
      'apply(1 upsert + 1 commit)': median(() => {
        n += 1;
        const commit = makeCommit(`edit${n}`, new Date(Date.parse('2025-01-01T00:00:00Z') + n * 1000).toISOString());
        const p = path(n);
        const page = index.getPage(p);
        index.apply({
          head: commit.oid,
          commits: [commit],
          changes: [makeChange(commit, 'M', p)],
          upserts: [
            makePage(p, commit, {
              title: page?.title ?? p,
              body: `${'common edited words '.repeat(160)} revision ${n}`,
              links: [wikiLink('Home')],
              tags: ['t1'],
            }),
          ],
          deletes: [],
        });
      }, 200),
    };
    return { pages, commits, buildSeconds, medians };
  } finally {
    t.dispose();
  }
}

export function run(args: string[]): Promise<number> {
  const sizes = args.map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 10 || n > 100_000)) {
    console.log('Usage: npm run bench -- index-store [pages…]   (whole numbers from 10 to 100000; default 500 10000)');
    return Promise.resolve(args.includes('--help') || args.includes('-h') ? 0 : 2);
  }
  const results = (sizes.length > 0 ? sizes : [500, 10_000]).map(benchIndex);
  const ops = Object.keys(results[0]?.medians ?? {});
  const header = ['operation (median ms)', ...results.map((r) => `${r.pages} pages`)];
  const rows = ops.map((op) => [op, ...results.map((r) => (r.medians[op] ?? NaN).toFixed(3))]);
  rows.push(['build (s)', ...results.map((r) => r.buildSeconds.toFixed(2))]);
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(width[i] ?? 0) : c.padStart(width[i] ?? 0))).join('  '));
  }
  return Promise.resolve(0);
}
