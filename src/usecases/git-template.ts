/**
 * Creating a wiki from a template repository (premium): a shallow clone of an https URL (or, when the operator allows
 * it, a local path or plain http), its history dropped, `{{wiki_name}}`, `{{wiki_purpose}}`, `{{owner}}` and
 * `{{slug}}` filled in in its pages, and the result committed as the wiki's content. The URL is the caller's, so it
 * is treated as hostile: only http(s)/file transports, the host resolved once and pinned for git (no second lookup
 * that could answer with an internal address), loopback/private/link-local addresses refused unless allowed, no
 * redirects, no credential prompts, and limits on size and time.
 */
import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, type Dirent } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Actor } from '../auth/actor.js';
import { WikiError } from '../errors.js';
import { gitEnv } from '../git/git-process.js';
import type { FileEntry } from '../git/repo-store.js';
import type { Wiki } from '../meta/meta-store.js';
import type { Config } from '../config.js';
import { commitMessage } from './commit.js';
import { summarizeTree } from './git-push.js';
import type { Services } from './services.js';
import { createWiki, type CreateWikiInput } from './wikis.js';

export interface TemplateOptions {
  /** Allow hosts that resolve to loopback, private, link-local or other non-public addresses (tests, intranets). */
  allowPrivateAddresses?: boolean;
  /** Allow plain `http://` URLs (tests; https is the rule). */
  allowHttp?: boolean;
  /** Allow an absolute local path to a repository on the server. */
  allowLocalPaths?: boolean;
  /** Largest checkout, in bytes (default 50 MB). */
  maxBytes?: number;
  /** Longest clone, in milliseconds (default 60 s). */
  timeoutMs?: number;
}

/**
 * Refuses a local path inside the data directory (even through a symbolic link): with local paths allowed, it would
 * otherwise read another wiki's repository, whoever owns it.
 */
export function refuseDataDirPath(raw: string, config: Config, what = 'Template'): void {
  if (typeof raw !== 'string' || !isAbsolute(raw)) return;
  let real = resolve(raw);
  try {
    real = realpathSync(real);
  } catch {
    // Missing: git will say so.
  }
  let data = resolve(config.dataDir);
  try {
    data = realpathSync(data);
  } catch {
    // Not created yet.
  }
  const rel = relative(data, real);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new WikiError('INVALID_INPUT', `${what} ${JSON.stringify(raw)} cannot be used: it is inside the server's data directory.`, { url: raw });
  }
}

/** The operator's settings for URLs given by users (templates and sync remotes). */
export function remoteUrlOptions(config: Config): TemplateOptions {
  return {
    allowPrivateAddresses: config.templateAllowPrivate,
    allowHttp: config.templateAllowHttp,
    allowLocalPaths: config.templateAllowLocal,
    maxBytes: config.templateMaxBytes,
    timeoutMs: config.templateTimeoutMs,
  };
}

export interface TemplateFile {
  path: string;
  content: Buffer;
}

const MB = 1024 * 1024;

/** Addresses a template URL may not reach unless the operator allows it. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local, multicast or otherwise not a public host. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface CloneSource {
  /** What git clones. */
  url: string;
  /** Extra `-c` settings: allowed transports and the pinned address. */
  config: string[];
}

/**
 * Checks a user-given repository URL and resolves its host once; throws INVALID_INPUT with the reason. `what` names
 * it in messages ("Template", "Sync remote"). Credentials in the URL are refused: sync takes them separately, so that
 * they are stored encrypted and never echoed back.
 */
