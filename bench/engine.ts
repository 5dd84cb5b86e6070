/**
 * `npm run bench -- engine`: the wiki engine measured the way clients meet it, over the REST API on loopback.
 *
 * 1. Builds a 500-page wiki (one commit a page, through the write use case) in a temporary data directory and starts
 *    the real server in this process.
 * 2. Medians and p95 of page read (markdown, html), write, edit, search (rare and common word), history, blame,
 *    recent changes and list pages, each after a warm-up.
 * 3. 32 concurrent writers × 50 writes: half to pages of their own, half to 8 shared pages with a deliberately stale
 *    revision. Counts successes, true conflicts and failures, then checks every acknowledged write in `git`.
 * 4. The same page reads on a 10,000-page wiki (built with larger commits) as a ratio to the 500-page one.
 * 5. Cold start: `node dist/src/cli.js serve` on the 500-page data until the first page read answers, five times.
 *
 * Client and server share this process's event loop; the `healthz` row shows what the client and loopback cost.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import http from 'node:http';
import type { WikiRef } from '../src/usecases/index.js';
import { generateCorpus, prng, type Corpus, type CorpusPage } from './corpus.js';
import {
  createTenant,
  createWiki,
  fillBatched,
  fillOneCommitPerPage,
  makeDataDir,
  probeFileCreation,
  removeDataDir,
  startServer,
  type BenchServer,
  type Tenant,
} from './fixture.js';
import { encodePath, expectJson, HttpClient, type HttpResponse } from './http-client.js';
import { CallTimer, formatProfile, PhaseProfiler } from './profile.js';
import { formatTable, wholeNumber as num, median, passes, summarize, type Row, type Summary } from './report.js';
import { verifyAcknowledged } from './verify-writes.js';

const HELP = `Usage: npm run bench -- engine [options]

  --pages <n>     pages of the main wiki (default 500)
  --big <n>       pages of the wiki for the read ratio (default 10000; 0 skips it)
  --samples <n>   timed requests per metric (default 300; writes, edits, blame, list use 2/3 of it)
  --writers <n>   concurrent writers (default 32), each making --writes <n> writes (default 50)
  --cold <n>      cold starts (default 5; 0 skips them)
  --profile       CPU-profile each phase in this process and time the stores; print where the time goes
  --profile-out <dir>  also write each phase's .cpuprofile there (implies --profile)
  --data-root <dir>  where the temporary data directory goes (default: the system temp dir, TMPDIR)
  --json          print the figures as JSON on stdout (the table then goes to stderr)`;

/** Budgets on medians, milliseconds (DESIGN.md "Performance budgets"). */
const BUDGET = { read: 3, write: 10, search: 5, listing: 15, coldStartMs: 1000, commitsPerSecond: 100, ratio: 1.5 };

/** No single timed loop runs longer than this, whatever its sample count. */
const LOOP_LIMIT_MS = 40_000;

interface Options {
  pages: number;
  big: number;
  samples: number;
  writers: number;
  writes: number;
  cold: number;
  profile: boolean;
  profileOut: string | null;
  dataRoot: string | null;
  json: boolean;
}

