/**
 * Integration-test harness: a real Wikibot server on 127.0.0.1 (random port) over a temporary data directory, real
 * HTTP through `fetch`, and helpers that give every test its own tenant (user, wiki, write and read tokens).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.js';
import { cliActor } from '../src/auth/actor.js';
import { loadConfig } from '../src/config.js';
import * as uc from '../src/usecases/index.js';
import type { Services } from '../src/usecases/index.js';

export interface RequestOptions {
  token?: string | undefined;
  /** An object or array is sent as JSON; a string or Buffer is sent as is (set content-type in `headers`). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Commit {
  oid: string;
  author_name: string;
  author_email: string;
  date: string;
  message: string;
}
export interface PageSummary {
  path: string;
  title: string;
  category: string | null;
  tags: string[];
  word_count: number;
  archived: boolean;
  last_updated: string | null;
  revision: string;
  last_change: { date: string; author_name: string; message: string };
}
export interface Link {
  target: string;
  anchor: string | null;
  exists: boolean;
  kind?: string;
}

/**
 * Every field any REST response may carry, all optional: one type lets tests read any answer without casts, and
 * an assertion fails when a field is missing.
 */
export interface ApiBody {
  error?: string;
  message?: string;
  data?: Record<string, unknown>;
  current_revision?: string | null;
  status?: string;
  path?: string;
  old_path?: string;
  title?: string;
  content?: string;
  frontmatter?: Record<string, unknown>;
  revision?: string;
  section?: string | null;
  html?: string;
  toc?: Array<{ level: number; text: string; id: string }>;
  links_to?: Link[];
  linked_from?: string[];
  last_commit?: Commit;
  created?: boolean;
  changed?: boolean;
  merged?: boolean;
  commit?: Commit | null;
  rewritten?: string[];
  entries?: Array<Commit & { parents: string[]; path: string; status: string; old_path: string | null }>;
  lines?: Array<{ line: number; content: string; commit: string; author_name: string; author_email: string; date: string; summary: string }>;
  from?: string;
  to?: string;
  diff?: string;
  hunks?: unknown[];
  stats?: { added: number; removed: number };
  attachments?: Array<{ name: string; path: string; size: number; mime_type: string }>;
  name?: string;
  size?: number;
  mime_type?: string;
  deleted_attachments?: string[];
  changes?: Array<Commit & { pages: Array<{ path: string; kind: string; status: string; old_path: string | null }> }>;
  query?: string;
  results?: Array<{ path: string; title: string; category: string | null; tags: string[]; score: number; snippet: string }>;
  nodes?: Array<{ path: string; title: string; category: string | null }>;
  edges?: Array<{ source: string; target: string; broken: boolean }>;
  pages?: PageSummary[];
  total?: number;
  links?: Array<{ source: string; target: string; anchor: string | null; kind: string }>;
  days?: number;
  before?: string;
  reverted?: string;
  files?: string[];
  location?: string;
  openapi?: string;
  paths?: Record<string, Record<string, unknown>>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body ({} when the body is not JSON). */
  json: ApiBody;
  text: string;
  bytes: Buffer;
}

export interface TestServer {
  url: string;
  services: Services;
  dataDir: string;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Extra WIKIBOT_* settings. */
  env?: Record<string, string>;
  /** Serve an existing data directory (a restart); it is then left in place by `close()`. */
  dataDir?: string;
}

/** Starts a server over a fresh temporary data directory; `close()` stops it and removes the directory. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const owned = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wikibot-test-'));
  const config = loadConfig({ port: '0', host: '127.0.0.1', data: dataDir }, { WIKIBOT_LOG_LEVEL: 'silent', ...options.env });
  const services = await uc.openServices(config);
  // The first account of an installation is the site admin; take that seat so that tenants are ordinary users.
  if ((await services.meta.countUsers()) === 0) {
    await uc.createUser(services, { username: 'site-admin', email: 'admin@example.test', password: null });
  }
  const app = buildApp({ services, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const request = async (method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let body: string | Buffer | undefined;
    if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) {
      body = opts.body;
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let json: ApiBody = {};
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        json = JSON.parse(text) as ApiBody;
      } catch {
        json = {};
      }
    }
    return { status: res.status, headers: res.headers, json, text, bytes };
  };

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await uc.closeServices(services);
    if (owned) rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, services, dataDir, request, close };
}

export interface Tenant {
  owner: string;
  slug: string;
  /** `/api/v1/wikis/<owner>/<slug>` */
  base: string;
  writeToken: string;
  readToken: string;
  email: string;
  /** The bare repository on disk. */
  repoDir: string;
  /** Current head of the wiki's repository. */
  head(): string | null;
  /** Authenticated request under `base` with the write token (unless another token is given). */
  api(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
}

/** Creates user `<name>`, wiki `<name>/notes` and a write and a read token limited to that wiki. */
export async function makeTenant(h: TestServer, name: string, options: { visibility?: 'public' | 'private' } = {}): Promise<Tenant> {
  const s = h.services;
  const email = `${name}@example.test`;
  await uc.createUser(s, { username: name, email, password: null });
  const slug = 'notes';
  await uc.createWiki(s, cliActor(null), { owner: name, slug, name: `${name} research`, visibility: options.visibility ?? 'private' });
  const wiki = `${name}/${slug}`;
  const writeToken = (await uc.createToken(s, { username: name, wiki, scope: 'write' })).token;
  const readToken = (await uc.createToken(s, { username: name, wiki, scope: 'read' })).token;
  const base = `/api/v1/wikis/${name}/${slug}`;
  return {
    owner: name,
    slug,
    base,
    writeToken,
    readToken,
    email,
    repoDir: join(h.dataDir, 'repos', name, `${slug}.git`),
    head: () => s.repos.open(name, slug).head(),
    api: (method, path, opts = {}) => h.request(method, base + path, { token: writeToken, ...opts }),
  };
}

/** Runs git in a directory and returns its trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

/** Commit ids of `main` in the bare repository, newest first. */
export function commitIds(t: Tenant): string[] {
  return git(t.repoDir, 'rev-list', 'main').split('\n').filter(Boolean);
}

/** The file at `path` on `main` (or at `rev`), or null. */
export function showFile(t: Tenant, path: string, rev = 'main'): string | null {
  try {
    return execFileSync('git', ['show', `${rev}:${path}`], { cwd: t.repoDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/** Creates a page over HTTP and returns its revision (fails the test on anything but 201). */
export async function createPage(t: Tenant, path: string, content: string): Promise<string> {
  const res = await t.api('PUT', `/pages/${path}`, { body: { content } });
  if (res.status !== 201) throw new Error(`creating ${path}: ${res.status} ${res.text}`);
  return res.json.revision!;
}

/** A unique lowercase tenant name per call within a process. */
let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid % 10_000}-${counter}`;
}

/** Asserts an error answer: status, code, and a message matching `message`. */
export function assertError(res: TestResponse, status: number, code: string, message?: RegExp): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.equal(res.json.error, code, res.text);
  assert.equal(typeof res.json.message, 'string');
  assert.ok((res.json.message ?? '').length > 10, `message too short: ${res.json.message}`);
  if (message) assert.match(res.json.message ?? '', message);
}

/** Runs `action` and asserts the wiki's repository head did not move. */
export async function assertUnchanged<T>(t: Tenant, action: () => Promise<T>): Promise<T> {
  const before = t.head();
  const result = await action();
  assert.equal(t.head(), before, 'the repository changed');
  return result;
}
