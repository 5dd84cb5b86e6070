/**
 * Managing wikis and who may use them: the caller's account and usage against the tier's limits, wiki settings,
 * deleting a wiki, collaborators and pending invitations. Only the owner (or a site admin) manages a wiki, and only
 * with a credential that may manage: a session, the CLI, or a token for all wikis with write scope.
 */
import { cliActor, type Actor } from '../auth/actor.js';
import { parseEmail, parseUsername } from '../auth/names.js';
import { can, type WikiAccess } from '../auth/policy.js';
import type { TierLimits } from '../config.js';
import { pagePathFromFile, tryParsePagePath } from '../domain/index.js';
import { WikiError } from '../errors.js';
import type { CommitMessagePolicy, Role, Tier, User, Visibility, Wiki, WikiLinkOrder, WikiPatch } from '../meta/meta-store.js';
import type { Services } from './services.js';
import { relinkWiki } from './wikis.js';
import { ensureIndexed, relationTo, wikiAccess, wikiBase, type OpenWiki, type WikiRef } from './wiki-access.js';

/** The limits that apply to an account of `tier` (a lapsed account falls back to the free limits). */
export function limitsOf(services: Services, tier: Tier): TierLimits {
  return tier === 'premium' ? services.config.tiers.premium : services.config.tiers.free;
}

/**
 * The signed-in user behind a management call. Tokens limited to one wiki or to reading cannot manage anything:
 * otherwise a token handed to an assistant for one wiki could mint itself a broader one.
 */
export function requireManager(actor: Actor): User {
  const user = actor.user;
  if (!user) throw new WikiError('UNAUTHORIZED', 'Sign in or send an access token to manage your account and wikis.');
  if (user.disabled) throw new WikiError('UNAUTHORIZED', 'This account is disabled.');
  // Any token narrowed to some wikis (one, or an OAuth grant's list) is a narrowed credential too.
  if (actor.token && (actor.token.wikiId !== null || 'wikiIds' in actor.token || actor.token.scope !== 'write')) {
    throw new WikiError('FORBIDDEN', 'Managing wikis, collaborators and tokens needs a token for all wikis with write scope (or a signed-in session).', {
      reason: 'token_scope',
    });
  }
  return user;
}

/** Loads a wiki the actor manages: WIKI_NOT_FOUND when they cannot see it, FORBIDDEN when they see it but do not own it. */
async function managedWiki(services: Services, actor: Actor, ref: WikiRef, action: 'manage' | 'delete' = 'manage'): Promise<WikiAccess> {
  const access = await wikiAccess(services, actor, ref);
  // The operator at the shell manages any wiki (the policy lets the CLI door do everything).
  if (actor.door !== 'cli') requireManager(actor);
  if (!can(actor, action, access)) {
    throw new WikiError('FORBIDDEN', `Only the owner of ${access.wiki.owner}/${access.wiki.slug} can ${action === 'delete' ? 'delete' : 'manage'} it.`, { action });
  }
  return access;
}

export interface WikiUsage {
  pages: { used: number; max: number };
  attachmentBytes: { used: number; max: number };
  /** Granted collaborators plus pending invitations. */
  collaborators: { used: number; max: number };
}

/** Pages, attachment bytes and collaborators of one wiki against its owner's tier. */
export async function wikiUsage(services: Services, access: WikiAccess): Promise<WikiUsage> {
  const { wiki } = access;
  const limits = limitsOf(services, access.ownerTier);
  const repo = services.repos.open(wiki.owner, wiki.slug);
  const index = services.indexes.open(wiki.owner, wiki.slug);
  const runtime = services.runtimes.get(wiki.owner, wiki.slug);
  // The page count comes from the index: catch it up first when a push moved the repository.
  const opened: OpenWiki = { services, actor: cliActor(null), wiki, access, repo, index, runtime, base: wikiBase(wiki) };
  await ensureIndexed(opened);
  const head = repo.head();
  const files = head ? await repo.listFiles(head) : [];
  const bytes = files.filter((f) => pagePathFromFile(f.path) === null).reduce((n, f) => n + f.size, 0);
  return {
    pages: { used: index.countPages(), max: limits.pagesPerWiki },
    attachmentBytes: { used: bytes, max: limits.attachmentBytesPerWiki },
    collaborators: { used: await collaboratorCount(services, wiki.id), max: limits.collaboratorsPerWiki },
  };
}

