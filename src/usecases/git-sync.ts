/**
 * External sync (premium): a wiki linked to a git remote elsewhere (URL + optional username/token, the token sealed
 * with AES-256-GCM under WIKIBOT_SECRET_KEY). A run fetches the remote's `main` into a scratch repository that borrows
 * our objects (so nothing of theirs lands in the wiki before it is accepted), then fast-forwards whichever side is
 * behind: ours through the same checks and compare-and-swap as a `git push` (PushSession, inside the wiki's write
 * queue, index caught up before the run returns), theirs by pushing our commits. A true divergence is never merged:
 * the link's status says "needs attention" with both heads and what to do.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../auth/actor.js';
import { cliActor } from '../auth/actor.js';
import type { WikiAccess } from '../auth/policy.js';
import { isWikiError, WikiError } from '../errors.js';
import { gitEnv } from '../git/git-process.js';
import type { JobStore, SyncLink, SyncOutcome } from '../jobs/job-store.js';
import type { Wiki } from '../meta/meta-store.js';
import { gitPushedObjects } from './git-objects.js';
import { beginPush, MAIN_REF, type PushedObjects } from './git-push.js';
import { cloneSource, refuseDataDirPath, remoteUrlOptions, runLimited, type CloneSource } from './git-template.js';
import type { Services } from './services.js';
import { openWiki, type WikiRef } from './wiki-access.js';

/** What the owner gives when linking. The token is write-only: no answer ever contains it. */
export interface SyncLinkInput {
  url: string;
  username?: string | undefined;
  token?: string | undefined;
}

/** A link as its owner sees it (never the token). */
export interface SyncStatus {
  linked: true;
  url: string;
  username: string | null;
  hasToken: boolean;
  state: SyncLink['state'];
  lastResult: string | null;
  ourHead: string | null;
  theirHead: string | null;
  message: string | null;
  lastRunAt: string | null;
  nextRunAt: string;
}

const SEALED_PREFIX = 'aes256gcm:v1:';

/** Seals `plain` with AES-256-GCM under the base64 key: `aes256gcm:v1:<iv>:<tag>:<ciphertext>`, all base64. */
export function sealSecret(keyBase64: string, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
}

/** Opens what `sealSecret` sealed; throws FORBIDDEN with a clear message when the key is missing or not the one used. */
export function openSecret(keyBase64: string | null, sealed: string): string {
  if (keyBase64 === null) {
    throw new WikiError('FORBIDDEN', 'The sync credentials cannot be read: the server has no WIKIBOT_SECRET_KEY. Set the key they were stored with.', {
      reason: 'secret_key',
    });
  }
  const parts = sealed.startsWith(SEALED_PREFIX) ? sealed.slice(SEALED_PREFIX.length).split(':') : [];
  try {
    if (parts.length !== 3) throw new Error('malformed');
    const [iv, tag, data] = parts.map((p) => Buffer.from(p, 'base64')) as [Buffer, Buffer, Buffer];
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    throw new WikiError(
      'FORBIDDEN',
      'The sync credentials cannot be decrypted with this server\'s WIKIBOT_SECRET_KEY (the key changed since they were stored). Restore the old key, or link the wiki again with its token.',
      { reason: 'secret_key' },
    );
  }
}

/** The owner's wiki (or a site admin's view of it), opened for `action`; anyone else is refused. */
async function ownerWiki(services: Services, actor: Actor, ref: WikiRef, action: 'read' | 'write'): Promise<Wiki> {
  const w = await openWiki(services, actor, ref, action);
  const me = actor.user;
  if (actor.door !== 'cli' && (!me || (me.id !== w.wiki.ownerId && !me.isAdmin))) {
    throw new WikiError('FORBIDDEN', `Only the owner of ${w.wiki.owner}/${w.wiki.slug} manages its external sync.`, { reason: 'owner_only' });
  }
  if (w.access.ownerTier !== 'premium') {
    throw new WikiError('FORBIDDEN', `External sync needs a premium plan; the owner of ${w.wiki.owner}/${w.wiki.slug} is on the ${w.access.ownerTier} plan.`, {
      reason: 'tier',
    });
  }
  return w.wiki;
}

