/**
 * `npm run bench -- web`: the web wiki's server time on the engine benchmark's 500-page wiki, as a signed-in owner
 * sees it (session cookie, sidebar tree, everything a real page carries).
 *
 * 1. Builds the 500-page wiki (one commit a page), edits one page 30 times so history, diff and blame have depth.
 * 2. Medians and p95 of the server time (Fastify's `reply.elapsedTime`, request received → response sent) of: page
 *    view, editor open, history, diff, blame, search results, recent changes, page index.
 * 3. Bytes: HTML of a page view and of the editor; JavaScript each ships, gzip-compressed, and that the editor bundle
 *    is referenced by edit pages only.
 */
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.js';
import { cliActor } from '../src/auth/actor.js';
import { hashPassword } from '../src/auth/passwords.js';
import { loadConfig } from '../src/config.js';
import * as uc from '../src/usecases/index.js';
import { generateCorpus } from './corpus.js';
import { fillOneCommitPerPage, makeDataDir, removeDataDir, type Tenant } from './fixture.js';
import { formatTable, passes, summarize, type Row } from './report.js';

const HELP = `Usage: npm run bench -- web [options]

  --pages <n>     pages of the wiki (default 500)
  --samples <n>   timed requests per view (default 200)
  --json          print the figures as JSON on stdout (the table then goes to stderr)`;

/** Budgets on server-time medians (issue 3), and JavaScript a page view may ship (gzip). */
const BUDGET = { view: 3, editor: 10, trail: 15, search: 10, pageJsKb: 30 };
const PASSWORD = 'bench password 123';

const say = (msg: string): void => void process.stderr.write(`${msg}\n`);