async function collaboratorCount(services: Services, wikiId: number): Promise<number> {
  const [grants, invitations] = await Promise.all([services.meta.listGrants(wikiId), services.meta.listInvitations(wikiId)]);
  return grants.length + invitations.length;
}

export interface AccountView {
  username: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
  tier: Tier;
  createdAt: string;
  limits: TierLimits;
  usage: { wikis: { used: number; max: number } };
  /** Wikis the user owns, with their usage. */
  wikis: Array<{ id: string; name: string; visibility: Visibility; usage: WikiUsage }>;
  /** Wikis shared with the user. */
  shared: Array<{ id: string; name: string; role: Role }>;
  /** Present when the account is lapsed: why its wikis are read-only. */
  notice?: string;
}

/** The caller's account: tier, limits, usage and wikis. Any authenticated credential may read it. */
export async function describeAccount(services: Services, actor: Actor): Promise<AccountView> {
  const user = actor.user;
  if (!user) throw new WikiError('UNAUTHORIZED', 'Sign in or send an access token to see your account.');
  const limits = limitsOf(services, user.tier);
  const memberships = await services.meta.listWikisForUser(user.id);
  const owned = memberships.filter((m) => m.role === 'owner').map((m) => m.wiki);
  const wikis = [];
  for (const wiki of owned) {
    wikis.push({ id: `${wiki.owner}/${wiki.slug}`, name: wiki.name, visibility: wiki.visibility, usage: await wikiUsage(services, { wiki, role: null, ownerTier: user.tier }) });
  }
  const shared = memberships.flatMap((m) => (m.role === 'owner' ? [] : [{ id: `${m.wiki.owner}/${m.wiki.slug}`, name: m.wiki.name, role: m.role }]));
  return {
    username: user.username,
    email: user.email,
    name: user.name,
    isAdmin: user.isAdmin,
    tier: user.tier,
    createdAt: user.createdAt,
    limits,
    usage: { wikis: { used: owned.length, max: limits.wikis } },
    wikis,
    shared,
    ...(user.tier === 'lapsed' ? { notice: 'Your premium subscription has lapsed: your wikis are read-only (nothing is deleted) until it is renewed.' } : {}),
  };
}

export interface WikiDetails {
  id: string;
  owner: string;
  slug: string;
  name: string;
  purpose: string;
  visibility: Visibility;
  categories: string[];
  createdAt: string;
  /** The page the wiki's root address shows. */
  homePage: string;
  commitMessages: CommitMessagePolicy;
  wikilinkOrder: WikiLinkOrder;
  role: 'owner' | 'admin' | Role | 'public';
  ownerTier: Tier;
  /** Only for those who manage the wiki. */
  usage?: WikiUsage;
}

/** One wiki's settings (and usage, for its managers); WIKI_NOT_FOUND when the actor cannot see it. */
export async function describeWiki(services: Services, actor: Actor, ref: WikiRef): Promise<WikiDetails> {
  const access = await wikiAccess(services, actor, ref);
  const { wiki } = access;
  const role = relationTo(actor, access);
  const details: WikiDetails = {
    id: `${wiki.owner}/${wiki.slug}`,
    owner: wiki.owner,
    slug: wiki.slug,
    name: wiki.name,
    purpose: wiki.purpose,
    visibility: wiki.visibility,
    categories: wiki.categories,
    createdAt: wiki.createdAt,
    homePage: wiki.homePage,
    commitMessages: wiki.commitMessages,
    wikilinkOrder: wiki.wikilinkOrder,
    role,
    ownerTier: access.ownerTier,
  };
  if (can(actor, 'manage', access)) details.usage = await wikiUsage(services, access);
  return details;
}

const CATEGORY = /^[\p{L}\p{N}][\p{L}\p{N} _-]{0,39}$/u;