function statusOf(link: SyncLink): SyncStatus {
  return {
    linked: true,
    url: link.url,
    username: link.username,
    hasToken: link.secret !== null,
    state: link.state,
    lastResult: link.lastResult,
    ourHead: link.ourHead,
    theirHead: link.theirHead,
    message: link.message,
    lastRunAt: link.lastRunAt,
    nextRunAt: link.nextRunAt,
  };
}

/**
 * Links the wiki to an external remote (replacing any link). The URL follows the same rules as template URLs
 * (https; loopback, private addresses, http and local paths only when the operator allows them). Needs
 * WIKIBOT_SECRET_KEY, since a token may be given now or later. The first run is due at once.
 */
export async function linkSync(services: Services, actor: Actor, ref: WikiRef, input: SyncLinkInput): Promise<SyncStatus> {
  const wiki = await ownerWiki(services, actor, ref, 'write');
  const key = services.config.secretKey;
  if (key === null) {
    throw new WikiError(
      'FORBIDDEN',
      'External sync is not available on this server: its operator has not set WIKIBOT_SECRET_KEY (32 random bytes, base64), which encrypts remote credentials.',
      { reason: 'secret_key' },
    );
  }
  if (typeof input.url !== 'string') throw new WikiError('INVALID_INPUT', 'Give the remote\'s URL.', { field: 'url' });
  const username = input.username?.trim() || null;
  if (username !== null && (username.length > 200 || /[\s:]/.test(username))) {
    throw new WikiError('INVALID_INPUT', 'The username may not contain spaces or ":" and is at most 200 characters.', { field: 'username' });
  }
  const token = input.token ?? '';
  if (token.length > 4096 || /[\r\n]/.test(token)) throw new WikiError('INVALID_INPUT', 'The token is malformed (one line, at most 4096 characters).', { field: 'token' });
  refuseDataDirPath(input.url, services.config, 'Sync remote');
  // Last: it resolves the host.
  await cloneSource(input.url, remoteUrlOptions(services.config), 'Sync remote');
  const link = await services.jobs.putSyncLink({
    wikiId: wiki.id,
    url: input.url,
    username,
    secret: token === '' ? null : sealSecret(key, token),
    nextRunAt: new Date().toISOString(),
  });
  return statusOf(link);
}

/** The wiki's sync status for its owner, or `{ linked: false }`. */
export async function getSync(services: Services, actor: Actor, ref: WikiRef): Promise<SyncStatus | { linked: false }> {
  const wiki = await ownerWiki(services, actor, ref, 'read');
  const link = await services.jobs.getSyncLink(wiki.id);
  return link ? statusOf(link) : { linked: false };
}

/** Whether a sync status deserves the owner's attention on every page of the wiki. */
export function syncNeedsAttention(status: SyncStatus): boolean {
  return status.state === 'needs_attention' || status.state === 'error' || status.lastResult === 'failed';
}

/**
 * The sync status to warn the actor about, or null: not the owner, not premium (so no link), no link, or all is well.
 * Takes the access the caller already loaded, so a page view pays one lookup at most and only for its owner.
 */
export async function syncAttentionFor(services: Services, actor: Actor, access: WikiAccess): Promise<SyncStatus | null> {
  if (!actor.user || actor.user.id !== access.wiki.ownerId || access.ownerTier !== 'premium') return null;
  const link = await services.jobs.getSyncLink(access.wiki.id);
  if (!link) return null;
  const status = statusOf(link);
  return syncNeedsAttention(status) ? status : null;
}

/** Removes the link (and with it the stored credentials). */
export async function unlinkSync(services: Services, actor: Actor, ref: WikiRef): Promise<{ deleted: boolean }> {
  const wiki = await ownerWiki(services, actor, ref, 'write');
  return { deleted: await services.jobs.deleteSyncLink(wiki.id) };
}

