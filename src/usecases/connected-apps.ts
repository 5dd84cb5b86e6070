/**
 * "Connected apps": the OAuth clients (Claude, ChatGPT, Cursor, …) a user has let into their wikis. Connecting one
 * (what the consent page offers and what it records), listing them, and revoking one, which deletes its grants with
 * every token they produced, so its next MCP call is refused.
 */
import type { Actor } from '../auth/actor.js';
import { findWikiSelection, saveWikiSelection } from '../auth/oauth/grants.js';
import { parseResource } from '../auth/oauth/provider.js';
import { tokenScopeOf } from '../auth/oauth/scopes.js';
import { WikiError } from '../errors.js';
import type { OAuthRecord, TokenScope, User } from '../meta/meta-store.js';
import type { Services } from './services.js';
import { listWikisFor, type WikiListing } from './wikis-list.js';

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

/** The consent step of an OAuth authorization, as the provider's interaction describes it. */
export interface ConsentRequest {
  /** The account the interaction's session signed in (oidc-provider keeps it as a string). */
  accountId: string | undefined;
  /** The authorization server's issuer URL, which the MCP endpoints' addresses start with. */
  issuer: string;
  /** The MCP endpoint the client asked for: `<issuer>/mcp`, or `<issuer>/<owner>/<wiki>/mcp` for one wiki. */
  resource: string;
}

/** What the consent page offers the signed-in user. */
export interface ConsentOffer {
  user: User;
  /** Every wiki the user can read for the root endpoint; only the endpoint's wiki for a wiki's own endpoint. */
  wikis: WikiListing[];
  resource: string;
}

/** The wikis a user may grant a client on the consent page; null when the session's account is unknown or disabled. */
export async function consentOffer(services: Services, request: ConsentRequest): Promise<ConsentOffer | null> {
  const accountId = Number(request.accountId);
  const user = Number.isSafeInteger(accountId) ? await services.meta.getUserById(accountId) : null;
  if (!user || user.disabled) return null;
  const all = await listWikisFor(services, { user, token: null, door: 'web' });
  const target = parseResource(request.issuer, request.resource);
  const wikis = target ? all.filter((w) => w.owner === target.owner && w.slug === target.slug) : all;
  return { user, wikis, resource: request.resource };
}

/** What the user chose on the consent page, as sent. */
export interface ConsentChoice {
  /** `owner/slug` of each wiki ticked. */
  wikis: string[];
  /** `read` or `write`; anything else is refused. */
  access: string | null;
}

export interface RecordedConsent {
  grantId: string;
  user: User;
  scope: TokenScope;
  /** `owner/slug` of each wiki the grant reaches. */
  wikis: string[];
}

/**
 * Records a consent: the chosen wikis must be among those offered (readable by the user, and the endpoint's own
 * wiki for a wiki endpoint), at least one, and the access read or write. Only then does `saveGrant` create the
 * authorization server's grant for the user's account with that scope, and the wikis it reaches are stored with it. Write access is what
 * the user allows the client; on each call it is still bounded by the user's role (a viewer's wiki stays read-only).
 * Refused with INVALID_INPUT (the message is for the consent page) or UNAUTHORIZED (the account is gone or disabled),
 * in both cases before anything is stored.
 */
export async function recordConsent(
  services: Services,
  request: ConsentRequest & { clientId: string },
  choice: ConsentChoice,
  saveGrant: (grant: { accountId: string; scope: TokenScope }) => Promise<string>,
): Promise<RecordedConsent> {
  const offer = await consentOffer(services, request);
  if (!offer) throw new WikiError('UNAUTHORIZED', 'The account of this sign-in no longer exists or is disabled.');
  const chosen = new Set(choice.wikis);
  const wikis = offer.wikis.filter((w) => chosen.has(w.id));
  if (wikis.length === 0 || wikis.length !== chosen.size) {
    const message = chosen.size === 0 ? 'Choose at least one wiki.' : 'Choose among the wikis listed.';
    throw new WikiError('INVALID_INPUT', message, { wikis: [...chosen] });
  }
  const scope = choice.access;
  if (scope !== 'read' && scope !== 'write') throw new WikiError('INVALID_INPUT', 'Choose read only, or read and write.', { access: scope });
  // A new grant each time: the choice made now is exactly what the new tokens carry.
  const accountId = String(offer.user.id);
  const grantId = await saveGrant({ accountId, scope });
  const wikiIds: number[] = [];
  for (const w of wikis) {
    const wiki = await services.meta.getWiki(w.owner, w.slug);
    if (wiki) wikiIds.push(wiki.id);
  }
  await saveWikiSelection(services.meta, grantId, accountId, request.clientId, { wikiIds });
  return { grantId, user: offer.user, scope, wikis: wikis.map((w) => w.id) };
}

/**
 * Ends the grant of a refresh token a client revokes (RFC 7009), with every token it produced; only the client the
 * token was issued to may. Returns whether a grant was ended.
 */
export async function forgetGrant(services: Services, token: { grantId: string; clientId: string }, revokingClientId: string): Promise<boolean> {
  if (token.clientId !== revokingClientId) return false;
  return (await services.meta.deleteOAuthGrant(token.grantId)) > 0;
}
