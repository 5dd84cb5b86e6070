/**
 * `npm run bench -- git`: the git remote measured with the real git client on loopback.
 *
 * 1. Builds the engine benchmark's wiki (500 corpus pages, one commit a page, 501 commits) and starts the server.
 * 2. Serves the same repositories with `git http-backend` behind a tiny node:http CGI bridge, in this same process,
 *    and times clone and fetch through both, alternating, as a ratio ours / http-backend (budget ≤ 1.1).
 * 3. Pushes 100 commits touching 300 pages; the push returns once the index has caught up, so its time is the time
 *    until the pages are searchable; checks the index head right after.
 * 4. 8 concurrent clones through our server (and through http-backend for reference).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cliActor } from '../src/auth/actor.js';
import * as uc from '../src/usecases/index.js';
import { gitClient, remoteUrl, type GitClient } from '../test/git-http-support.js';
import { generateCorpus } from './corpus.js';
import { createTenant, createWiki, fillOneCommitPerPage, makeDataDir, removeDataDir, startServer, type BenchServer } from './fixture.js';
import { formatTable, summarize, wholeNumber, type Row } from './report.js';

const HELP = `Usage: npm run bench -- git [options]

  --pages <n>     corpus pages of the wiki (default 500)
  --samples <n>   clones and fetches timed per server (default 7)
  --clones <n>    concurrent clones (default 8)
  --json          print the figures as JSON on stdout (the table then goes to stderr)`;

const BUDGET = { ratio: 1.1 };

interface Options {
  pages: number;
  samples: number;
  clones: number;
  json: boolean;
}

function parseOptions(args: string[]): Options | null {
  const { values } = parseArgs({
    args,
    options: {
      pages: { type: 'string', default: '500' },
      samples: { type: 'string', default: '7' },
      clones: { type: 'string', default: '8' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const int = (name: string, v: string) => wholeNumber(name, v, 1, 1, 100_000);
  return { pages: int('pages', values.pages), samples: int('samples', values.samples), clones: int('clones', values.clones), json: values.json };
}

const say = (s: string) => console.error(s);
const round = (n: number, d = 1) => Number(n.toFixed(d));

/**
 * `git http-backend` as a CGI program behind node:http: the reference smart-HTTP server, given the same repositories
 * and the same upload-pack settings as ours (partial clones allowed).
 */
