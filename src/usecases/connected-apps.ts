/**
 * "Connected apps": the OAuth clients (Claude, ChatGPT, Cursor, …) a user has let into their wikis, and revoking one,
 * which deletes its grants with every token they produced, so its next MCP call is refused.
 */
import type { Actor } from '../auth/actor.js';
import { findWikiSelection } from '../auth/oauth/grants.js';
import { tokenScopeOf } from '../auth/oauth/scopes.js';
import { WikiError } from '../errors.js';
import type { OAuthRecord, TokenScope, User } from '../meta/meta-store.js';
import type { Services } from './services.js';

export interface ConnectedApp {
  clientId: string;
  /** The name the client registered (or its client ID when it gave none). */
  clientName: string;
  /** The MCP endpoints it may call. */
  resources: string[];
  /** `owner/slug` of each wiki it reaches. */
  wikis: string[];
  scope: TokenScope;
  /** When the user first consented (ISO). */
  connectedAt: string;
  /** When the consent lapses unless renewed (ISO). */
  expiresAt: string | null;
}

/** Only the account itself manages its connections: a signed-in user, or a personal access token for all wikis that may write. */
function requireAccount(actor: Actor): User {
  const user = actor.user;
  if (!user) throw new WikiError('UNAUTHORIZED', 'Sign in, or send a personal access token, to manage connected apps.');
  if (actor.token && (actor.token.wikiId !== null || actor.token.wikiIds || actor.token.scope !== 'write')) {
    throw new WikiError('FORBIDDEN', 'Managing connected apps needs a personal access token for all wikis with write scope.');
  }
  return user;
}

const isLive = (r: OAuthRecord, now: number) => r.expiresAt === null || Date.parse(r.expiresAt) > now;

interface GrantPayload {
  iat?: number;
  resources?: Record<string, string>;
}

/** The clients holding a live grant of the actor's account, by client ID. */
export async function listConnectedApps(services: Services, actor: Actor): Promise<ConnectedApp[]> {
  const user = requireAccount(actor);
  const now = Date.now();
  const grants = (await services.meta.listOAuthRecords('Grant', String(user.id))).filter((g) => isLive(g, now) && g.clientId !== null);
  const byClient = new Map<string, OAuthRecord[]>();
  for (const g of grants) byClient.set(g.clientId!, [...(byClient.get(g.clientId!) ?? []), g]);
  const apps: ConnectedApp[] = [];
  for (const [clientId, list] of byClient) {
    const client = await services.meta.findOAuthRecord('Client', clientId);
    const name = client ? (JSON.parse(client.payload) as { client_name?: unknown }).client_name : undefined;
    const resources = new Set<string>();
    const wikiIds = new Set<number>();
    let scope: TokenScope = 'read';
    let first = Infinity;
    let last: string | null = null;
    for (const g of list) {
      const payload = JSON.parse(g.payload) as GrantPayload;
      for (const [resource, granted] of Object.entries(payload.resources ?? {})) {
        resources.add(resource);
        if (tokenScopeOf(granted) === 'write') scope = 'write';
      }
      for (const id of (await findWikiSelection(services.meta, g.id))?.wikiIds ?? []) wikiIds.add(id);
      if (typeof payload.iat === 'number') first = Math.min(first, payload.iat);
      if (g.expiresAt !== null && (last === null || g.expiresAt > last)) last = g.expiresAt;
    }
    const wikis: string[] = [];
    for (const id of wikiIds) {
      const wiki = await services.meta.getWikiById(id);
      if (wiki) wikis.push(`${wiki.owner}/${wiki.slug}`);
    }
    apps.push({
      clientId,
      clientName: typeof name === 'string' && name.trim() ? name.trim() : clientId,
      resources: [...resources].sort(),
      wikis: wikis.sort(),
      scope,
      connectedAt: new Date((Number.isFinite(first) ? first : 0) * 1000).toISOString(),
      expiresAt: last,
    });
  }
  return apps.sort((a, b) => a.clientName.localeCompare(b.clientName) || a.clientId.localeCompare(b.clientId));
}

/** Revokes every grant the actor's account gave `clientId`: its access and refresh tokens stop working at once. */
export async function revokeConnectedApp(services: Services, actor: Actor, clientId: string): Promise<{ revoked: string; grants: number }> {
  const user = requireAccount(actor);
  const grants = (await services.meta.listOAuthRecords('Grant', String(user.id))).filter((g) => g.clientId === clientId);
  if (grants.length === 0) throw new WikiError('TOKEN_NOT_FOUND', `No connected app has the client ID "${clientId}".`, { client_id: clientId });
  for (const g of grants) await services.meta.deleteOAuthGrant(g.id);
  return { revoked: clientId, grants: grants.length };
}