export async function cloneSource(raw: string, options: TemplateOptions, what = 'Template'): Promise<CloneSource> {
  const bad = (why: string) => new WikiError('INVALID_INPUT', `${what} ${JSON.stringify(raw)} cannot be used: ${why}.`, { url: raw });
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > 2048) throw bad('give an https URL of a git repository');
  if (isAbsolute(raw)) {
    if (!options.allowLocalPaths) throw bad('local paths are not allowed on this server; give an https URL');
    return { url: raw, config: ['-c', 'protocol.allow=never', '-c', 'protocol.file.allow=always'] };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('it is not a URL; give an https URL of a git repository');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) throw bad('only https URLs are allowed');
  if (url.username || url.password) throw bad('URLs with credentials are not accepted');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    throw bad(`the host ${host} could not be resolved`);
  }
  if (addresses.length === 0) throw bad(`the host ${host} has no address`);
  if (!options.allowPrivateAddresses && addresses.some(isPrivateAddress)) {
    throw bad(`${host} resolves to a loopback, private or link-local address (${addresses.join(', ')})`);
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const pinned = addresses[0]!.includes(':') ? `[${addresses[0]}]` : addresses[0]!;
  const scheme = url.protocol.slice(0, -1);
  return {
    url: url.toString(),
    config: [
      '-c', 'protocol.allow=never',
      '-c', `protocol.${scheme}.allow=always`,
      '-c', 'http.followRedirects=false',
      '-c', `http.curloptResolve=${host}:${port}:${pinned}`,
      '-c', 'credential.helper=',
    ],
  };
}

