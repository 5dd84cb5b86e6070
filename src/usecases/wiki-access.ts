/**
 * Opening a wiki for an actor: find it, apply the policy (a wiki the actor may not see is "not found"), open its
 * repository and index, and make sure the index reflects the repository before anyone reads it.
 */
import type { Actor } from '../auth/actor.js';
import { can, type Action, type WikiAccess } from '../auth/policy.js';
import { WikiError } from '../errors.js';
import type { Repo } from '../git/repo-store.js';
import type { WikiBase } from '../domain/index.js';
import type { WikiIndex } from '../index/index-store.js';
import type { Role, Wiki } from '../meta/meta-store.js';
import { catchUp } from './catch-up.js';
import type { WikiRuntime } from './runtime.js';
import type { Services } from './services.js';

export interface WikiRef {
  owner: string;
  slug: string;
}

/** An opened wiki, ready for one use case. */
export interface OpenWiki {
  services: Services;
  actor: Actor;
  wiki: Wiki;
  access: WikiAccess;
  repo: Repo;
  index: WikiIndex;
  runtime: WikiRuntime;
  /** `{ owner, wiki, linkOrder }` as the domain's link functions want it. */
  base: WikiBase;
}

/** The wiki as the domain's link functions name it, with its WikiLink order. */
export function wikiBase(wiki: Wiki): WikiBase {
  return { owner: wiki.owner, wiki: wiki.slug, linkOrder: wiki.wikilinkOrder };
}

/** Finds the wiki and checks that the actor may do `action` there; catches its index up. */
export async function openWiki(services: Services, actor: Actor, ref: WikiRef, action: Action): Promise<OpenWiki> {
  const access = await wikiAccess(services, actor, ref);
  if (!can(actor, action, access)) throw refusal(actor, action, access);
  const { wiki } = access;
  const repo = services.repos.open(wiki.owner, wiki.slug);
  const index = services.indexes.open(wiki.owner, wiki.slug);
  const runtime = services.runtimes.get(wiki.owner, wiki.slug);
  const opened: OpenWiki = { services, actor, wiki, access, repo, index, runtime, base: wikiBase(wiki) };
  await ensureIndexed(opened);
  return opened;
}

/** Loads the wiki and the actor's relation to it; a wiki the actor may not read is WIKI_NOT_FOUND. */
export async function wikiAccess(services: Services, actor: Actor, ref: WikiRef): Promise<WikiAccess> {
  const notFound = new WikiError('WIKI_NOT_FOUND', `There is no wiki ${ref.owner}/${ref.slug} that you can see.`, {
    wiki: `${ref.owner}/${ref.slug}`,
  });
  const wiki = await services.meta.getWiki(ref.owner, ref.slug);
  if (!wiki) throw notFound;
  const [role, owner] = await Promise.all([
    actor.user ? services.meta.getRole(wiki.id, actor.user.id) : Promise.resolve(null),
    actor.user?.id === wiki.ownerId ? Promise.resolve(actor.user) : services.meta.getUserById(wiki.ownerId),
  ]);
  const access: WikiAccess = { wiki, role, ownerTier: owner?.tier ?? 'free' };
  if (!can(actor, 'read', access)) throw notFound;
  return access;
}

/** How the actor stands to a wiki it can read: its owner, a collaborator's role, site admin, or only as the public. */
export function relationTo(actor: Actor, access: WikiAccess): 'owner' | 'admin' | Role | 'public' {
  if (actor.user?.id === access.wiki.ownerId) return 'owner';
  return access.role ?? (actor.user?.isAdmin ? 'admin' : 'public');
}

function refusal(actor: Actor, action: Action, access: WikiAccess): WikiError {
  const name = `${access.wiki.owner}/${access.wiki.slug}`;
  if (!actor.user) {
    return new WikiError('UNAUTHORIZED', `Sign in or send an access token to ${action} ${name}.`, { action });
  }
  if (actor.token?.scope === 'read' && action !== 'read') {
    return new WikiError('FORBIDDEN', `This token is read-only: it cannot ${action} in ${name}. Use a token with write scope.`, {
      action,
    });
  }
  if (access.ownerTier === 'lapsed' && (action === 'write' || action === 'upload')) {
    return new WikiError(
      'FORBIDDEN',
      `${name} is read-only because its owner's premium subscription has lapsed; nothing was changed.`,
      { action, reason: 'lapsed' },
    );
  }
  return new WikiError('FORBIDDEN', `You may read ${name} but not ${action} it.`, { action });
}

/** Catches the index up when the repository moved (cheap check first; the catch-up itself takes the write queue). */
export async function ensureIndexed(w: OpenWiki): Promise<void> {
  if (w.repo.head() === w.index.indexedCommit()) return;
  await w.runtime.exclusive(() => catchUp(w.repo, w.index, w.runtime, w.base));
}
