/**
 * An account's own life: its personal access tokens, the export of everything it owns (a zip of git bundles plus a
 * JSON of its metadata), deleting it, and the operator's levers (tier, disabling).
 */
import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import yazl from 'yazl';
import type { Actor } from '../auth/actor.js';
import { WikiError } from '../errors.js';
import type { TokenRecord, TokenScope, User } from '../meta/meta-store.js';
import { createToken } from './accounts.js';
import { removeWiki, requireManager } from './management.js';
import type { Services } from './services.js';
import { wikiAccess } from './wiki-access.js';

const run = promisify(execFile);

export interface TokenView {
  id: number;
  name: string;
  /** `owner/slug`, or null for every wiki the user reaches. */
  wiki: string | null;
  scope: TokenScope;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  expired: boolean;
}

async function tokenView(services: Services, record: TokenRecord, now = Date.now()): Promise<TokenView> {
  const wiki = record.wikiId === null ? null : await services.meta.getWikiById(record.wikiId);
  return {
    id: record.id,
    name: record.name,
    wiki: wiki ? `${wiki.owner}/${wiki.slug}` : null,
    scope: record.scope,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    expiresAt: record.expiresAt,
    expired: record.expiresAt !== null && Date.parse(record.expiresAt) <= now,
  };
}

/** The caller's tokens (never their secrets), oldest first. */
export async function listMyTokens(services: Services, actor: Actor): Promise<TokenView[]> {
  const user = requireManager(actor);
  const views = [];
  for (const record of await services.meta.listTokens(user.id)) views.push(await tokenView(services, record));
  return views;
}

export interface IssueTokenInput {
  name?: string | undefined;
  /** `owner/slug`; omitted or null: every wiki the user reaches. */
  wiki?: string | null | undefined;
  scope?: TokenScope | undefined;
  /** `30d`, `12h`, `never`, or an ISO date (default 90d). */
  expires?: string | undefined;
}

/** Creates a token for the caller; the secret is in the answer once and never again. */
export async function issueToken(services: Services, actor: Actor, input: IssueTokenInput): Promise<{ token: string; record: TokenView }> {
  const user = requireManager(actor);
  if (input.name !== undefined && input.name.length > 100) throw new WikiError('INVALID_INPUT', 'A token name has at most 100 characters.', { field: 'name' });
  if (input.wiki) {
    const [owner, slug, extra] = input.wiki.split('/');
    if (!owner || !slug || extra !== undefined) throw new WikiError('INVALID_INPUT', `wiki must look like owner/slug, got "${input.wiki}".`, { field: 'wiki' });
    // The user must reach the wiki themselves (a token only narrows what its user may do).
    await wikiAccess(services, { user, token: null, door: actor.door }, { owner, slug });
  }
  const { token, record } = await createToken(services, {
    username: user.username,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.wiki ? { wiki: input.wiki } : {}),
    ...(input.scope !== undefined ? { scope: input.scope } : {}),
    ...(input.expires !== undefined ? { expires: input.expires } : {}),
  });
  return { token, record: await tokenView(services, record) };
}

/** Revokes one of the caller's tokens; TOKEN_NOT_FOUND when they have no token with that id. */
export async function revokeMyToken(services: Services, actor: Actor, id: number): Promise<{ revoked: number }> {
  const user = requireManager(actor);
  if (!(await services.meta.revokeToken(user.id, id))) {
    throw new WikiError('TOKEN_NOT_FOUND', `You have no access token with id ${id}.`, { id });
  }
  return { revoked: id };
}

export interface AccountExport {
  filename: string;
  /** The zip, streamed; the temporary bundles are removed when it ends or fails. */
  stream: Readable;
}

/**
 * Everything the caller owns as one zip: `<slug>.bundle` per owned wiki (`git bundle create --all`; `git clone
 * x.bundle` restores it) and `metadata.json` (account, wikis with collaborators and invitations, tokens without
 * secrets).
 */
