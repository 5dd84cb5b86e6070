/**
 * The wikis an actor can read, with what they may do in each: what an assistant sees first when one connection
 * reaches several wikis (MCP `list_wikis`, and any door that offers a wiki picker).
 */
import type { Actor } from '../auth/actor.js';
import { can, type WikiAccess } from '../auth/policy.js';
import type { Role, Tier, Wiki } from '../meta/meta-store.js';
import type { Services } from './services.js';
import { relationTo, wikiAccess, type WikiRef } from './wiki-access.js';

export interface WikiListing {
  /** `owner/slug`, the way tools name the wiki. */
  id: string;
  owner: string;
  slug: string;
  name: string;
  purpose: string;
  visibility: Wiki['visibility'];
  /** The page the wiki's root shows, where a reader starts (`Home` unless its owner chose another). */
  homePage: string;
  /** Whether writes there need a commit message (`required`), may have one, or always get the default (`disabled`). */
  commitMessages: Wiki['commitMessages'];
  /** How the actor relates to the wiki (`admin`: site admin without a role; `public`: a public wiki, no role). */
  role: Role | 'owner' | 'admin' | 'public';
  /** Whether the actor may write pages there right now (false for read tokens, viewers and lapsed wikis). */
  canWrite: boolean;
  /** Why the actor cannot write (a read-only token, a viewer role, the owner's lapsed subscription); null when they can. */
  readOnlyReason: 'token' | 'role' | 'lapsed' | null;
}

/**
 * The wikis the actor can read, ordered by owner, then slug: owned and granted ones, narrowed by a token limited to
 * one wiki. Anonymous actors get none (public wikis are found by address, not listed).
 */
export async function listWikisFor(services: Services, actor: Actor): Promise<WikiListing[]> {
  const user = actor.user;
  if (!user || user.disabled) return [];
  let candidates: Array<{ wiki: Wiki; role: Role | 'owner' | null }>;
  const limited = actor.token?.wikiIds ?? (actor.token?.wikiId != null ? [actor.token.wikiId] : null);
  if (limited) {
    candidates = [];
    for (const id of limited) {
      const wiki = await services.meta.getWikiById(id);
      if (!wiki) continue;
      const role = wiki.ownerId === user.id ? 'owner' : await services.meta.getRole(wiki.id, user.id);
      candidates.push({ wiki, role });
    }
    candidates.sort((a, b) => a.wiki.owner.localeCompare(b.wiki.owner) || a.wiki.slug.localeCompare(b.wiki.slug));
  } else if (user.isAdmin) {
    const mine = new Map((await services.meta.listWikisForUser(user.id)).map((m) => [m.wiki.id, m.role]));
    candidates = (await services.meta.listWikis()).map((wiki) => ({ wiki, role: mine.get(wiki.id) ?? null }));
  } else {
    candidates = await services.meta.listWikisForUser(user.id);
  }
  const tiers = new Map<number, Tier>([[user.id, user.tier]]);
  for (const { wiki } of candidates) {
    if (!tiers.has(wiki.ownerId)) tiers.set(wiki.ownerId, (await services.meta.getUserById(wiki.ownerId))?.tier ?? 'free');
  }
  const listings: WikiListing[] = [];
  for (const { wiki, role } of candidates) {
    const access: WikiAccess = { wiki, role: role === 'owner' ? null : role, ownerTier: tiers.get(wiki.ownerId) ?? 'free' };
    if (can(actor, 'read', access)) listings.push(listingOf(actor, access));
  }
  return listings;
}

/** One wiki as `listWikisFor` shows it (also a public wiki the actor has no role on); WIKI_NOT_FOUND when unreadable. */
export async function describeWikiFor(services: Services, actor: Actor, ref: WikiRef): Promise<WikiListing> {
  return listingOf(actor, await wikiAccess(services, actor, ref));
}

function listingOf(actor: Actor, access: WikiAccess): WikiListing {
  const { wiki } = access;
  const canWrite = can(actor, 'write', access);
  let readOnlyReason: WikiListing['readOnlyReason'] = null;
  if (!canWrite) {
    if (actor.token?.scope === 'read') readOnlyReason = 'token';
    else if (access.ownerTier === 'lapsed') readOnlyReason = 'lapsed';
    else readOnlyReason = 'role';
  }
  const role = relationTo(actor, access);
  return {
    id: `${wiki.owner}/${wiki.slug}`,
    owner: wiki.owner,
    slug: wiki.slug,
    name: wiki.name,
    purpose: wiki.purpose,
    visibility: wiki.visibility,
    homePage: wiki.homePage,
    commitMessages: wiki.commitMessages,
    role,
    canWrite,
    readOnlyReason,
  };
}