/** Validates a category set: 1–50 distinct names of 1–40 letters, digits, spaces, `_` or `-`. */
export function parseCategories(input: readonly string[]): string[] {
  if (input.length === 0 || input.length > 50) {
    throw new WikiError('INVALID_INPUT', `A wiki needs between 1 and 50 categories, got ${input.length}.`, { field: 'categories' });
  }
  const seen = new Set<string>();
  return input.map((raw) => {
    const c = raw.trim();
    if (!CATEGORY.test(c)) {
      throw new WikiError('INVALID_INPUT', `Invalid category "${raw}": use 1 to 40 letters, digits, spaces, "_" or "-".`, { field: 'categories' });
    }
    if (seen.has(c.toLowerCase())) throw new WikiError('INVALID_INPUT', `The category "${c}" is listed twice.`, { field: 'categories' });
    seen.add(c.toLowerCase());
    return c;
  });
}

export interface WikiSettingsInput {
  name?: string | undefined;
  purpose?: string | undefined;
  visibility?: Visibility | undefined;
  categories?: string[] | undefined;
  /** A page path (it need not exist yet). */
  homePage?: string | undefined;
  commitMessages?: string | undefined;
  wikilinkOrder?: string | undefined;
}

export const COMMIT_MESSAGE_POLICIES: readonly CommitMessagePolicy[] = ['optional', 'required', 'disabled'];
export const WIKILINK_ORDERS: readonly WikiLinkOrder[] = ['page-text', 'text-page'];

function oneOf<T extends string>(value: string, allowed: readonly T[], field: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw new WikiError('INVALID_INPUT', `${field} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}. Nothing was changed.`, { field, allowed: [...allowed] });
  }
  return found;
}

/**
 * Validates settings as given by a caller (trimmed name of 1–100 characters, purpose up to 2,000, a valid page path
 * as home page, a known commit-message policy and WikiLink order). Throws before anything is stored.
 */
export function parseWikiSettings(input: WikiSettingsInput): WikiPatch {
  const patch: WikiPatch = {};
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (!name || name.length > 100) throw new WikiError('INVALID_INPUT', 'The wiki name must have 1 to 100 characters.', { field: 'name' });
    patch.name = name;
  }
  if (input.purpose !== undefined) {
    const purpose = input.purpose.trim();
    if (purpose.length > 2000) throw new WikiError('INVALID_INPUT', 'The purpose must have at most 2,000 characters.', { field: 'purpose' });
    patch.purpose = purpose;
  }
  if (input.visibility !== undefined) {
    if (input.visibility !== 'public' && input.visibility !== 'private') {
      throw new WikiError('INVALID_INPUT', 'visibility must be public or private.', { field: 'visibility' });
    }
    patch.visibility = input.visibility;
  }
  if (input.categories !== undefined) patch.categories = parseCategories(input.categories);
  if (input.homePage !== undefined) {
    const home = tryParsePagePath(input.homePage.trim().replace(/^\/+/, ''));
    if (home === null) {
      throw new WikiError('INVALID_INPUT', `home_page must be a page path such as "Home" or "Projects/Start"; got ${JSON.stringify(input.homePage)}. Nothing was changed.`, { field: 'home_page' });
    }
    patch.homePage = home;
  }
  if (input.commitMessages !== undefined) patch.commitMessages = oneOf(input.commitMessages, COMMIT_MESSAGE_POLICIES, 'commit_messages');
  if (input.wikilinkOrder !== undefined) patch.wikilinkOrder = oneOf(input.wikilinkOrder, WIKILINK_ORDERS, 'wikilink_order');
  return patch;
}

/**
 * Changes a wiki's display name, purpose, visibility, categories, home page, commit-message policy or WikiLink order
 * (owner or admin). A new WikiLink order re-reads every page's links (backlinks, orphans and broken links follow it).
 */
export async function updateWikiSettings(services: Services, actor: Actor, ref: WikiRef, input: WikiSettingsInput): Promise<WikiDetails> {
  const access = await managedWiki(services, actor, ref);
  const patch = parseWikiSettings(input);
  const updated = await services.meta.updateWiki(access.wiki.id, patch);
  if (updated && updated.wikilinkOrder !== access.wiki.wikilinkOrder) await relinkWiki(services, updated);
  return describeWiki(services, actor, ref);
}