/** Runs a sync now, for the owner (`POST …/sync/run`), and answers the resulting status. */
export async function runSyncNow(services: Services, actor: Actor, ref: WikiRef): Promise<SyncStatus> {
  const wiki = await ownerWiki(services, actor, ref, 'write');
  if (!(await services.jobs.getSyncLink(wiki.id))) {
    throw new WikiError('INVALID_INPUT', `${wiki.owner}/${wiki.slug} is not linked to an external remote; link it first (PUT …/sync).`);
  }
  return syncWiki(services, wiki.id);
}

const running = new Map<number, Promise<SyncStatus>>();

/**
 * One sync run of the wiki (what the `sync-wiki` job does); runs of the same wiki in this process take turns. Never
 * throws for what the remote or the key did: the outcome is recorded in the link's status.
 */
export function syncWiki(services: Services, wikiId: number): Promise<SyncStatus> {
  const before = running.get(wikiId) ?? Promise.resolve(null);
  const run = before.catch(() => null).then(() => syncOnce(services, wikiId));
  running.set(wikiId, run);
  void run.finally(() => {
    if (running.get(wikiId) === run) running.delete(wikiId);
  }).catch(() => undefined);
  return run;
}

interface Result {
  state: SyncOutcome['state'];
  lastResult: string;
  ourHead: string | null;
  theirHead: string | null;
  message: string;
}

async function syncOnce(services: Services, wikiId: number): Promise<SyncStatus> {
  const store = services.jobs;
  const link = await store.getSyncLink(wikiId);
  if (!link) throw new WikiError('INVALID_INPUT', 'This wiki is not linked to an external remote.');
  const startedAt = new Date();
  let result: Result;
  try {
    result = await exchange(services, link);
  } catch (err) {
    if (!isWikiError(err) || err.code === 'INTERNAL') services.log.error({ err, wikiId }, 'external sync failed');
    const message = isWikiError(err) && err.code !== 'INTERNAL' ? err.message : 'The sync failed; the problem was logged for the operator.';
    result = { state: 'error', lastResult: 'failed', ourHead: null, theirHead: null, message };
  }
  await store.recordSync(wikiId, {
    ...result,
    lastRunAt: startedAt.toISOString(),
    nextRunAt: new Date(Date.now() + services.config.syncIntervalMs).toISOString(),
  });
  const after = await store.getSyncLink(wikiId);
  return statusOf(after ?? link);
}

