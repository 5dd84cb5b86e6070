/**
 * The one policy: `can(actor, action, wiki)` decides for every door. Roles come from the metadata store; a token can
 * only narrow what its user may do (one wiki, read only), never widen it.
 */
import type { Role, Tier, Wiki } from '../meta/meta-store.js';
import type { Actor } from './actor.js';

export type Action = 'read' | 'write' | 'upload' | 'manage' | 'delete';

const ROLE_ACTIONS: Record<Role | 'owner', readonly Action[]> = {
  owner: ['read', 'write', 'upload', 'manage', 'delete'],
  editor: ['read', 'write', 'upload'],
  viewer: ['read'],
};

export interface WikiAccess {
  wiki: Wiki;
  /** The actor's granted role on this wiki, if any (owners have none: ownership is on the wiki). */
  role: Role | null;
  /** Tier of the wiki's owner: a lapsed owner's wikis are read-only. */
  ownerTier: Tier;
}

/** Whether the actor may do `action` on the wiki. */
export function can(actor: Actor, action: Action, access: WikiAccess): boolean {
  const { wiki } = access;
  const { user, token } = actor;
  // The operator at the shell already holds the data directory; the CLI acts with full rights.
  if (actor.door === 'cli') return true;
  if (user?.disabled) return false;
  if (token) {
    if (token.wikiId !== null && token.wikiId !== wiki.id) return false;
    if (token.wikiIds && !token.wikiIds.includes(wiki.id)) return false;
    if (token.scope === 'read' && action !== 'read') return false;
  }
  if (action !== 'read' && action !== 'manage' && action !== 'delete' && access.ownerTier === 'lapsed') return false;
  if (user?.isAdmin) return true;
  const role: Role | 'owner' | null = user && user.id === wiki.ownerId ? 'owner' : access.role;
  if (role && ROLE_ACTIONS[role].includes(action)) return true;
  return action === 'read' && wiki.visibility === 'public';
}

/** Whether the wiki's existence may be revealed to the actor (otherwise answer "not found", not "forbidden"). */
export function canSee(actor: Actor, access: WikiAccess): boolean {
  return can(actor, 'read', access);
}