/**
 * Deletes a wiki: its metadata (grants, invitations, tokens scoped to it), its repository and its index. `confirm`
 * must be the wiki's address `owner/slug`, so nothing is deleted by a slip.
 */
export async function deleteWiki(services: Services, actor: Actor, ref: WikiRef, confirm: string | undefined): Promise<{ deleted: string }> {
  const access = await managedWiki(services, actor, ref, 'delete');
  const name = `${access.wiki.owner}/${access.wiki.slug}`;
  if (confirm !== name) {
    throw new WikiError('INVALID_INPUT', `To delete this wiki, send confirm: "${name}" (its address); nothing was deleted.`, { field: 'confirm' });
  }
  await removeWiki(services, access.wiki);
  return { deleted: name };
}

/** Removes a wiki's metadata first (so no request finds it any more), then its repository and index. */
export async function removeWiki(services: Services, wiki: Wiki): Promise<void> {
  const runtime = services.runtimes.get(wiki.owner, wiki.slug);
  await runtime.exclusive(async () => {
    await services.meta.deleteWiki(wiki.id);
    if (services.repos.exists(wiki.owner, wiki.slug)) await services.repos.delete(wiki.owner, wiki.slug);
    services.indexes.delete(wiki.owner, wiki.slug);
  });
  services.runtimes.forget(wiki.owner, wiki.slug);
}

export interface Collaborator {
  username: string | null;
  email: string | null;
  role: Role;
  /** `active`: has an account and the role; `invited`: an email waiting for its owner to create an account. */
  status: 'active' | 'invited';
}

/** The wiki's collaborators and pending invitations (owner or admin). */
export async function listCollaborators(services: Services, actor: Actor, ref: WikiRef): Promise<{ collaborators: Collaborator[]; usage: { used: number; max: number } }> {
  const access = await managedWiki(services, actor, ref);
  return collaboratorsOf(services, access);
}

async function collaboratorsOf(services: Services, access: WikiAccess): Promise<{ collaborators: Collaborator[]; usage: { used: number; max: number } }> {
  const [grants, invitations] = await Promise.all([services.meta.listGrants(access.wiki.id), services.meta.listInvitations(access.wiki.id)]);
  const collaborators: Collaborator[] = [
    ...grants.map((g): Collaborator => ({ username: g.username, email: null, role: g.role, status: 'active' })),
    ...invitations.map((i): Collaborator => ({ username: null, email: i.email, role: i.role, status: 'invited' })),
  ];
  return { collaborators, usage: { used: collaborators.length, max: limitsOf(services, access.ownerTier).collaboratorsPerWiki } };
}

function parseRole(role: string): Role {
  if (role !== 'viewer' && role !== 'editor') throw new WikiError('INVALID_INPUT', `role must be viewer or editor, got "${role}".`, { field: 'role' });
  return role;
}

export interface AddCollaboratorInput {
  /** A username, or an email (with or without an account). */
  user: string;
  role: string;
}

/**
 * Gives a person a role on the wiki. A username or the email of an account gets the role at once; an email without
 * an account becomes a pending invitation, accepted when that person creates an account. Adding someone who is
 * already a collaborator changes their role. Counts against the tier's collaborators per wiki.
 */
export async function addCollaborator(services: Services, actor: Actor, ref: WikiRef, input: AddCollaboratorInput): Promise<Collaborator> {
  const access = await managedWiki(services, actor, ref);
  const role = parseRole(input.role);
  const who = input.user.trim();
  const isEmail = who.includes('@');
  const target = isEmail ? await services.meta.getUserByEmail(parseEmail(who)) : await services.meta.getUserByUsername(parseUsername(who.toLowerCase()));
  if (!target && !isEmail) throw new WikiError('USER_NOT_FOUND', `There is no user "${who}"; invite them by email instead.`, { username: who });
  if (target && target.id === access.wiki.ownerId) {
    throw new WikiError('INVALID_INPUT', `${target.username} owns ${access.wiki.owner}/${access.wiki.slug} already.`, { field: 'user' });
  }
  const existing = target ? await services.meta.getRole(access.wiki.id, target.id) : (await services.meta.listInvitations(access.wiki.id)).find((i) => i.email.toLowerCase() === who.toLowerCase());
  if (!existing) await checkCollaboratorQuota(services, access);
  if (target) {
    await services.meta.setRole(access.wiki.id, target.id, role);
    return { username: target.username, email: null, role, status: 'active' };
  }
  const invitation = await services.meta.putInvitation(access.wiki.id, parseEmail(who), role);
  return { username: null, email: invitation.email, role, status: 'invited' };
}