export async function run(args: string[]): Promise<number> {
  let opts: { pages: number; samples: number; json: boolean };
  try {
    const { values } = parseArgs({ args, options: { pages: { type: 'string' }, samples: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      say(HELP);
      return 0;
    }
    const pages = values.pages === undefined ? 500 : Number(values.pages);
    const samples = values.samples === undefined ? 200 : Number(values.samples);
    if (!Number.isInteger(pages) || pages < 20 || pages > 10_000) throw new Error('--pages must be a whole number from 20 to 10000');
    if (!Number.isInteger(samples) || samples < 10 || samples > 100_000) throw new Error('--samples must be a whole number from 10 to 100000');
    opts = { pages, samples, json: values.json ?? false };
  } catch (err) {
    say(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }

  const dataDir = makeDataDir();
  const config = loadConfig({ port: '0', host: '127.0.0.1', data: dataDir }, { WIKIBOT_LOG_LEVEL: 'silent', WIKIBOT_RATE_LIMIT_IP: '0', WIKIBOT_RATE_LIMIT_USER: '0' });
  const services = await uc.openServices(config);
  const app = buildApp({ services, logger: false });
  let serverMs = NaN;
  app.addHook('onResponse', (_req, reply, done) => {
    serverMs = reply.elapsedTime;
    done();
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    say(`building a ${opts.pages}-page wiki…`);
    const user = await services.meta.createUser({ username: 'bench', email: 'bench@bench.invalid', name: 'Bench Writer', passwordHash: await hashPassword(PASSWORD), tier: 'premium' });
    const tenant: Tenant = { user, token: '' };
    await uc.createWiki(services, cliActor(null), { owner: 'bench', slug: 'web', name: 'Bench web' });
    const ref = { owner: 'bench', slug: 'web' };
    const corpus = generateCorpus({ pages: opts.pages });
    await fillOneCommitPerPage(services, tenant, ref, corpus.pages);
    const hot = corpus.pages[3]!;
    const actor = cliActor(user);
    let revision = (await uc.readPage(services, actor, { ...ref, path: hot.path })).revision;
    const firstRevision = revision;
    for (let i = 0; i < 30; i++) {
      const current = (await uc.readPage(services, actor, { ...ref, path: hot.path })).content;
      const lines = current.split('\n');
      const at = 6 + ((i * 7) % Math.max(1, lines.length - 8));
      lines[at] = `${lines[at] ?? ''} (revised ${i})`;
      revision = (await uc.writePage(services, actor, { ...ref, path: hot.path, content: lines.join('\n'), revision, commitMessage: `Revise ${i}` })).revision;
    }

    // Sign in through the form, as a browser does.
    const signin = await fetch(`${base}/-/signin`);
    const csrfCookie = signin.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await signin.text())?.[1] ?? '';
    const signed = await fetch(`${base}/-/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, login: 'bench', password: PASSWORD, next: '/' }).toString(),
    });
    const session = signed.headers.getSetCookie().find((c) => c.startsWith('wb_session='))?.split(';')[0];
    if (!session) throw new Error(`sign-in failed: ${signed.status}`);

    const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');
    const get = async (path: string): Promise<{ ms: number; html: string }> => {
      const res = await fetch(base + path, { headers: { cookie: session } });
      const html = await res.text();
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${html.slice(0, 200)}`);
      return { ms: serverMs, html };
    };
    const views: Array<[string, (i: number) => string, number]> = [
      // Pages people read again (their HTML rendering is cached by blob, as on a live wiki).
      ['page view', (i) => `/bench/web/${enc(corpus.pages[i % 20]!.path)}`, BUDGET.view],
      ['editor open', (i) => `/bench/web/-/edit/${enc(corpus.pages[i % corpus.pages.length]!.path)}`, BUDGET.editor],
      ['history (31 revisions)', () => `/bench/web/-/history/${enc(hot.path)}`, BUDGET.trail],
      ['diff (30 revisions apart)', () => `/bench/web/-/diff/${enc(hot.path)}?from=${firstRevision}&to=${revision}`, BUDGET.trail],
      ['blame (31 revisions)', () => `/bench/web/-/blame/${enc(hot.path)}`, BUDGET.trail],
      ['search results (common word)', () => `/bench/web/-/search?q=${corpus.commonWord}`, BUDGET.search],
      ['search results (rare word)', () => `/bench/web/-/search?q=${corpus.rareWord}`, BUDGET.search],
      ['recent changes', () => '/bench/web/-/changes', BUDGET.trail],
      [`page index (${opts.pages} pages)`, () => '/bench/web/-/index', BUDGET.trail],
    ];
    const rows: Row[] = [];
    // A page nobody has opened since it changed: markdown rendered on the way (no budget; shown for context).
    {
      const times: number[] = [];
      for (let i = 0; i < Math.min(opts.samples, corpus.pages.length - 40); i++) times.push((await get(`/bench/web/${enc(corpus.pages[40 + i]!.path)}`)).ms);
      const s = summarize(times);
      rows.push({ metric: 'page view, first render (server)', median: s.median, p95: s.p95, unit: 'ms', samples: s.samples });
    }
    for (const [metric, url, budget] of views) {
      for (let i = 0; i < 20; i++) await get(url(i));
      const times: number[] = [];
      for (let i = 0; i < opts.samples; i++) times.push((await get(url(i))).ms);
      const s = summarize(times);
      rows.push({ metric: `${metric} (server)`, median: s.median, p95: s.p95, unit: 'ms', budget, samples: s.samples });
    }

    const view = (await get(`/bench/web/${enc(hot.path)}`)).html;
    const editor = (await get(`/bench/web/-/edit/${enc(hot.path)}`)).html;
    const scripts = (html: string) => [...html.matchAll(/<script[^>]* src="([^"]+)"/g)].map((m) => m[1]!);
    const jsBytes = async (html: string) => {
      let raw = 0;
      let gz = 0;
      for (const src of scripts(html)) {
        const body = Buffer.from(await (await fetch(base + src)).arrayBuffer());
        raw += body.length;
        gz += gzipSync(body, { level: 9 }).length;
      }
      return { raw, gz };
    };
    const viewJs = await jsBytes(view);
    const editorJs = await jsBytes(editor);
    const editorOnly = !scripts(view).some((s) => s.includes('editor')) && scripts(editor).some((s) => s.includes('editor'));
    rows.push(
      { metric: 'page view HTML', median: view.length / 1024, unit: 'KB', note: `gzip ${(gzipSync(view).length / 1024).toFixed(1)} KB` },
      { metric: 'page view JavaScript (gzip)', median: viewJs.gz / 1024, unit: 'KB', budget: BUDGET.pageJsKb, note: `${(viewJs.raw / 1024).toFixed(1)} KB raw` },
      { metric: 'editor HTML', median: editor.length / 1024, unit: 'KB', note: `gzip ${(gzipSync(editor).length / 1024).toFixed(1)} KB` },
      { metric: 'editor JavaScript (gzip)', median: editorJs.gz / 1024, unit: 'KB', note: `${(editorJs.raw / 1024).toFixed(1)} KB raw; CodeMirror loads on edit pages only: ${editorOnly ? 'yes' : 'NO'}` },
    );

    const table = formatTable(rows);
    if (opts.json) {
      say(table);
      process.stdout.write(`${JSON.stringify({ rows, editorOnly }, null, 2)}\n`);
    } else {
      process.stdout.write(`\nweb wiki, ${opts.pages} pages, signed-in owner\n${table}\n`);
    }
    return rows.every((r) => passes(r) !== false) && editorOnly ? 0 : 1;
  } finally {
    await app.close();
    await uc.closeServices(services);
    removeDataDir(dataDir);
  }
}