function parseOptions(args: string[]): Options | null {
  const { values } = parseArgs({
    args,
    options: {
      pages: { type: 'string' },
      big: { type: 'string' },
      samples: { type: 'string' },
      writers: { type: 'string' },
      writes: { type: 'string' },
      cold: { type: 'string' },
      profile: { type: 'boolean' },
      'profile-out': { type: 'string' },
      'data-root': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return null;
  return {
    pages: num('pages', values.pages, 500, 100, 10_000),
    big: num('big', values.big, 10_000, 0, 10_000),
    samples: num('samples', values.samples, 300, 20, 10_000),
    writers: num('writers', values.writers, 32, 1, 256),
    writes: num('writes', values.writes, 50, 2, 1000),
    cold: num('cold', values.cold, 5, 0, 50),
    profile: (values.profile ?? false) || values['profile-out'] !== undefined,
    profileOut: values['profile-out'] ?? null,
    dataRoot: values['data-root'] ?? null,
    json: values.json ?? false,
  };
}

const say = (msg: string): void => void process.stderr.write(`${msg}\n`);
const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

interface PageView {
  path: string;
  content: string;
  revision: string;
}

interface WriteAnswer {
  path: string;
  revision: string;
  merged: boolean;
  changed: boolean;
  commit: { oid: string } | null;
}

interface ErrorAnswer {
  error: string;
  message: string;
  current_revision?: string | null;
}

/** Everything the phases share. */
interface Bench {
  opts: Options;
  server: BenchServer;
  tenant: Tenant;
  client: HttpClient;
  corpus: Corpus;
  ref: WikiRef;
  /** `/api/v1/wikis/<owner>/<slug>` of the main wiki. */
  api: string;
  profiles: string[];
  /** Wall time per store method, with --profile. */
  timer: CallTimer | null;
}

/** Where `--profile-out` puts a phase's profile. */
const profilePath = (b: Bench, phase: string): string | undefined =>
  b.opts.profileOut === null
    ? undefined
    : join(
        b.opts.profileOut,
        `engine-${phase
          .replace(/[^a-z0-9]+/gi, '-')
          .replace(/^-|-$/g, '')
          .toLowerCase()}.cpuprofile`,
      );

const pageUrl = (api: string, path: string, suffix = ''): string => `${api}/pages/${encodePath(path)}${suffix}`;

/** Which pages each phase uses, so that no phase disturbs another's assumptions. */
export function pageSets(corpus: Corpus, writers: number) {
  const pages = corpus.pages;
  const hot = pages.slice(0, 8);
  const rest = pages.slice(8);
  const writeSet = rest.slice(-12, -6);
  const editSet = rest.slice(-6);
  const pool = rest.slice(0, -12);
  // Each writer's own pages are touched by nobody else, so a conflict there would be the engine's fault.
  if (writers > pool.length) throw new Error(`${writers} writers need at least ${writers + 20} pages`);
  const perWriter = Math.min(15, Math.floor(pool.length / writers));
  const own = Array.from({ length: writers }, (_, w) => pool.slice(w * perWriter, (w + 1) * perWriter));
  return { hot, writeSet, editSet, own };
}

// ---------------------------------------------------------------- latency

interface Metric {
  name: string;
  budget?: number;
  samples: number;
  warmup: number;
  /** Issues request number `i` (warm-up requests get negative numbers). */
  request: (i: number) => Promise<HttpResponse>;
  /** Checks one answer; throws when it is wrong. */
  check: (res: HttpResponse, i: number) => void;
  note?: string;
}

interface Measured {
  summary: Summary;
  timedOut: boolean;
}

async function measure(b: Bench, m: Metric): Promise<Measured> {
  for (let i = -m.warmup; i < 0; i++) m.check(await m.request(i), i);
  const times: number[] = [];
  const profiler = b.opts.profile ? new PhaseProfiler() : null;
  await profiler?.start();
  b.timer?.reset();
  const started = performance.now();
  let timedOut = false;
  for (let i = 0; i < m.samples; i++) {
    const res = await m.request(i);
    m.check(res, i);
    times.push(res.ms);
    if (performance.now() - started > LOOP_LIMIT_MS) {
      timedOut = true;
      break;
    }
  }
  if (profiler) {
    const summary = await profiler.stop(profilePath(b, m.name));
    b.profiles.push(`${formatProfile(m.name, summary, times.length)}\n${b.timer?.format(times.length) ?? ''}`);
  }
  return { summary: summarize(times), timedOut };
}

const ok =
  (what: string, status = 200) =>
  (res: HttpResponse): void => {
    if (res.status !== status)
      throw new Error(
        `${what}: expected HTTP ${status}, got ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`,
      );
  };

async function latencyPhase(b: Bench): Promise<Row[]> {
  const { client, corpus, api, opts } = b;
  const pages = corpus.pages;
  const n = pages.length;
  const reads = opts.samples;
  const fewer = Math.max(20, Math.round((opts.samples * 2) / 3));
  const { writeSet, editSet } = pageSets(corpus, opts.writers);
  // Strides coprime with the page count visit distinct pages in a scattered order.
  const stride = (i: number, step: number, offset = 0) => pages[(((i * step + offset) % n) + n) % n]!;

  const revisions = new Map<string, string>();
  for (const p of [...writeSet, ...editSet])
    revisions.set(
      p.path,
      expectJson<PageView>(await client.request('GET', pageUrl(api, p.path)), `read ${p.path}`).revision,
    );
  const editCounter = new Map<string, number>();

  const metrics: Metric[] = [
    {
      name: 'healthz (client + loopback)',
      samples: reads,
      warmup: 50,
      request: () => client.request('GET', '/healthz'),
      check: ok('healthz'),
    },
    {
      name: 'page read (markdown)',
      budget: BUDGET.read,
      samples: reads,
      warmup: 30,
      request: (i) => client.request('GET', pageUrl(api, stride(i, 37).path)),
      check: (res, i) => {
        ok('read')(res);
        const view = JSON.parse(res.body.toString('utf8')) as PageView;
        if (view.path !== stride(i, 37).path || view.content.length < 1000)
          throw new Error(`read returned ${view.path}`);
      },
    },
    {
      name: 'page read (html, first render)',
      budget: BUDGET.read,
      samples: Math.min(reads, n - 20),
      warmup: 20,
      note: 'each page rendered once',
      request: (i) => client.request('GET', pageUrl(api, stride(i, 53, 11).path, '?format=html')),
      check: (res) => {
        ok('read html')(res);
        if (!res.body.includes('<h2')) throw new Error('html read has no <h2>');
      },
    },
    {
      name: 'page read (html, cached)',
      budget: BUDGET.read,
      samples: reads,
      warmup: 20,
      note: '20 pages, render cache warm',
      request: (i) => client.request('GET', pageUrl(api, stride(((i % 20) + 20) % 20, 53, 11).path, '?format=html')),
      check: ok('read html'),
    },
    {
      name: 'page write (PUT, current revision)',
      budget: BUDGET.write,
      samples: fewer,
      warmup: 10,
      request: (i) => {
        const p = writeSet[(i + 1000) % writeSet.length]!;
        return client.request('PUT', pageUrl(api, p.path), {
          content: `${p.content}\nBenchmark write ${i}.\n`,
          revision: revisions.get(p.path),
          commit_message: `bench write ${i}`,
        });
      },
      check: (res, i) => {
        ok('write')(res);
        const w = JSON.parse(res.body.toString('utf8')) as WriteAnswer;
        if (!w.changed || w.merged) throw new Error(`write ${i} was not a plain commit: ${res.body.toString('utf8')}`);
        revisions.set(w.path, w.revision);
      },
    },
    {
      name: 'edit (PATCH old_string/new_string)',
      budget: BUDGET.write,
      samples: fewer,
      warmup: 10,
      request: (i) => {
        const p = editSet[(i + 1000) % editSet.length]!;
        const c = editCounter.get(p.path) ?? 0;
        const stem = p.uniqueLine.slice(0, -1);
        return client.request('PATCH', pageUrl(api, p.path), {
          revision: revisions.get(p.path),
          old_string: `${stem}${c}\n`,
          new_string: `${stem}${c + 1}\n`,
        });
      },
      check: (res) => {
        ok('edit')(res);
        const w = JSON.parse(res.body.toString('utf8')) as WriteAnswer;
        if (!w.changed) throw new Error('edit changed nothing');
        revisions.set(w.path, w.revision);
        editCounter.set(w.path, (editCounter.get(w.path) ?? 0) + 1);
      },
    },
    {
      name: `search rare word (1 hit)`,
      budget: BUDGET.search,
      samples: reads,
      warmup: 20,
      request: () => client.request('GET', `${api}/search?q=${corpus.rareWord}`),
      check: (res) => {
        const r = expectJson<{ results: Array<{ path: string }> }>(res, 'search rare');
        if (r.results.length !== 1 || r.results[0]!.path !== corpus.rarePage)
          throw new Error(`rare search found ${JSON.stringify(r.results.map((x) => x.path))}`);
      },
    },
    {
      name: `search common word (${corpus.commonWordPages} hits)`,
      budget: BUDGET.search,
      samples: reads,
      warmup: 20,
      note: `"${corpus.commonWord}", top 20`,
      request: () => client.request('GET', `${api}/search?q=${corpus.commonWord}`),
      check: (res) => {
        const r = expectJson<{ results: unknown[] }>(res, 'search common');
        if (r.results.length !== 20) throw new Error(`common search returned ${r.results.length} results`);
      },
    },
    {
      name: 'history',
      budget: BUDGET.listing,
      samples: reads,
      warmup: 20,
      request: (i) => client.request('GET', pageUrl(api, stride(i, 41, 7).path, '/history')),
      check: (res) => {
        const r = expectJson<{ entries: unknown[] }>(res, 'history');
        if (r.entries.length < 1) throw new Error('history is empty');
      },
    },
    {
      name: 'blame',
      budget: BUDGET.listing,
      samples: fewer,
      warmup: 10,
      request: (i) => client.request('GET', pageUrl(api, stride(i, 43, 3).path, '/blame')),
      check: (res) => {
        const r = expectJson<{ lines: unknown[] }>(res, 'blame');
        if (r.lines.length < 20) throw new Error(`blame has ${r.lines.length} lines`);
      },
    },
    {
      name: 'recent changes (50)',
      budget: BUDGET.listing,
      samples: reads,
      warmup: 20,
      request: () => client.request('GET', `${api}/changes`),
      check: (res) => {
        const r = expectJson<{ changes: unknown[] }>(res, 'changes');
        if (r.changes.length !== 50) throw new Error(`changes returned ${r.changes.length}`);
      },
    },
    {
      name: `list pages (all ${n + 3})`,
      budget: BUDGET.listing,
      samples: fewer,
      warmup: 10,
      request: () => client.request('GET', `${api}/pages`),
      check: (res) => {
        const r = expectJson<{ pages: unknown[] }>(res, 'list');
        if (r.pages.length !== n + 3) throw new Error(`list returned ${r.pages.length} pages`);
      },
    },
  ];

  const rows: Row[] = [];
  for (const m of metrics) {
    const { summary, timedOut } = await measure(b, m);
    const note = [m.note, timedOut ? `stopped after ${LOOP_LIMIT_MS / 1000} s` : undefined].filter(Boolean).join('; ');
    rows.push({
      metric: m.name,
      median: summary.median,
      p95: summary.p95,
      unit: 'ms',
      budget: m.budget,
      samples: summary.samples,
      note: note || undefined,
    });
    say(`  ${m.name}: median ${summary.median.toFixed(2)} ms, p95 ${summary.p95.toFixed(2)} ms`);
  }
  return rows;
}

// ---------------------------------------------------------------- concurrency

interface Ack {
  path: string;
  commit: string;
  marker: string;
  kind: 'own' | 'shared';
  /** For shared pages: the entry (line) the write changed. */
  line: number;
}

export interface ConcurrencyResult {
  writers: number;
  writesPerWriter: number;
  attempted: number;
  succeeded: number;
  merged: number;
  trueConflicts: number;
  /** 409s on a shared entry no acknowledged write changed: refusals without a real overlap. */
  conflictsWithoutOverlap: number;
  /** 409 on a page only its writer touches, with its current revision: the engine refused a write it should take. */
  unexpectedConflicts: number;
  failures: number;
  failureSamples: string[];
  seconds: number;
  commitsPerSecond: number;
  writeMedianMs: number;
  writeP95Ms: number;
  acknowledged: number;
  missingFromLog: number;
  contentMismatches: number;
  lostSharedEdits: number;
  indexMismatches: number;
}

export const HOT_LINES = 100;

/** A shared page made of HOT_LINES entries separated by blank lines, so that edits of different entries merge. */
export function hotContent(page: CorpusPage): string {
  const rng = prng(`hot:${page.path}`);
  const entries = Array.from(
    { length: HOT_LINES },
    (_, n) => `- Entry ${n}: initial observation ${Math.floor(rng() * 1e6)}`,
  );
  return [
    '---',
    `title: ${page.title}`,
    `category: ${page.category}`,
    '---',
    '',
    '## Log',
    '',
    entries.join('\n\n'),
    '',
  ].join('\n');
}

async function concurrencyPhase(b: Bench): Promise<ConcurrencyResult> {
  const { client, corpus, api, opts, server } = b;
  const { hot, own } = pageSets(corpus, opts.writers);

  // Shared pages: rewritten as logs, then read once by every writer; that revision goes stale at the first write.
  for (const p of hot) {
    const view = expectJson<PageView>(await client.request('GET', pageUrl(api, p.path)), 'read hot');
    expectJson(
      await client.request('PUT', pageUrl(api, p.path), { content: hotContent(p), revision: view.revision }),
      'prepare hot',
    );
  }
  const stale = await Promise.all(
    Array.from({ length: opts.writers }, async () => {
      const views = new Map<string, PageView>();
      for (const p of hot)
        views.set(p.path, expectJson<PageView>(await client.request('GET', pageUrl(api, p.path)), 'read hot'));
      return views;
    }),
  );
  const list = expectJson<{ pages: Array<{ path: string; revision: string }> }>(
    await client.request('GET', `${api}/pages?limit=10000`),
    'list',
  );
  const current = new Map(list.pages.map((p) => [p.path, p.revision]));

  const acks: Ack[] = [];
  const failureSamples: string[] = [];
  let failures = 0;
  let trueConflicts = 0;
  let unexpectedConflicts = 0;
  let merged = 0;
  const refused: Array<{ path: string; line: number }> = [];
  const latencies: number[] = [];
  const fail = (what: string, res: HttpResponse | Error) => {
    failures++;
    const text = res instanceof Error ? res.message : `HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`;
    if (failureSamples.length < 5) failureSamples.push(`${what}: ${text}`);
  };

  const writer = async (w: number): Promise<void> => {
    const mine = own[w]!;
    const rev = new Map(mine.map((p) => [p.path, current.get(p.path)!]));
    const rng = prng(`writer:${w}`);
    const views = stale[w]!;
    for (let k = 0; k < opts.writes; k++) {
      const j = k >> 1;
      const marker = `bench-w${w}-k${k}-${Math.floor(rng() * 1e9).toString(36)}`;
      if (k % 2 === 0) {
        const p = mine[j % mine.length]!;
        const body = {
          content: `${p.content}\nConcurrent write ${j} by writer ${w}: ${marker}.\n`,
          revision: rev.get(p.path),
          commit_message: `writer ${w} own ${j}`,
        };
        let res: HttpResponse;
        try {
          res = await client.request('PUT', pageUrl(api, p.path), body);
        } catch (err) {
          fail(`own page ${p.path}`, err as Error);
          continue;
        }
        latencies.push(res.ms);
        if (res.status === 200) {
          const a = JSON.parse(res.body.toString('utf8')) as WriteAnswer;
          rev.set(p.path, a.revision);
          if (a.commit) acks.push({ path: p.path, commit: a.commit.oid, marker, kind: 'own', line: -1 });
          else fail(`own page ${p.path}`, new Error('answered 200 without a commit'));
        } else if (res.status === 409) {
          unexpectedConflicts++;
          fail(`own page ${p.path} (unexpected conflict)`, res);
        } else fail(`own page ${p.path}`, res);
      } else {
        const p = hot[(w + j) % hot.length]!;
        const view = views.get(p.path)!;
        const line = Math.floor(rng() * HOT_LINES);
        const content = view.content.replace(
          new RegExp(`^- Entry ${line}: .*$`, 'm'),
          `- Entry ${line}: writer ${w} says ${marker}`,
        );
        let res: HttpResponse;
        try {
          res = await client.request('PUT', pageUrl(api, p.path), {
            content,
            revision: view.revision,
            commit_message: `writer ${w} shared ${j}`,
          });
        } catch (err) {
          fail(`shared page ${p.path}`, err as Error);
          continue;
        }
        latencies.push(res.ms);
        if (res.status === 200) {
          const a = JSON.parse(res.body.toString('utf8')) as WriteAnswer;
          if (a.merged) merged++;
          if (a.commit) acks.push({ path: p.path, commit: a.commit.oid, marker, kind: 'shared', line });
          else fail(`shared page ${p.path}`, new Error('answered 200 without a commit'));
        } else if (res.status === 409) {
          const e = JSON.parse(res.body.toString('utf8')) as ErrorAnswer;
          if (e.error === 'REVISION_CONFLICT' && typeof e.current_revision === 'string') {
            trueConflicts++;
            refused.push({ path: p.path, line });
          } else fail(`shared page ${p.path} (409 without current_revision)`, res);
        } else fail(`shared page ${p.path}`, res);
      }
    }
  };

  say(`  ${opts.writers} writers × ${opts.writes} writes…`);
  const profiler = opts.profile ? new PhaseProfiler() : null;
  await profiler?.start();
  b.timer?.reset();
  const started = performance.now();
  // Bounded by count; a hung request fails after the client's 30 s timeout.
  await Promise.all(Array.from({ length: opts.writers }, (_, w) => writer(w)));
  const seconds = (performance.now() - started) / 1000;
  if (profiler) {
    const summary = await profiler.stop(profilePath(b, 'concurrent writes'));
    const n = opts.writers * opts.writes;
    b.profiles.push(`${formatProfile('concurrent writes', summary, n)}\n${b.timer?.format(n) ?? ''}`);
  }

  // Every acknowledged commit must be in main's history and hold what its writer sent.
  const repoDir = join(server.dataDir, 'repos', b.ref.owner, `${b.ref.slug}.git`);
  const {
    missingFromLog,
    contentMismatches,
    lostEdits: lostSharedEdits,
    finals,
    finalText,
  } = await verifyAcknowledged(repoDir, acks);
  // A conflict is true when someone's acknowledged write changed the same entry (the writer's own earlier write
  // counts: it too is a change the stale base has not seen).
  const changed = new Set(acks.filter((a) => a.kind === 'shared').map((a) => `${a.path}#${a.line}`));
  const conflictsWithoutOverlap = refused.filter((r) => !changed.has(`${r.path}#${r.line}`)).length;
  // The index must serve what git holds.
  let indexMismatches = 0;
  for (const p of finals) {
    const view = expectJson<PageView>(await client.request('GET', pageUrl(api, p)), 'read after');
    if (view.content !== finalText.get(p)) indexMismatches++;
  }

  const lat = summarize(latencies);
  return {
    writers: opts.writers,
    writesPerWriter: opts.writes,
    attempted: opts.writers * opts.writes,
    succeeded: acks.length,
    merged,
    trueConflicts,
    conflictsWithoutOverlap,
    unexpectedConflicts,
    failures,
    failureSamples,
    seconds: round(seconds, 2),
    commitsPerSecond: round(acks.length / seconds, 1),
    writeMedianMs: round(lat.median),
    writeP95Ms: round(lat.p95),
    acknowledged: acks.length,
    missingFromLog,
    contentMismatches,
    lostSharedEdits,
    indexMismatches,
  };
}

// ---------------------------------------------------------------- 10k / 500 ratio

export interface RatioResult {
  bigPages: number;
  smallPages: number;
  buildSeconds: number;
  commits: number;
  indexSeconds: number;
  smallMedianMs: number;
  bigMedianMs: number;
  bigP95Ms: number;
  ratio: number;
}

async function ratioPhase(b: Bench): Promise<RatioResult> {
  const { server, tenant, client, corpus, opts, api } = b;
  const bigCount = opts.big - 3; // with the three bootstrap pages, exactly --big pages
  say(`  generating and committing ${bigCount} pages…`);
  const t0 = performance.now();
  const big = generateCorpus({ pages: bigCount });
  const bigRef = await createWiki(server.services, tenant, 'engine-big');
  const { commits, indexMs } = await fillBatched(server.services, tenant, bigRef, big.pages, 250);
  const buildSeconds = (performance.now() - t0) / 1000;
  const bigApi = `/api/v1/wikis/${bigRef.owner}/${bigRef.slug}`;
  // The same paths in both wikis: the first pages of the corpus are the same in both sizes.
  const n = Math.min(corpus.pages.length, big.pages.length);
  const pathAt = (i: number) => corpus.pages[(i * 37) % n]!.path;
  for (let i = 0; i < 30; i++) {
    expectJson(await client.request('GET', pageUrl(api, pathAt(i))), 'warm small');
    expectJson(await client.request('GET', pageUrl(bigApi, pathAt(i))), 'warm big');
  }
  const small: number[] = [];
  const large: number[] = [];
  const block = 50;
  const started = performance.now();
  // Interleaved blocks, so drift (GC, other load) hits both wikis alike.
  for (let i = 0; i < opts.samples && performance.now() - started < LOOP_LIMIT_MS; i += block) {
    for (let k = i; k < i + block; k++) small.push(okMs(await client.request('GET', pageUrl(api, pathAt(k)))));
    for (let k = i; k < i + block; k++) large.push(okMs(await client.request('GET', pageUrl(bigApi, pathAt(k)))));
  }
  const s = median(small);
  const l = summarize(large);
  return {
    bigPages: bigCount + 3,
    smallPages: corpus.pages.length + 3,
    buildSeconds: round(buildSeconds, 1),
    commits: commits + 1,
    indexSeconds: round(indexMs / 1000, 1),
    smallMedianMs: round(s),
    bigMedianMs: round(l.median),
    bigP95Ms: round(l.p95),
    ratio: round(l.median / s, 2),
  };
}

function okMs(res: HttpResponse): number {
  if (res.status !== 200) throw new Error(`read: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
  return res.ms;
}

// ---------------------------------------------------------------- cold start

export interface ColdStartResult {
  runs: number[];
  medianMs: number;
  /** Until the server logged that it listens (imports, stores opened, socket bound), median. */
  listeningMs: number | null;
  /** The first request's own duration (index opened, git processes started), median. */
  firstRequestMs: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** One GET without keep-alive; status 0 when nothing listens yet. */
function probe(port: number, path: string, token: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.get(
      { host: '127.0.0.1', port, path, agent: false, headers: { authorization: `Bearer ${token}` }, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
  });
}

/**
 * Starts `wikibot serve` on the data directory `runs` times and times each until the first page read answers.
 * With `profileDir`, one more start (not counted) runs under `--cpu-prof` and leaves its profile there.
 */
async function coldStartPhase(
  dataDir: string,
  token: string,
  api: string,
  runs: number,
  profileDir: string | null,
): Promise<ColdStartResult> {
  const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
  const times: number[] = [];
  const firsts: number[] = [];
  const listening: number[] = [];
  const total = runs + (profileDir === null ? 0 : 1);
  for (let r = 0; r < total; r++) {
    const profiled = r === runs;
    const port = await freePort();
    const started = performance.now();
    const flags = profiled
      ? ['--cpu-prof', '--cpu-prof-dir', profileDir!, '--cpu-prof-name', 'engine-cold-start.cpuprofile']
      : [];
    const child = spawn(process.execPath, [...flags, cli, 'serve', '--port', String(port), '--data', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WIKIBOT_LOG_LEVEL: 'info' },
    });
    let output = '';
    let listenedAt: number | null = null;
    child.stdout.on('data', (c: Buffer) => {
      output = (output + c.toString('utf8')).slice(-2000);
      if (listenedAt === null && output.includes('serving on')) listenedAt = performance.now() - started;
    });
    child.stderr.on('data', (c: Buffer) => (output = (output + c.toString('utf8')).slice(-2000)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      for (;;) {
        const res = await probe(port, `${api}/pages/Home`, token);
        if (res.status === 200) {
          if (!profiled) {
            times.push(performance.now() - started);
            firsts.push(res.ms);
            if (listenedAt !== null) listening.push(listenedAt);
          }
          break;
        }
        if (res.status !== 0) throw new Error(`cold start: first read answered HTTP ${res.status}\n${output}`);
        if (child.exitCode !== null) throw new Error(`cold start: server exited with ${child.exitCode}\n${output}`);
        if (performance.now() - started > 20_000) throw new Error(`cold start: no answer within 20 s\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    } finally {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
  }
  return {
    runs: times.map((t) => round(t, 1)),
    medianMs: round(median(times), 1),
    listeningMs: listening.length === times.length ? round(median(listening), 1) : null,
    firstRequestMs: round(median(firsts), 2),
  };
}

// ---------------------------------------------------------------- main

export async function run(args: string[]): Promise<number> {
  let opts: Options | null;
  try {
    opts = parseOptions(args);
  } catch (err) {
    say(`engine: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (!opts) {
    console.log(HELP);
    return 0;
  }
  const out = opts.json ? say : (s: string) => console.log(s);
  const wallStart = performance.now();
  const loadBefore = loadavg()[0]!;
  const dataDir = makeDataDir(opts.dataRoot ?? undefined);
  let server: BenchServer | null = null;
  let client: HttpClient | null = null;
  // Ctrl-C should not leave a data directory of thousands of pages behind.
  const interrupted = () => {
    removeDataDir(dataDir);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    const createMs = probeFileCreation(dataDir);
    say(`engine benchmark: data in ${dataDir} (creating a file there takes ${createMs.toFixed(3)} ms)`);
    server = await startServer(dataDir);
    const tenant = await createTenant(server.services, 'bench');
    const ref = await createWiki(server.services, tenant, 'engine');
    const corpus = generateCorpus({ pages: opts.pages });
    const avgWords = Math.round(corpus.pages.reduce((s, p) => s + p.words, 0) / corpus.pages.length);
    say(
      `building ${opts.pages} pages (~${avgWords} words each, ${corpus.folders.length} folders, ${corpus.vocabularySize} distinct words), one commit a page…`,
    );
    const buildStart = performance.now();
    await fillOneCommitPerPage(server.services, tenant, ref, corpus.pages);
    const buildSeconds = (performance.now() - buildStart) / 1000;
    say(
      `  built in ${buildSeconds.toFixed(1)} s (${(opts.pages / buildSeconds).toFixed(0)} commits/s through the write use case)`,
    );

    client = new HttpClient(server.baseUrl, { token: tenant.token, maxSockets: Math.max(64, opts.writers * 2) });
    const b: Bench = {
      opts,
      server,
      tenant,
      client,
      corpus,
      ref,
      api: `/api/v1/wikis/${ref.owner}/${ref.slug}`,
      profiles: [],
      timer: null,
    };
    if (opts.profile) {
      const timer = new CallTimer();
      const s = server.services;
      s.repos = timer.wrap(s.repos, 'repos', { open: 'repo' });
      s.indexes = timer.wrap(s.indexes, 'indexes', { open: 'index' });
      s.meta = timer.wrap(s.meta, 'meta');
      b.timer = timer;
    }
    if (opts.profileOut !== null) mkdirSync(opts.profileOut, { recursive: true });

    say('latency over REST (keep-alive node:http client, in-process server)…');
    const rows = await latencyPhase(b);

    say('concurrent writers…');
    const conc = await concurrencyPhase(b);
    rows.push({
      metric: 'concurrent writes: commits/s',
      median: conc.commitsPerSecond,
      unit: '1/s',
      budget: BUDGET.commitsPerSecond,
      higherIsBetter: true,
      samples: conc.succeeded,
    });
    rows.push({
      metric: 'concurrent writes: latency',
      median: conc.writeMedianMs,
      p95: conc.writeP95Ms,
      unit: 'ms',
      samples: conc.attempted,
      note: `${opts.writers} in flight`,
    });

    let ratio: RatioResult | null = null;
    if (opts.big > 0) {
      say(`${opts.big}-page wiki for the read ratio…`);
      ratio = await ratioPhase(b);
      rows.push({
        metric: `page read, ${ratio.bigPages} pages`,
        median: ratio.bigMedianMs,
        p95: ratio.bigP95Ms,
        unit: 'ms',
        budget: BUDGET.read,
      });
      rows.push({
        metric: `read ratio ${ratio.bigPages}/${ratio.smallPages} pages`,
        median: ratio.ratio,
        unit: '×',
        budget: BUDGET.ratio,
      });
    }

    client.close();
    client = null;
    await server.close();
    server = null;

    let cold: ColdStartResult | null = null;
    if (opts.cold > 0) {
      say(`cold start ×${opts.cold}…`);
      cold = await coldStartPhase(dataDir, tenant.token, b.api, opts.cold, opts.profileOut);
      const note = `${cold.listeningMs === null ? '' : `listening at ${cold.listeningMs} ms; `}first request itself ${cold.firstRequestMs} ms`;
      rows.push({
        metric: 'cold start to first page read',
        median: cold.medianMs,
        unit: 'ms',
        budget: BUDGET.coldStartMs,
        samples: cold.runs.length,
        note,
      });
    }

    const integrity =
      conc.failures === 0 &&
      conc.missingFromLog === 0 &&
      conc.contentMismatches === 0 &&
      conc.lostSharedEdits === 0 &&
      conc.indexMismatches === 0;
    const allPass = integrity && rows.every((r) => passes(r) !== false);

    out('');
    out(
      `Wikibot engine benchmark — ${opts.pages}-page wiki (+3 bootstrap pages, ${opts.pages + 1} commits), REST on 127.0.0.1`,
    );
    out(formatTable(rows));
    out('');
    out(
      `concurrency: ${conc.writers} writers × ${conc.writesPerWriter} writes = ${conc.attempted}: ${conc.succeeded} committed (${conc.merged} of them 3-way merged), ` +
        `${conc.trueConflicts} true conflicts (409 with current revision; ${conc.conflictsWithoutOverlap} without an overlapping change), ${conc.failures} failures ` +
        `[${conc.failures === 0 ? 'pass' : 'FAIL'}], ${conc.commitsPerSecond} commits/s over ${conc.seconds} s`,
    );
    for (const f of conc.failureSamples) out(`  failure: ${f}`);
    out(
      `verification: ${conc.acknowledged} acknowledged writes, ${conc.missingFromLog} missing from git log, ${conc.contentMismatches} commits without their content, ` +
        `${conc.lostSharedEdits} edits lost at head, ${conc.indexMismatches} pages where the API disagrees with git [${integrity ? 'pass' : 'FAIL'}]`,
    );
    if (ratio) {
      out(
        `ratio: page read ${ratio.bigMedianMs} ms on ${ratio.bigPages} pages / ${ratio.smallMedianMs} ms on ${ratio.smallPages} pages = ${ratio.ratio} ` +
          `[${ratio.ratio <= BUDGET.ratio ? 'pass' : 'FAIL'}]; the big wiki was built with ${ratio.commits} commits of 250 pages ` +
          `(not one commit a page) in ${ratio.buildSeconds} s, of which ${ratio.indexSeconds} s index catch-up`,
      );
    }
    if (cold)
      out(`cold start: ${cold.runs.join(', ')} ms (node dist/src/cli.js serve → first GET pages/Home answered 200)`);
    const loadAfter = loadavg()[0]!;
    const cores = cpus().length;
    // Only the load before the run says something about other processes: the benchmark itself keeps a core busy.
    const busy = loadBefore > cores * 0.5;
    out(
      `machine: ${cores} cores, load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after${busy ? ' (the CPUs were already busy before the run: figures may be pessimistic)' : ''}`,
    );
    const slowDisk = createMs > 0.2;
    out(
      `disk: creating a file in ${dataDir} takes ${createMs.toFixed(3)} ms (median)` +
        (slowDisk
          ? '; slow: commits fill files made ahead of time for their ~4 loose objects, but each still replaces the ref file, and the write figures include that (see --data-root)'
          : ''),
    );
    out(
      `wiki build: ${opts.pages} commits in ${buildSeconds.toFixed(1)} s; whole benchmark ${((performance.now() - wallStart) / 1000).toFixed(0)} s; ${allPass ? 'all budgets met' : 'SOME BUDGETS MISSED'}`,
    );
    for (const p of b.profiles) say(`\n${p}`);
    if (opts.json) {
      console.log(
        JSON.stringify(
          {
            benchmark: 'engine',
            date: new Date().toISOString(),
            node: process.version,
            cores: cpus().length,
            dataDir,
            fileCreateMs: round(createMs),
            loadAverage: { before: round(loadBefore, 2), after: round(loadAfter, 2) },
            pages: opts.pages,
            buildSeconds: round(buildSeconds, 2),
            metrics: rows.map((r) => ({ ...r, pass: passes(r) })),
            concurrency: conc,
            ratio,
            coldStart: cold,
            pass: allPass,
          },
          null,
          2,
        ),
      );
    }
    return allPass ? 0 : 1;
  } finally {
    client?.close();
    await server?.close();
    removeDataDir(dataDir);
    process.off('SIGINT', interrupted);
  }
}
