/**
 * The oidc-provider configuration of Wikibot's OAuth 2.1 authorization server for MCP clients: authorization code
 * with PKCE S256 only, dynamic registration of public clients, client ID metadata documents, RFC 8707 resource
 * indicators giving ES256 JWT access tokens whose audience is the MCP URL, rotating refresh tokens with a sliding
 * lifetime, revocation. Sign-in and consent are Wikibot's own pages (src/adapters/oauth), reached by `interactions.url`.
 */
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { MetaStore } from '../../meta/meta-store.js';
import { MetaStoreAdapter } from './adapter.js';
import { findWikiSelection } from './grants.js';
import { ACCESS_TOKEN_TTL_S } from './keys.js';
import { GRANT_CLAIM, WIKI_SCOPES, WIKIS_CLAIM } from './scopes.js';

const DAY = 24 * 3600;
/** A refresh token lives this long after its last use: a client used at least monthly stays connected. */
export const REFRESH_TOKEN_TTL_S = 60 * DAY;
/** A consent lasts at most this long; then the user is asked again. */
export const GRANT_TTL_S = 2 * 365 * DAY;

/** Where the provider's endpoints live, relative to the issuer. */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  userinfo: '/oauth/userinfo',
  jwks: '/.well-known/jwks.json',
  end_session: '/oauth/logout',
  pushed_authorization_request: '/oauth/par',
  introspection: '/oauth/introspect',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
} as const;

/** The interaction (sign-in / consent) pages: `/oauth/interaction/<uid>`. */
export const interactionPath = (uid: string): string => `/oauth/interaction/${uid}`;

/**
 * Which MCP endpoint a resource indicator names: `<issuer>/mcp` (null: every granted wiki) or
 * `<issuer>/<owner>/<wiki>/mcp`; undefined when it is none of ours.
 */
export function parseResource(issuer: string, resource: string): { owner: string; slug: string } | null | undefined {
  if (!resource.startsWith(`${issuer}/`)) return undefined;
  const rest = resource.slice(issuer.length);
  if (rest === '/mcp') return null;
  const m = /^\/([a-z0-9][a-z0-9-]*[a-z0-9])\/([a-z0-9][a-z0-9-]*[a-z0-9])\/mcp$/.exec(rest);
  return m ? { owner: m[1]!, slug: m[2]! } : undefined;
}

export interface ProviderOptions {
  issuer: string;
  keys: JWK[];
  cookieSecrets: string[];
  /** How client ID metadata documents are fetched (default: global fetch behind oidc-provider's SSRF guard). */
  fetch?: typeof globalThis.fetch | undefined;
}

/**
 * Builds the provider. oidc-provider is loaded on first use, not at start-up: CLI commands never load it, and its
 * notice that it prefers Node.js 22 appears once, in the server.
 */
export async function buildProvider(meta: MetaStore, { issuer, keys, cookieSecrets, fetch }: ProviderOptions): Promise<Provider> {
  const { default: OidcProvider, errors } = await import('oidc-provider');
  const configuration: Configuration = {
    adapter: (name: string) => new MetaStoreAdapter(meta, name),
    clients: [],
    jwks: { keys },
    cookies: {
      keys: cookieSecrets,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    async findAccount(_ctx, sub) {
      const id = Number(sub);
      const user = Number.isSafeInteger(id) ? await meta.getUserById(id) : null;
      if (!user || user.disabled) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, preferred_username: user.username, name: user.name ?? user.username, email: user.email }),
      };
    },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'], email: ['email'] },
    // The wiki scopes are listed here too so that dynamic registration accepts clients that register them.
    scopes: ['openid', 'offline_access', 'profile', 'email', ...WIKI_SCOPES],
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientDefaults: {
      // Native unless a client says otherwise: https redirects (claude.ai), custom schemes (cursor://) and
      // loopback http on any port (local clients) are accepted, plain http elsewhere is not (OAuth 2.1).
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'ES256',
    },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'], requestObjectSigningAlgValues: ['ES256', 'RS256', 'EdDSA'] },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: false },
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
      resourceIndicators: {
        enabled: true,
        // A client that names no resource gets the all-wikis endpoint, the one claude.ai uses.
        defaultResource: () => `${issuer}/mcp`,
        useGrantedResource: () => true,
        async getResourceServerInfo(_ctx, resourceIndicator) {
          const target = parseResource(issuer, resourceIndicator);
          if (target === undefined) throw new errors.InvalidTarget(`${resourceIndicator} is not an MCP endpoint of ${issuer}`);
          if (target !== null && !(await meta.getWiki(target.owner, target.slug))) {
            throw new errors.InvalidTarget(`there is no wiki at ${resourceIndicator}`);
          }
          return {
            scope: WIKI_SCOPES.join(' '),
            audience: resourceIndicator,
            accessTokenTTL: ACCESS_TOKEN_TTL_S,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    async extraTokenClaims(_ctx, token) {
      if (token.kind !== 'AccessToken' || !token.grantId) return undefined;
      const selection = await findWikiSelection(meta, token.grantId);
      return { [WIKIS_CLAIM]: selection?.wikiIds ?? [], [GRANT_CLAIM]: token.grantId };
    },
    // Every client allowed the refresh_token grant gets one; MCP clients rarely ask for offline_access.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    expiresWithSession: () => false,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_S,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * DAY,
      Grant: GRANT_TTL_S,
      RefreshToken: REFRESH_TOKEN_TTL_S,
    },
    routes: OAUTH_ROUTES,
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid) },
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const consented = ctx.oidc.result?.consent?.grantId;
      if (consented) return ctx.oidc.provider.Grant.find(consented);
      // Reuse an earlier consent only for the same resource: a grant for one wiki's endpoint says nothing of another.
      const grantId = ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      if (!grantId) return undefined;
      const grant = await ctx.oidc.provider.Grant.find(grantId);
      const resource = ctx.oidc.params?.resource;
      if (!grant || (typeof resource === 'string' && !grant.resources?.[resource])) return undefined;
      return grant;
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><h1>Sign-in could not continue</h1><p><strong>${esc(out.error)}</strong>: ${esc(out.error_description ?? '')}</p><p>Start again from your assistant.</p></body></html>`;
      return Promise.resolve();
    },
  };
  if (fetch) configuration.fetch = fetch;
  const provider = new OidcProvider(issuer, configuration);
  // The adapter pins Host and X-Forwarded-Proto to the issuer on every request it hands over (pinToIssuer), so the
  // provider may read them: redirects, announced URLs and Secure cookies follow the configured public address.
  provider.proxy = true;
  return provider;
}
