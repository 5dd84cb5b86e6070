/**
 * For tests of the git remote: the real git client run asynchronously (the server under test shares the process's
 * event loop, so a blocking spawn would deadlock it) in an isolated HOME with no credential helper or prompts, and
 * tenants whose owner is on the premium tier (pushing needs it).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliActor } from '../src/auth/actor.js';
import type { Tier } from '../src/meta/meta-store.js';
import * as uc from '../src/usecases/index.js';

export interface GitRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface GitRunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Written to git's stdin. */
  input?: string;
}

export interface GitClient {
  /** A scratch directory removed by `close()`; clones go here. */
  dir: string;
  /** Runs git; never rejects on exit status. */
  run(args: string[], options?: GitRunOptions): Promise<GitRun>;
  /** Runs git and fails (with git's stderr) unless it exits 0; returns trimmed stdout. */
  ok(args: string[], options?: GitRunOptions): Promise<string>;
  close(): void;
}

/** A git client with its own HOME (a fixed identity, no credential helper) and GIT_TERMINAL_PROMPT=0. */
export function gitClient(): GitClient {
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-git-client-'));
  const home = join(dir, 'home');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  Object.assign(env, { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' });
  mkdirSync(home);
  writeFileSync(
    join(home, '.gitconfig'),
    '[user]\n\tname = Git Tester\n\temail = tester@example.test\n[init]\n\tdefaultBranch = main\n[credential]\n\thelper =\n[advice]\n\tdetachedHead = false\n',
  );
  const run = (args: string[], options: GitRunOptions = {}) =>
    new Promise<GitRun>((resolve) => {
      const child = spawn('git', args, { cwd: options.cwd ?? dir, env: { ...env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      // git may exit without reading its input (a refused push); that is not the test's failure.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    });
  return {
    dir,
    run,
    ok: async (args, options) => {
      const r = await run(args, options);
      if (r.code !== 0) throw new Error(`git ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
      return r.stdout.trim();
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `http://git:<token>@host/<owner>/<slug>.git` (no token: anonymous). */
export function remoteUrl(serverUrl: string, owner: string, slug: string, token?: string): string {
  const url = new URL(`${serverUrl}/${owner}/${slug}.git`);
  if (token !== undefined) {
    url.username = 'git';
    url.password = token;
  }
  return url.toString();
}

export interface GitTenant {
  owner: string;
  slug: string;
  writeToken: string;
  readToken: string;
}

/** User `<name>` on `tier`, wiki `<name>/notes` (private unless told), write and read tokens limited to it. */
export async function makeGitTenant(
  services: uc.Services,
  name: string,
  options: { tier?: Tier; visibility?: 'public' | 'private' } = {},
): Promise<GitTenant> {
  await services.meta.createUser({ username: name, email: `${name}@example.test`, name: null, passwordHash: null, tier: options.tier ?? 'premium' });
  await uc.createWiki(services, cliActor(null), { owner: name, slug: 'notes', name: `${name} research`, visibility: options.visibility ?? 'private' });
  const wiki = `${name}/notes`;
  const writeToken = (await uc.createToken(services, { username: name, wiki, scope: 'write' })).token;
  const readToken = (await uc.createToken(services, { username: name, wiki, scope: 'read' })).token;
  return { owner: name, slug: 'notes', writeToken, readToken };
}
