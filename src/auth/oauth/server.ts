/**
 * One process's OAuth authorization server: the oidc-provider instance per issuer (rebuilt when the signing keys
 * change, e.g. after `wikibot keys rotate` in another process), and the check of its JWT access tokens on MCP calls,
 * which turns a token into an Actor narrowed to the granted wikis and scope.
 */
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import type { Actor } from '../actor.js';
import type { Config } from '../../config.js';
import { WikiError } from '../../errors.js';
import type { MetaStore } from '../../meta/meta-store.js';
import { loadKeys, publicJwks, type SigningKeys } from './keys.js';
import { buildProvider } from './provider.js';
import { GRANT_CLAIM, tokenScopeOf, WIKIS_CLAIM } from './scopes.js';

/** Keys are re-read at most this often, or sooner when a token names an unknown `kid` (see KID_MISS_RELOAD_MS). */
const KEYS_REFRESH_MS = 30_000;
const KID_MISS_RELOAD_MS = 2_000;
const PURGE_INTERVAL_MS = 3_600_000;

/**
 * What the server needs of the process (the use cases' Services object fits): the metadata store, and a logger for
 * background failures. `log` is read at each use, so a logger installed after start-up is the one that reports.
 */
export interface OAuthServerDeps {
  readonly meta: MetaStore;
  readonly log: { warn(obj: object, msg?: string): void };
}

const looksLikeJwt = (token: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);

export class OAuthServer {
  private keys: SigningKeys | null = null;
  private keysLoadedAt = 0;
  private loading: Promise<SigningKeys> | null = null;
  private readonly providers = new Map<string, { provider: Promise<Provider>; kids: string }>();
  private purgedAt = 0;

  /** Replaces how client ID metadata documents are fetched (tests serve them without a network); set before use. */
  clientMetadataFetch: typeof globalThis.fetch | undefined = undefined;

  constructor(private readonly deps: OAuthServerDeps) {}

  /** The signing keys, re-read from the store when older than `maxAgeMs`. */
  async signingKeys(maxAgeMs = KEYS_REFRESH_MS): Promise<SigningKeys> {
    if (this.keys && Date.now() - this.keysLoadedAt < maxAgeMs) return this.keys;
    this.loading ??= loadKeys(this.deps.meta).then(
      (keys) => {
        this.keys = keys;
        this.keysLoadedAt = Date.now();
        this.loading = null;
        return keys;
      },
      (err: unknown) => {
        this.loading = null;
        throw err;
      },
    );
    return this.loading;
  }

  /** The provider for `issuer`, built on first use and again whenever the set of keys changed. */
  async provider(issuer: string): Promise<Provider> {
    const keys = await this.signingKeys();
    const kids = keys.keys.map((k) => k.kid).join(' ');
    const known = this.providers.get(issuer);
    if (known && known.kids === kids) {
      this.purgeNow();
      return known.provider;
    }
    const provider = buildProvider(this.deps.meta, { issuer, keys: keys.keys, cookieSecrets: keys.cookieSecrets, fetch: this.clientMetadataFetch });
    this.providers.set(issuer, { provider, kids });
    this.purgeNow();
    return provider;
  }

  /** Deletes expired codes, tokens, sessions and grants, at most once an hour (when a provider is built or used). */
  private purgeNow(): void {
    if (Date.now() - this.purgedAt < PURGE_INTERVAL_MS) return;
    this.purgedAt = Date.now();
    this.deps.meta.purgeOAuthRecords(new Date().toISOString()).catch((err: unknown) => this.deps.log.warn({ err }, 'purging expired OAuth records failed'));
  }