export async function exportAccount(services: Services, actor: Actor): Promise<AccountExport> {
  const user = requireManager(actor);
  const owned = await services.meta.listWikisOwnedBy(user.id);
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-export-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const zip = new yazl.ZipFile();
    const wikis = [];
    for (const wiki of owned) {
      const repo = services.repos.open(wiki.owner, wiki.slug);
      let bundle: string | null = null;
      if (repo.head() !== null) {
        const file = join(dir, `${wiki.slug}.bundle`);
        await run('git', ['bundle', 'create', '--quiet', file, '--all'], { cwd: repo.dir });
        // Bundles are packfiles, already compressed.
        zip.addReadStream(createReadStream(file), `${wiki.slug}.bundle`, { compress: false });
        bundle = `${wiki.slug}.bundle`;
      }
      const [grants, invitations] = await Promise.all([services.meta.listGrants(wiki.id), services.meta.listInvitations(wiki.id)]);
      wikis.push({
        id: `${wiki.owner}/${wiki.slug}`,
        slug: wiki.slug,
        name: wiki.name,
        purpose: wiki.purpose,
        visibility: wiki.visibility,
        categories: wiki.categories,
        created_at: wiki.createdAt,
        head: repo.head(),
        bundle,
        collaborators: grants.map((g) => ({ username: g.username, role: g.role })),
        invitations: invitations.map((i) => ({ email: i.email, role: i.role, created_at: i.createdAt })),
      });
    }
    const tokens = [];
    for (const record of await services.meta.listTokens(user.id)) {
      const t = await tokenView(services, record);
      tokens.push({ id: t.id, name: t.name, wiki: t.wiki, scope: t.scope, created_at: t.createdAt, last_used_at: t.lastUsedAt, expires_at: t.expiresAt });
    }
    const shared = (await services.meta.listWikisForUser(user.id)).flatMap((m) => (m.role === 'owner' ? [] : [{ wiki: `${m.wiki.owner}/${m.wiki.slug}`, role: m.role }]));
    const metadata = {
      format: 'wikibot-export/1',
      exported_at: new Date().toISOString(),
      account: { username: user.username, email: user.email, name: user.name, tier: user.tier, is_admin: user.isAdmin, created_at: user.createdAt },
      wikis,
      shared_with_me: shared,
      tokens,
    };
    zip.addBuffer(Buffer.from(`${JSON.stringify(metadata, null, 2)}\n`), 'metadata.json');
    zip.end();
    const stream = zip.outputStream as Readable;
    stream.once('end', cleanup);
    stream.once('error', cleanup);
    stream.once('close', cleanup);
    const day = new Date().toISOString().slice(0, 10);
    return { filename: `wikibot-${user.username}-${day}.zip`, stream };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/**
 * Deletes the caller's account: owned wikis (repositories, indexes, metadata), roles on other wikis, tokens, sessions
 * and the user. `confirm` must be the username. Other people's wikis keep the commits the user made.
 */
export async function deleteAccount(services: Services, actor: Actor, confirm: string | undefined): Promise<{ deleted: string; wikis: string[] }> {
  const user = requireManager(actor);
  if (confirm !== user.username) {
    throw new WikiError('INVALID_INPUT', `To delete your account, send confirm: "${user.username}" (your username); nothing was deleted.`, { field: 'confirm' });
  }
  return removeAccount(services, user);
}

/** Removes a user and everything they own (the operator's path too). */
export async function removeAccount(services: Services, user: User): Promise<{ deleted: string; wikis: string[] }> {
  const owned = await services.meta.listWikisOwnedBy(user.id);
  for (const wiki of owned) await removeWiki(services, wiki);
  // The index store leaves the owner's (now empty) folder behind; the username must leave no trace on disk.
  try {
    rmdirSync(join(services.config.dataDir, 'index', user.username));
  } catch {
    // absent, or not empty (which would be another store's business)
  }
  // Foreign keys cascade: the roles on other wikis, tokens and sessions go with the user.
  await services.meta.deleteUser(user.id);
  return { deleted: user.username, wikis: owned.map((w) => `${w.owner}/${w.slug}`) };
}

async function userNamed(services: Services, username: string): Promise<User> {
  const user = await services.meta.getUserByUsername(username);
  if (!user) throw new WikiError('USER_NOT_FOUND', `There is no user "${username}".`, { username });
  return user;
}

/** Operator: moves an account to another tier. A lapsed account's wikis become read-only, never deleted. */
export async function setUserTier(services: Services, username: string, tier: string): Promise<User> {
  if (tier !== 'free' && tier !== 'premium' && tier !== 'lapsed') {
    throw new WikiError('INVALID_INPUT', `tier must be free, premium or lapsed, got "${tier}".`, { field: 'tier' });
  }
  const user = await userNamed(services, username);
  return (await services.meta.updateUser(user.id, { tier })) ?? user;
}

/** Operator: disables an account (its tokens and sessions stop working at once) or enables it again. */
export async function setUserDisabled(services: Services, username: string, disabled: boolean): Promise<User> {
  const user = await userNamed(services, username);
  return (await services.meta.updateUser(user.id, { disabled })) ?? user;
}