function startHttpBackend(projectRoot: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'uploadpack.allowFilter',
      GIT_CONFIG_VALUE_0: 'true',
      GIT_CONFIG_KEY_1: 'uploadpack.allowReachableSHA1InWant',
      GIT_CONFIG_VALUE_1: 'true',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_USER: 'bench',
    };
    if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['content-encoding'] !== undefined) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
    if (typeof req.headers['git-protocol'] === 'string') env.HTTP_GIT_PROTOCOL = req.headers['git-protocol'];
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    req.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    child.on('close', () => res.end());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function run(args: string[]): Promise<number> {
  const opts = parseOptions(args);
  if (!opts) {
    console.log(HELP);
    return 0;
  }
  const out = opts.json ? say : (s: string) => console.log(s);
  const loadBefore = loadavg()[0]!;
  const dataDir = makeDataDir();
  let server: BenchServer | null = null;
  let backend: { url: string; close(): Promise<void> } | null = null;
  let client: GitClient | null = null;
  try {
    say(`git benchmark: data in ${dataDir}`);
    server = await startServer(dataDir);
    const s = server.services;
    const tenant = await createTenant(s, 'bench');
    const ref = await createWiki(s, tenant, 'engine');
    const corpus = generateCorpus({ pages: opts.pages });
    say(`building ${opts.pages} pages, one commit a page…`);
    await fillOneCommitPerPage(s, tenant, ref, corpus.pages);
    const repo = s.repos.open(ref.owner, ref.slug);
    backend = await startHttpBackend(join(dataDir, 'repos'));
    client = gitClient();
    const c = client;
    const ours = remoteUrl(server.baseUrl, ref.owner, ref.slug, tenant.token);
    const theirs = `${backend.url}/${ref.owner}/${ref.slug}.git`;
    let n = 0;
    const clone = (url: string) => c.ok(['clone', '-q', '--no-checkout', url, join(c.dir, `clone-${n++}`)]);

    say('clone: ours vs git http-backend, alternating…');
    await clone(ours);
    await clone(theirs);
    const cloneOurs: number[] = [];
    const cloneTheirs: number[] = [];
    for (let i = 0; i < opts.samples; i++) {
      cloneOurs.push(await timed(() => clone(ours)));
      cloneTheirs.push(await timed(() => clone(theirs)));
    }

    say('fetch of 5 new commits: ours vs git http-backend…');
    const a = join(c.dir, 'fetch-ours');
    const b = join(c.dir, 'fetch-theirs');
    await c.ok(['clone', '-q', '--no-checkout', ours, a]);
    await c.ok(['clone', '-q', '--no-checkout', theirs, b]);
    const fetchOurs: number[] = [];
    const fetchTheirs: number[] = [];
    const actor = cliActor(tenant.user);
    for (let i = 0; i < opts.samples; i++) {
      for (let k = 0; k < 5; k++) {
        const page = corpus.pages[(i * 5 + k) % corpus.pages.length]!;
        await uc.writePage(s, actor, { ...ref, path: `Fetch/Page_${i}_${k}`, content: page.content });
      }
      // Alternate which goes first, so neither always meets a cold cache.
      const first = i % 2 === 0;
      const fo = () => c.ok(['fetch', '-q', 'origin'], { cwd: a });
      const ft = () => c.ok(['fetch', '-q', 'origin'], { cwd: b });
      if (first) {
        fetchOurs.push(await timed(fo));
        fetchTheirs.push(await timed(ft));
      } else {
        fetchTheirs.push(await timed(ft));
        fetchOurs.push(await timed(fo));
      }
    }

    say('push of 100 commits touching 300 pages…');
    const work = join(c.dir, 'push-work');
    await c.ok(['clone', '-q', ours, work]);
    const files = (await c.ok(['ls-files', '*.md'], { cwd: work })).split('\n').filter((f) => !f.startsWith('Meta/') && f !== 'Home.md' && !f.startsWith('Fetch/'));
    for (let i = 0; i < 100; i++) {
      for (let k = 0; k < 3; k++) {
        const file = files[(i * 3 + k) % files.length]!;
        writeFileSync(join(work, file), `# Pushed ${i}.${k}\n\nRewritten by push ${i}: vexillomorph${i}x${k}.\n`);
      }
      await c.ok(['commit', '-q', '-am', `push commit ${i}`], { cwd: work });
    }
    const pushHead = await c.ok(['rev-parse', 'HEAD'], { cwd: work });
    const pushMs = await timed(() => c.ok(['push', '-q', 'origin', 'main'], { cwd: work }));
    const index = s.indexes.open(ref.owner, ref.slug);
    const indexedAtReturn = index.indexedCommit() === pushHead && repo.head() === pushHead;
    const search = await uc.searchWiki(s, actor, { ...ref, query: 'vexillomorph99x2' });
    // The last commit's last page: found by the word only that commit wrote.
    const searchable = search.some((hit) => `${hit.path}.md` === files[(99 * 3 + 2) % files.length]);

    say(`${opts.clones} concurrent clones…`);
    const concurrent = async (url: string) => {
      const started = performance.now();
      const each = await Promise.all(Array.from({ length: opts.clones }, () => timed(() => clone(url))));
      return { wall: performance.now() - started, each: summarize(each) };
    };
    const concOurs = await concurrent(ours);
    const concTheirs = await concurrent(theirs);

    const co = summarize(cloneOurs);
    const ct = summarize(cloneTheirs);
    const fo = summarize(fetchOurs);
    const ft = summarize(fetchTheirs);
    const rows: Row[] = [
      { metric: 'clone, ours', median: round(co.median), p95: round(co.p95), unit: 'ms', samples: cloneOurs.length },
      { metric: 'clone, git http-backend', median: round(ct.median), p95: round(ct.p95), unit: 'ms', samples: cloneTheirs.length },
      { metric: 'clone ratio ours / http-backend', median: round(co.median / ct.median, 2), unit: '×', budget: BUDGET.ratio },
      { metric: 'fetch 5 commits, ours', median: round(fo.median), p95: round(fo.p95), unit: 'ms', samples: fetchOurs.length },
      { metric: 'fetch 5 commits, git http-backend', median: round(ft.median), p95: round(ft.p95), unit: 'ms', samples: fetchTheirs.length },
      { metric: 'fetch ratio ours / http-backend', median: round(fo.median / ft.median, 2), unit: '×', budget: BUDGET.ratio },
      {
        metric: 'push 100 commits / 300 pages',
        median: round(pushMs),
        unit: 'ms',
        samples: 1,
        note: `returns once indexed: ${indexedAtReturn ? 'index at the pushed head' : 'INDEX BEHIND'}${searchable ? ', searchable' : ', NOT SEARCHABLE'}`,
      },
      { metric: `${opts.clones} concurrent clones, ours (wall)`, median: round(concOurs.wall), unit: 'ms', note: `each: median ${round(concOurs.each.median)} ms, p95 ${round(concOurs.each.p95)} ms` },
      { metric: `${opts.clones} concurrent clones, http-backend (wall)`, median: round(concTheirs.wall), unit: 'ms', note: `each: median ${round(concTheirs.each.median)} ms` },
    ];
    const allPass = rows.every((r) => r.budget === undefined || r.median <= r.budget) && indexedAtReturn && searchable;
    out('');
    out(`Wikibot git remote benchmark — ${opts.pages}-page wiki (${opts.pages + 1} commits before the fetches), ${await c.ok(['version'])}, 127.0.0.1`);
    out(formatTable(rows));
    out(`machine: ${cpus().length} cores, load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after; ${allPass ? 'all budgets met' : 'SOME BUDGETS MISSED'}`);
    if (opts.json) {
      console.log(JSON.stringify({ benchmark: 'git', date: new Date().toISOString(), pages: opts.pages, metrics: rows, indexedAtReturn, searchable, pass: allPass }, null, 2));
    }
    return allPass ? 0 : 1;
  } finally {
    client?.close();
    await backend?.close();
    await server?.close();
    removeDataDir(dataDir);
  }
}