/** Fetch, compare, fast-forward one side or report the divergence. */
async function exchange(services: Services, link: SyncLink): Promise<Result> {
  const wiki = await services.meta.getWikiById(link.wikiId);
  if (!wiki) throw new WikiError('WIKI_NOT_FOUND', 'The linked wiki no longer exists.');
  const owner = await services.meta.getUserById(wiki.ownerId);
  if (!owner || owner.tier !== 'premium') {
    throw new WikiError('FORBIDDEN', `External sync needs a premium plan; ${wiki.owner} is on the ${owner?.tier ?? 'free'} plan. Nothing was exchanged.`);
  }
  const token = link.secret === null ? null : openSecret(services.config.secretKey, link.secret);
  const options = remoteUrlOptions(services.config);
  refuseDataDirPath(link.url, services.config, 'Sync remote');
  const source = await cloneSource(link.url, options, 'Sync remote');
  const repo = services.repos.open(wiki.owner, wiki.slug);
  const scratch = mkdtempSync(join(tmpdir(), 'wikibot-sync-'));
  try {
    const git = new RemoteGit(source, link.username, token, scratch, repo.dir, options.timeoutMs ?? 60_000, options.maxBytes ?? Infinity);
    await git.init();
    const theirs = await git.fetchMain();
    const ours = repo.head();
    const heads = { ourHead: ours, theirHead: theirs };
    if (theirs === ours) return { state: 'ok', lastResult: 'up_to_date', ...heads, message: 'Both sides are at the same commit.' };
    if (ours !== null && (theirs === null || (await git.isAncestor(theirs, ours)))) {
      await git.pushMain(ours);
      return { state: 'ok', lastResult: 'pushed', ...heads, message: `Pushed the wiki's new commits to the remote (its main is now ${ours.slice(0, 7)}).` };
    }
    if (theirs !== null && (ours === null || (await git.isAncestor(ours, theirs)))) {
      return await pull(services, wiki, owner, git, ours, theirs);
    }
    return {
      state: 'needs_attention',
      lastResult: 'diverged',
      ...heads,
      message:
        `The wiki (main at ${ours?.slice(0, 7) ?? 'none'}) and the remote (main at ${theirs?.slice(0, 7) ?? 'none'}) have both changed since they last agreed; ` +
        'sync never merges on its own and changed nothing on either side. To resolve: clone the wiki, pull the remote\'s main into it, ' +
        'resolve any conflicts, push the result to the wiki (git push), and the next sync pushes it to the remote.',
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Fast-forwards our main to theirs: checked as a push would be, updated by compare-and-swap inside the write queue. */
async function pull(services: Services, wiki: Wiki, owner: NonNullable<Awaited<ReturnType<Services['meta']['getUserById']>>>, git: RemoteGit, ours: string | null, theirs: string): Promise<Result> {
  const session = await beginPush(services, { ...cliActor(owner), door: 'git' }, { owner: wiki.owner, slug: wiki.slug });
  try {
    try {
      await session.check([{ ref: MAIN_REF, oldOid: ours ?? '0'.repeat(40), newOid: theirs }], git.objects());
    } catch (err) {
      if (!isWikiError(err) || err.code === 'INTERNAL') throw err;
      if (err.code === 'REVISION_CONFLICT') {
        return { state: 'error', lastResult: 'retry', ourHead: ours, theirHead: theirs, message: 'The wiki was edited while the sync ran; the next run tries again.' };
      }
      return {
        state: 'needs_attention',
        lastResult: 'refused',
        ourHead: ours,
        theirHead: theirs,
        message: `The remote's commits cannot be taken into the wiki, which was left unchanged. ${err.message.replace(/^push to/, 'Taking them into')}`,
      };
    }
    await git.adopt(theirs, ours);
  } finally {
    await session.finish();
  }
  return { state: 'ok', lastResult: 'pulled', ourHead: theirs, theirHead: theirs, message: `Took the remote's new commits into the wiki (main is now ${theirs.slice(0, 7)}).` };
}

/**
 * git against the remote, from a scratch bare repository whose alternate is the wiki's object store: fetched objects
 * stay in the scratch directory until `adopt` copies them into the wiki. Credentials travel in the environment
 * (GIT_CONFIG_*), never on a command line.
 */
class RemoteGit {
  private readonly env: Record<string, string>;

  constructor(
    private readonly source: CloneSource,
    username: string | null,
    token: string | null,
    private readonly scratch: string,
    private readonly repoDir: string,
    private readonly timeoutMs: number,
    private readonly maxBytes: number,
  ) {
    const env: Record<string, string> = { ...gitEnv(join(scratch, 'r.git')), GIT_TERMINAL_PROMPT: '0' };
    const settings: Array<[string, string]> = [['credential.helper', '']];
    if (token !== null) {
      const basic = Buffer.from(`${username ?? 'git'}:${token}`).toString('base64');
      settings.push(['http.extraHeader', `Authorization: Basic ${basic}`]);
    }
    env.GIT_CONFIG_COUNT = String(settings.length);
    settings.forEach(([k, v], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = k;
      env[`GIT_CONFIG_VALUE_${i}`] = v;
    });
    this.env = env;
  }

  private get gitDir(): string {
    return join(this.scratch, 'r.git');
  }

  private run(args: string[], opts: { gitDir?: string; limit?: boolean } = {}) {
    const gitDir = opts.gitDir ?? this.gitDir;
    return runLimited(['-c', 'core.hooksPath=/dev/null', ...args], this.scratch, { ...this.env, GIT_DIR: gitDir }, {
      maxBytes: opts.limit ? this.maxBytes : Infinity,
      timeoutMs: this.timeoutMs,
    });
  }

  async init(): Promise<void> {
    const r = await this.run(['init', '-q', '--bare', this.gitDir]);
    if (r.code !== 0) throw new WikiError('INTERNAL', `git init failed: ${r.stderr}`);
    writeFileSync(join(this.gitDir, 'objects', 'info', 'alternates'), `${join(this.repoDir, 'objects')}\n`);
  }

  /** The remote's main, fetched into the scratch repository; null when the remote has no main yet. */
  async fetchMain(): Promise<string | null> {
    const r = await this.run([...this.source.config, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--', this.source.url, `+${MAIN_REF}:refs/theirs`], { limit: true });
    if (r.limit === 'time') throw new WikiError('INVALID_INPUT', `Fetching from the remote took longer than ${this.timeoutMs / 1000} s; nothing was changed.`);
    if (r.limit === 'size') throw new WikiError('PAYLOAD_TOO_LARGE', `The remote sent more than ${this.maxBytes} bytes; nothing was changed.`);
    if (r.code !== 0) {
      if (/couldn't find remote ref/i.test(r.stderr)) return null;
      throw new WikiError('INVALID_INPUT', `Could not fetch from the remote: ${describeGitError(r.stderr)}. Nothing was changed.`);
    }
    const head = await this.run(['rev-parse', '--verify', '-q', 'refs/theirs^{commit}']);
    return head.code === 0 ? head.stdout.toString('utf8').trim() : null;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const r = await this.run(['merge-base', '--is-ancestor', ancestor, descendant]);
    if (r.code === 0) return true;
    if (r.code === 1) return false;
    throw new WikiError('INTERNAL', `merge-base failed: ${r.stderr}`);
  }

  /** Pushes our main to theirs; git itself refuses if the remote moved meanwhile (no force). */
  async pushMain(ours: string): Promise<void> {
    const r = await this.run([...this.source.config, 'push', '--quiet', '--no-verify', '--', this.source.url, `${ours}:${MAIN_REF}`], { gitDir: this.repoDir });
    if (r.code !== 0) {
      if (r.limit === 'time') throw new WikiError('INVALID_INPUT', `Pushing to the remote took longer than ${this.timeoutMs / 1000} s.`);
      throw new WikiError('INVALID_INPUT', `The remote refused our commits: ${describeGitError(r.stderr)}. The next run tries again.`);
    }
  }

  /**
   * The fetched objects as a push check reads them, every fetched commit included: the commits the wiki lacks are
   * those no ref of the wiki's repository (the scratch repository's alternate) reaches.
   */
  objects(): PushedObjects {
    return gitPushedObjects((args) => this.run(args), ['--alternate-refs']);
  }

  /** Copies the accepted objects into the wiki and moves its main from `ours` to `theirs` (compare-and-swap). */
  async adopt(theirs: string, ours: string | null): Promise<void> {
    const fetch = await this.run(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', this.gitDir, 'refs/theirs'], { gitDir: this.repoDir });
    if (fetch.code !== 0) throw new WikiError('INTERNAL', `Copying fetched objects into the wiki failed: ${fetch.stderr}`);
    const update = await this.run(['update-ref', '-m', 'external sync', MAIN_REF, theirs, ours ?? ''], { gitDir: this.repoDir });
    if (update.code !== 0) throw new WikiError('INTERNAL', `Moving main failed: ${update.stderr}`);
  }
}

/** git's last line, with credentials that a URL might echo cut out. */
function describeGitError(stderr: string): string {
  const lines = stderr
    .trim()
    .split('\n')
    .map((l) => l.replace(/^(fatal|error|remote): /, '').trim())
    .filter(Boolean);
  return (lines[lines.length - 1] ?? 'git failed').replace(/\/\/[^/@\s]+@/g, '//');
}

/** When a due sync's job is queued; the scheduler calls this. */
export async function enqueueDueSyncs(store: JobStore, now: Date, intervalMs: number, limit = 50): Promise<number> {
  let queued = 0;
  for (const link of await store.dueSyncLinks(now.toISOString(), limit)) {
    if (!(await store.hasPending(SYNC_JOB, link.wikiId))) {
      await store.enqueue(SYNC_JOB, link.wikiId);
      queued++;
    }
    await store.scheduleSync(link.wikiId, new Date(now.getTime() + intervalMs).toISOString());
  }
  return queued;
}

/** The job kind that runs `syncWiki`. */
export const SYNC_JOB = 'sync-wiki';