  /** Verifies a JWT of ours, reloading the keys once if it names a key this process has not seen yet. */
  private async verify(token: string, issuer: string, clockTolerance: number): Promise<JWTPayload> {
    const attempt = async (keys: SigningKeys) =>
      (await jwtVerify(token, createLocalJWKSet(publicJwks(keys.keys)), { issuer, algorithms: ['ES256'], typ: 'at+jwt', clockTolerance })).payload;
    try {
      return await attempt(await this.signingKeys());
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || Date.now() - this.keysLoadedAt < KID_MISS_RELOAD_MS) throw err;
      return attempt(await this.signingKeys(0));
    }
  }

  /**
   * The Actor behind an OAuth access token presented at the MCP endpoint `resourceUrl`; null when the token is not a
   * JWT (it may be a personal access token); UNAUTHORIZED when it is expired, revoked, forged, or for another resource.
   */
  async authenticate(token: string, issuer: string, resourceUrl: string): Promise<Actor | null> {
    if (!looksLikeJwt(token)) return null;
    let payload: JWTPayload;
    try {
      payload = await this.verify(token, issuer, 5);
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new WikiError('UNAUTHORIZED', 'The access token has expired: refresh it, or sign in again.');
      throw new WikiError('UNAUTHORIZED', 'The access token is invalid, expired or revoked.');
    }
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(resourceUrl)) {
      throw new WikiError('UNAUTHORIZED', `The access token was issued for ${audiences.join(', ')}, not for ${resourceUrl}: sign in for this address.`);
    }
    const grantId = payload[GRANT_CLAIM];
    const grant = typeof grantId === 'string' ? await this.deps.meta.findOAuthRecord('Grant', grantId) : null;
    if (!grant || (grant.expiresAt !== null && Date.parse(grant.expiresAt) <= Date.now())) {
      throw new WikiError('UNAUTHORIZED', 'The access token was revoked: sign in again.');
    }
    const id = Number(payload.sub);
    const user = Number.isSafeInteger(id) ? await this.deps.meta.getUserById(id) : null;
    if (!user || user.disabled) throw new WikiError('UNAUTHORIZED', 'The access token is invalid, expired or revoked.');
    const scope = tokenScopeOf(typeof payload.scope === 'string' ? payload.scope : undefined);
    if (scope === null) throw new WikiError('UNAUTHORIZED', 'The access token grants no wiki scope (wiki:read or wiki:write).');
    const claim = payload[WIKIS_CLAIM];
    const wikiIds = Array.isArray(claim) ? claim.filter((n): n is number => Number.isSafeInteger(n)) : [];
    return { user, token: { wikiId: wikiIds.length === 1 ? wikiIds[0]! : null, wikiIds, scope }, door: 'mcp' };
  }

  /**
   * RFC 7009 for our JWT access tokens, which oidc-provider does not store and so cannot revoke: a valid token of
   * `clientId` revokes its whole grant (refresh tokens included). True when the token was one of ours.
   */
  async revokeJwt(token: string, issuer: string, clientId: string | undefined): Promise<boolean> {
    if (!looksLikeJwt(token)) return false;
    let payload: JWTPayload;
    try {
      // An expired token may still be revoked: its grant (and refresh token) should end too.
      payload = await this.verify(token, issuer, 10 * 365 * 24 * 3600);
    } catch {
      return false;
    }
    const grantId = payload[GRANT_CLAIM];
    if (payload.client_id === clientId && typeof grantId === 'string') await this.deps.meta.deleteOAuthGrant(grantId);
    return true;
  }
}

const servers = new WeakMap<OAuthServerDeps, OAuthServer>();

/** The OAuth server of a process (one per Services), created on first use. */
export function oauthServerOf(deps: OAuthServerDeps): OAuthServer {
  let server = servers.get(deps);
  if (!server) {
    server = new OAuthServer(deps);
    servers.set(deps, server);
  }
  return server;
}

/**
 * The issuer: WIKIBOT_BASE_URL, else `http://<host>:<port>` of the listening socket (the Host header only when
 * listening on every interface, where no single address is right).
 */
export function issuerFor(services: { readonly config: Pick<Config, 'baseUrl' | 'host' | 'port'> }, request: { socket: { localPort?: number | undefined }; host: string; protocol: string }): string {
  const { baseUrl, host } = services.config;
  if (baseUrl) return baseUrl.replace(/\/+$/, '');
  if (host === '0.0.0.0' || host === '::' || host === '') return `${request.protocol}://${request.host}`;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${shown}:${request.socket.localPort ?? services.config.port}`;
}