/** Shallow-clones the template and returns its files (no history, no hidden files), within size and time limits. */
export async function fetchTemplate(raw: string, options: TemplateOptions = {}): Promise<TemplateFile[]> {
  const source = await cloneSource(raw, options);
  const maxBytes = options.maxBytes ?? 50 * MB;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-template-'));
  try {
    const work = join(dir, 'checkout');
    const env = { ...gitEnv(join(work, '.git')), GIT_TERMINAL_PROMPT: '0' };
    delete (env as Record<string, string | undefined>).GIT_DIR;
    const result = await runLimited(
      ['-c', 'core.hooksPath=/dev/null', ...source.config, 'clone', '--quiet', '--depth=1', '--single-branch', '--no-tags', '--', source.url, work],
      dir,
      env,
      { maxBytes, timeoutMs },
    );
    if (result.limit === 'time') {
      throw new WikiError('INVALID_INPUT', `Template ${raw} took longer than ${timeoutMs / 1000} s to download; nothing was created.`, { template: raw });
    }
    if (result.limit === 'size') {
      throw new WikiError('PAYLOAD_TOO_LARGE', `Template ${raw} is larger than ${maxBytes} bytes; nothing was created.`, { template: raw, max: maxBytes });
    }
    if (result.code !== 0) {
      throw new WikiError('INVALID_INPUT', `Template ${raw} could not be cloned: ${lastLine(result.stderr)}.`, { template: raw });
    }
    const ls = await runLimited(['ls-tree', '-r', '-l', '-z', '--full-tree', 'HEAD'], work, { ...env, GIT_DIR: join(work, '.git') }, { maxBytes: Infinity, timeoutMs });
    const files: TemplateFile[] = [];
    for (const record of ls.stdout.toString('utf8').split('\0')) {
      if (record === '') continue;
      const tab = record.indexOf('\t');
      const path = record.slice(tab + 1);
      const [mode = ''] = record.slice(0, tab).split(' ');
      // Repository plumbing (.gitignore, .github/…) is not wiki content.
      if (path.split('/').some((segment) => segment.startsWith('.'))) continue;
      if (mode !== '100644' && mode !== '100755') {
        throw new WikiError('INVALID_PATH', `Template ${raw} contains ${JSON.stringify(path)}, which is not a regular file; nothing was created.`, { path });
      }
      files.push({ path, content: readFileSync(join(work, path)) });
    }
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fills the markers a template may use in its pages. */
export function fillTemplate(files: TemplateFile[], vars: { name: string; purpose: string; owner: string; slug: string }): TemplateFile[] {
  const table: Record<string, string> = { wiki_name: vars.name, wiki_purpose: vars.purpose, owner: vars.owner, slug: vars.slug };
  return files.map((f) =>
    f.path.endsWith('.md')
      ? { path: f.path, content: Buffer.from(f.content.toString('utf8').replace(/\{\{\s*(wiki_name|wiki_purpose|owner|slug)\s*\}\}/g, (_m, key: string) => table[key]!)) }
      : f,
  );
}

export interface CreateFromTemplateInput extends CreateWikiInput {
  template: string;
}

/**
 * Creates the wiki (premium owners only) whose first and only commit holds the template's files. The template is
 * fetched and checked before the wiki exists, so a bad template creates nothing. `options` default to the
 * operator's settings (WIKIBOT_TEMPLATE_*).
 */
export async function createWikiFromTemplate(
  services: Services,
  actor: Actor,
  input: CreateFromTemplateInput,
  options: TemplateOptions = remoteUrlOptions(services.config),
): Promise<Wiki> {
  const owner = await services.meta.getUserByUsername(input.owner);
  if (!owner) throw new WikiError('USER_NOT_FOUND', `There is no user "${input.owner}".`, { username: input.owner });
  if (owner.tier !== 'premium') {
    throw new WikiError('FORBIDDEN', `Creating a wiki from a git template needs a premium plan; ${owner.username} is on the ${owner.tier} plan.`, {
      reason: 'tier',
    });
  }
  refuseDataDirPath(input.template, services.config);
  const raw = await fetchTemplate(input.template, options);
  const name = input.name?.trim() || input.slug;
  const purpose = input.purpose?.trim() || `A research wiki about ${name}.`;
  const files = fillTemplate(raw, { name, purpose, owner: owner.username, slug: input.slug });
  const limits = services.config.tiers.premium;
  const entries: FileEntry[] = files.map((f) => ({ path: f.path, oid: f.path, mode: '100644', size: f.content.length }));
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  const summary = await summarizeTree(entries, limits.attachmentBytes, services.config.maxPageChars, {
    readBlob: (oid) => Promise.resolve(byPath.get(oid) ?? Buffer.alloc(0)),
  });
  const problems = summary.problems.map((p) => p.text);
  if (summary.pages === 0) problems.push('it has no pages (.md files)');
  if (summary.pages > limits.pagesPerWiki) problems.push(`it has ${summary.pages} pages; the limit is ${limits.pagesPerWiki}`);
  if (summary.attachmentBytes > limits.attachmentBytesPerWiki) problems.push(`its attachments take ${summary.attachmentBytes} bytes; the limit is ${limits.attachmentBytesPerWiki}`);
  if (problems.length > 0) {
    throw new WikiError('INVALID_PATH', `Template ${input.template} does not fit a wiki; nothing was created:\n${problems.slice(0, 12).map((p) => `- ${p}`).join('\n')}`, {
      problems,
    });
  }
  // One commit: the template's files are the wiki's first state (no bootstrap pages to replace).
  return createWiki(services, actor, {
    ...input,
    initial: { files, message: commitMessage(actor, undefined, `Create wiki from template: ${input.template}`) },
  });
}

/** Runs git, killing it when it outlives `timeoutMs` or its working directory grows past `maxBytes`. */
export function runLimited(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  limits: { maxBytes: number; timeoutMs: number },
): Promise<{ code: number | null; stdout: Buffer; stderr: string; limit: 'size' | 'time' | null }> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    let limit: 'size' | 'time' | null = null;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 8192) stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => {
      limit = 'time';
      child.kill('SIGKILL');
    }, limits.timeoutMs);
    const watch = Number.isFinite(limits.maxBytes)
      ? setInterval(() => {
          if (directorySize(cwd) > limits.maxBytes) {
            limit = 'size';
            child.kill('SIGKILL');
          }
        }, 100)
      : null;
    child.on('error', (e) => {
      stderr += e.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (watch) clearInterval(watch);
      if (limit === null && Number.isFinite(limits.maxBytes) && directorySize(cwd) > limits.maxBytes) limit = 'size';
      resolve({ code, stdout: Buffer.concat(out), stderr, limit });
    });
  });
}

function directorySize(dir: string): number {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += directorySize(p);
    else if (e.isFile()) {
      try {
        total += statSync(p).size;
      } catch {
        // Removed while counting (git renames temporary files).
      }
    }
  }
  return total;
}

function lastLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  return (lines[lines.length - 1] ?? 'git failed').replace(/^fatal: /, '');
}