async function checkCollaboratorQuota(services: Services, access: WikiAccess): Promise<void> {
  const max = limitsOf(services, access.ownerTier).collaboratorsPerWiki;
  const used = await collaboratorCount(services, access.wiki.id);
  if (used >= max) {
    throw new WikiError(
      'QUOTA_EXCEEDED',
      `${access.wiki.owner}/${access.wiki.slug} has ${used} collaborator(s) (invitations included), the limit of its owner's tier (${max}).`,
      { limit: 'collaborators_per_wiki', usage: used, max },
    );
  }
}

/** Changes a collaborator's role (by username) or a pending invitation's (by email). */
export async function changeCollaboratorRole(services: Services, actor: Actor, ref: WikiRef, who: string, role: string): Promise<Collaborator> {
  const access = await managedWiki(services, actor, ref);
  const newRole = parseRole(role);
  if (who.includes('@')) {
    const pending = (await services.meta.listInvitations(access.wiki.id)).find((i) => i.email.toLowerCase() === who.toLowerCase());
    if (!pending) throw notCollaborator(access, who);
    const invitation = await services.meta.putInvitation(access.wiki.id, pending.email, newRole);
    return { username: null, email: invitation.email, role: newRole, status: 'invited' };
  }
  const target = await services.meta.getUserByUsername(who);
  if (!target || !(await services.meta.getRole(access.wiki.id, target.id))) throw notCollaborator(access, who);
  await services.meta.setRole(access.wiki.id, target.id, newRole);
  return { username: target.username, email: null, role: newRole, status: 'active' };
}

/** Takes a collaborator's role away (by username), or withdraws an invitation (by email). */
export async function removeCollaborator(services: Services, actor: Actor, ref: WikiRef, who: string): Promise<{ removed: string }> {
  const access = await managedWiki(services, actor, ref);
  if (who.includes('@')) {
    if (!(await services.meta.deleteInvitation(access.wiki.id, who))) throw notCollaborator(access, who);
    return { removed: who };
  }
  const target = await services.meta.getUserByUsername(who);
  if (!target || !(await services.meta.getRole(access.wiki.id, target.id))) throw notCollaborator(access, who);
  await services.meta.removeRole(access.wiki.id, target.id);
  return { removed: target.username };
}

function notCollaborator(access: WikiAccess, who: string): WikiError {
  return new WikiError('USER_NOT_FOUND', `"${who}" is not a collaborator of ${access.wiki.owner}/${access.wiki.slug}.`, { user: who });
}

/**
 * Turns the invitations addressed to the user's email into roles. Account creation calls it. Invitations already
 * count against the wiki's collaborator limit, so accepting one never exceeds it.
 */
export async function acceptInvitations(services: Services, user: User): Promise<Array<{ wiki: string; role: Role }>> {
  const accepted: Array<{ wiki: string; role: Role }> = [];
  for (const invitation of await services.meta.listInvitationsForEmail(user.email)) {
    const wiki = await services.meta.getWikiById(invitation.wikiId);
    if (!wiki) continue;
    if (wiki.ownerId !== user.id && !(await services.meta.getRole(wiki.id, user.id))) {
      await services.meta.setRole(wiki.id, user.id, invitation.role);
      accepted.push({ wiki: `${wiki.owner}/${wiki.slug}`, role: invitation.role });
    }
    await services.meta.deleteInvitation(wiki.id, invitation.email);
  }
  return accepted;
}
