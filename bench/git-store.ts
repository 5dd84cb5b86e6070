/**
 * `npm run bench -- git-store`: the git storage layer alone (no HTTP, no index) on a 500-page wiki (~500-word pages
 * in a few folders): warm blob and file reads through the pooled `git cat-file`, one-file commits, listing and
 * history. What the end-to-end benchmarks spend in git, measured on its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRepoStore } from '../src/git/git-repo-store.js';
import type { TreeEdit } from '../src/git/repo-store.js';

export interface GitBenchResult {
  blobReadUs: { median: number; p95: number };
  fileReadUs: { median: number; p95: number };
  commitMs: { median: number; p95: number };
  commitsPerSecond: number;
  listFilesMs: number;
  logMs: number;
}

const WORDS = 'research wiki page about actors events trends hypotheses variables and references'.split(' ');

function page(i: number, version = 0): string {
  const words: string[] = [];
  for (let w = 0; w < 500; w++) words.push(WORDS[(i * 7 + w * 3 + version) % WORDS.length]!);
  return `---\ntitle: Page ${i}\n---\n# Page ${i} v${version}\n\n${words.join(' ')}\n`;
}

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: round(at(0.5)), p95: round(at(0.95)) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export async function runGitBench(): Promise<GitBenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'wikibot-git-bench-'));
  const store = new GitRepoStore({ root });
  try {
    const repo = await store.create('bench', 'wiki');
    const author = { name: 'Bench', email: 'bench@example.org' };
    const folders = ['Actors', 'Events', 'Trends', 'Hypotheses', 'References'];
    const paths = Array.from({ length: 500 }, (_, i) => `${folders[i % folders.length]!}/Page_${i}.md`);
    const edits: TreeEdit[] = paths.map((path, i) => ({ path, content: page(i) }));
    let head = (await repo.commit({ parent: null, edits, message: 'seed', author })).oid;

    const blob = (await repo.readFile(head, paths[42]!))!.oid;
    for (let i = 0; i < 200; i++) await repo.readBlob(blob);
    const blobSamples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = now();
      await repo.readBlob(blob);
      blobSamples.push((now() - t) * 1000);
    }
    const fileSamples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = now();
      await repo.readFile(head, paths[i % paths.length]!);
      fileSamples.push((now() - t) * 1000);
    }

    const commitSamples: number[] = [];
    const started = now();
    for (let i = 0; i < 200; i++) {
      const t = now();
      const n = (i * 37) % paths.length;
      const entry = await repo.commit({
        parent: head,
        edits: [{ path: paths[n]!, content: page(n, i + 1) }],
        message: `Update: ${paths[n]!}`,
        author,
      });
      head = entry.oid;
      commitSamples.push(now() - t);
    }
    const commitsPerSecond = Math.round((200 / (now() - started)) * 1000);

    await repo.listFiles(head);
    let t = now();
    await repo.listFiles(head);
    const listFilesMs = round(now() - t);
    t = now();
    await repo.log(null, head);
    const logMs = round(now() - t);

    return {
      blobReadUs: stats(blobSamples),
      fileReadUs: stats(fileSamples),
      commitMs: stats(commitSamples),
      commitsPerSecond,
      listFilesMs,
      logMs,
    };
  } finally {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Prints the figures (there are no budgets at this level: the engine benchmark holds them end to end). */
export async function run(args: string[]): Promise<number> {
  if (args.length > 0) {
    console.log('Usage: npm run bench -- git-store   (no options)');
    return args.includes('--help') || args.includes('-h') ? 0 : 2;
  }
  const r = await runGitBench();
  const us = (s: { median: number; p95: number }) => `median ${s.median} µs, p95 ${s.p95} µs`;
  console.log('Wikibot git storage layer — 500 pages, one repository, in process');
  console.log(`  blob read (cat-file, warm)   ${us(r.blobReadUs)}`);
  console.log(`  file read (path at a commit) ${us(r.fileReadUs)}`);
  console.log(
    `  one-file commit              median ${r.commitMs.median} ms, p95 ${r.commitMs.p95} ms; ${r.commitsPerSecond} commits/s one writer`,
  );
  console.log(`  list all files               ${r.listFilesMs} ms`);
  console.log(`  log of ${201} commits           ${r.logMs} ms`);
  return 0;
}
