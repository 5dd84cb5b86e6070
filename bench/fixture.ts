/**
 * What every benchmark needs around the code it measures: a real server started in-process on 127.0.0.1 with its data
 * in a temporary directory, a premium user with a token, and wikis filled from the synthetic corpus.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { cliActor } from '../src/auth/actor.js';
import { loadConfig } from '../src/config.js';
import { pageFile } from '../src/domain/index.js';
import type { User } from '../src/meta/meta-store.js';
import * as uc from '../src/usecases/index.js';
import type { CorpusPage } from './corpus.js';

export interface BenchServer {
  dataDir: string;
  services: uc.Services;
  app: FastifyInstance;
  baseUrl: string;
  /** Stops the server and closes the stores (the data directory stays until `removeDataDir`). */
  close(): Promise<void>;
}

/** A fresh temporary data directory under `root` (default: the system's, which honours TMPDIR). */
export const makeDataDir = (root: string = tmpdir()): string => mkdtempSync(join(root, 'wikibot-bench-'));

/**
 * Median milliseconds to create an empty file in a new folder of `dir`. Every commit creates several files (loose
 * objects, the ref lock), and on some disks and VMs that costs a millisecond each, which the write figures then show.
 */
export function probeFileCreation(dir: string, files = 100): number {
  const probe = join(dir, '.probe', 'ab');
  mkdirSync(probe, { recursive: true });
  const times: number[] = [];
  try {
    for (let i = 0; i < files; i++) {
      const started = performance.now();
      closeSync(openSync(join(probe, `f${i}`), 'wx'));
      times.push(performance.now() - started);
    }
  } finally {
    rmSync(join(dir, '.probe'), { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? NaN;
}

export const removeDataDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/** Starts the real server (config, stores, Fastify app) in this process on a free loopback port, logging nothing. */
export async function startServer(dataDir: string): Promise<BenchServer> {
  const config = loadConfig({ port: '0', host: '127.0.0.1', data: dataDir }, { WIKIBOT_LOG_LEVEL: 'silent', WIKIBOT_RATE_LIMIT_IP: '0', WIKIBOT_RATE_LIMIT_USER: '0' });
  const services = await uc.openServices(config);
  const app = buildApp({ services, logger: false });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await uc.closeServices(services);
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  let closed = false;
  return {
    dataDir,
    services,
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await uc.closeServices(services);
    },
  };
}

export interface Tenant {
  user: User;
  /** Write token for all of the user's wikis. */
  token: string;
}

/** A premium user (so a wiki may hold 10,000 pages) and a never-expiring write token. */
export async function createTenant(services: uc.Services, username: string): Promise<Tenant> {
  const user = await services.meta.createUser({ username, email: `${username}@bench.invalid`, name: 'Bench Writer', passwordHash: null, tier: 'premium' });
  const { token } = await uc.createToken(services, { username, scope: 'write', expires: 'never', name: 'bench' });
  return { user, token };
}

/** Creates a wiki (bootstrap commit) owned by the tenant. */
export async function createWiki(services: uc.Services, tenant: Tenant, slug: string): Promise<uc.WikiRef> {
  await uc.createWiki(services, cliActor(null), { owner: tenant.user.username, slug, name: `Bench ${slug}` });
  return { owner: tenant.user.username, slug };
}

/** Writes each page as its own commit through the write use case, as an operator at the command line would. */
export async function fillOneCommitPerPage(services: uc.Services, tenant: Tenant, ref: uc.WikiRef, pages: readonly CorpusPage[]): Promise<void> {
  const actor = cliActor(tenant.user);
  for (const page of pages) {
    await uc.writePage(services, actor, { ...ref, path: page.path, content: page.content, commitMessage: `Create ${page.path}` });
  }
}

/**
 * Writes pages `perCommit` at a time straight through the repository port, then lets the index catch up with the
 * whole history at once (as it would after a push). For wikis too large to build one commit a page in a benchmark.
 */
export async function fillBatched(services: uc.Services, tenant: Tenant, ref: uc.WikiRef, pages: readonly CorpusPage[], perCommit: number): Promise<{ commits: number; indexMs: number }> {
  const repo = services.repos.open(ref.owner, ref.slug);
  let parent = repo.head();
  let commits = 0;
  for (let i = 0; i < pages.length; i += perCommit) {
    const chunk = pages.slice(i, i + perCommit);
    const entry = await repo.commit({
      parent,
      edits: chunk.map((p) => ({ path: pageFile(p.path), content: p.content })),
      message: `Import pages ${i + 1}–${i + chunk.length}`,
      author: { name: tenant.user.name ?? tenant.user.username, email: tenant.user.email },
    });
    parent = entry.oid;
    commits++;
  }
  const started = performance.now();
  // Any read catches the index up with the commits it has not seen.
  await uc.listPages(services, cliActor(tenant.user), { ...ref, limit: 1 });
  return { commits, indexMs: performance.now() - started };
}
