/**
 * Sign-in with identity providers: OpenID Connect (openid-client) and GitHub's OAuth 2 (github-oauth). `GET
 * /-/oidc/<id>/start` sends the browser to the provider with an authorization-code request (PKCE S256, state, and a
 * nonce for OpenID Connect), `GET /-/oidc/<id>/callback` checks the answer and hands the verified claims to the use
 * case, `POST /-/oidc/<id>/unlink` unlinks a provider account. Only the two steps that talk to the provider differ
 * by kind (a Protocol); the flow, the checks and what a login leads to are the same for every provider. The state,
 * nonce and PKCE verifier of a login in progress live in a short-lived HttpOnly cookie of this browser, so any node
 * can finish a login another started, and a callback URL replayed in another browser finds no matching cookie.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import type { OidcProviderConfig, OpenIdProviderConfig } from '../../config.js';
import { isWikiError, WikiError } from '../../errors.js';
import type { Services } from '../../usecases/index.js';
import * as uc from '../../usecases/index.js';
import { completeOidcLogin, providerOf, unlinkIdentity, type OidcClaims } from '../../usecases/oidc-login.js';
import { openSession } from '../../usecases/sessions.js';
import { installErrorPage, sendPage } from './account-routes.js';
import { WEB_STATUS } from './error-table.js';
import { githubAuthorizationUrl, githubClaims, GitHubSignInError } from './github-oauth.js';
import { checkCsrf, formOf, cookie, isSecure, parseCookies, safeNext, SESSION_COOKIE, webContext } from './http.js';
import * as ov from './oidc-views.js';

const FLOW_COOKIE = 'wb_oidc';
const FLOW_PATH = '/-/oidc/';
/** How long a browser may spend at the provider before the login must start again. */
const FLOW_MAX_AGE_S = 600;

/** One login in progress, kept in the browser's FLOW_COOKIE. */
interface Flow {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  /** Epoch ms after which the flow is refused even if the cookie survived. */
  expires: number;
}

/** Discovery documents per provider, fetched once per process; a failed fetch is retried on the next login. */
const discovered = new WeakMap<Services, Map<string, Promise<oidc.Configuration>>>();

function configurationOf(services: Services, provider: OpenIdProviderConfig): Promise<oidc.Configuration> {
  let cache = discovered.get(services);
  if (!cache) discovered.set(services, (cache = new Map<string, Promise<oidc.Configuration>>()));
  let found = cache.get(provider.id);
  if (!found) {
    found = discover(provider);
    cache.set(provider.id, found);
    found.catch(() => cache.delete(provider.id));
  }
  return found;
}

async function discover(provider: OpenIdProviderConfig): Promise<oidc.Configuration> {
  // Config allows http issuers only on loopback (a local provider); openid-client refuses http unless told.
  const insecure = new URL(provider.issuer).protocol === 'http:';
  const options = insecure ? { execute: [oidc.allowInsecureRequests] } : undefined;
  const config = await oidc.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, options);
  // The spec's default client authentication is client_secret_basic; use post only where the provider offers it.
  const methods = config.serverMetadata().token_endpoint_auth_methods_supported;
  if (methods && !methods.includes('client_secret_post')) {
    const basic = new oidc.Configuration(config.serverMetadata(), provider.clientId, provider.clientSecret, oidc.ClientSecretBasic(provider.clientSecret));
    if (insecure) oidc.allowInsecureRequests(basic);
    return basic;
  }
  return config;
}

/** The two steps that talk to the provider; everything around them is shared by every kind. */
interface Protocol {
  /** Where to send the browser; throws when the provider cannot be reached. */
  authorizationUrl(flow: Flow, redirectUri: string, codeChallenge: string): Promise<URL>;
  /** Who signed in, from the callback URL whose state matched the flow; throws when the answer fails its checks. */
  claims(callback: URL, flow: Flow, redirectUri: string): Promise<OidcClaims>;
}

const openIdProtocol = (services: Services, provider: OpenIdProviderConfig): Protocol => ({
  async authorizationUrl(flow, redirectUri, codeChallenge) {
    return oidc.buildAuthorizationUrl(await configurationOf(services, provider), {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      response_type: 'code',
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
  },
  async claims(callback, flow) {
    const tokens = await oidc.authorizationCodeGrant(await configurationOf(services, provider), callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    const idToken = tokens.claims();
    if (!idToken) throw new Error('no ID token');
    return {
      subject: idToken.sub,
      email: text(idToken.email),
      emailVerified: idToken.email_verified === true,
      preferredUsername: text(idToken.preferred_username),
      name: text(idToken.name),
    };
  },
});

function protocolOf(services: Services, provider: OidcProviderConfig): Protocol {
  if (provider.type === 'oidc') return openIdProtocol(services, provider);
  return {
    authorizationUrl: (flow, redirectUri, codeChallenge) => Promise.resolve(githubAuthorizationUrl(provider, { redirectUri, state: flow.state, codeChallenge })),
    claims: (callback, flow, redirectUri) => githubClaims(provider, { code: callback.searchParams.get('code') ?? '', redirectUri, codeVerifier: flow.verifier }),
  };
}

function originOf(services: Services, request: FastifyRequest): string {
  return services.config.baseUrl?.replace(/\/$/, '') ?? `${request.protocol}://${request.headers.host ?? 'localhost'}`;
}

const callbackUrl = (services: Services, request: FastifyRequest, id: string) => `${originOf(services, request)}/-/oidc/${id}/callback`;

function flowCookie(services: Services, value: string, maxAge: number): string {
  const parts = [`${FLOW_COOKIE}=${value}`, `Path=${FLOW_PATH}`, 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAge}`];
  if (isSecure(services)) parts.push('Secure');
  return parts.join('; ');
}

function readFlow(request: FastifyRequest): Flow | null {
  const raw = parseCookies(request.headers.cookie).get(FLOW_COOKIE);
  if (!raw || raw.length > 4096) return null;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flow>;
    if (typeof v.provider !== 'string' || typeof v.state !== 'string' || typeof v.nonce !== 'string' || typeof v.verifier !== 'string') return null;
    if (typeof v.next !== 'string' || typeof v.expires !== 'number') return null;
    return v as Flow;
  } catch {
    return null;
  }
}

/**
 * Where a sign-in through a known provider account lands: the page asked for. The account page's "Link" buttons ask
 * for the bare account page; for an account that was linked already, that page says so.
 */
function afterSignIn(kind: 'signed-in' | 'already-linked', next: string): string {
  return kind === 'already-linked' && next === '/-/account' ? '/-/account?done=already-linked#sign-in-providers' : next;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

export function registerOidcRoutes(app: FastifyInstance, services: Services): void {
  if (services.config.oidcProviders.length === 0) return;
  void app.register((scope, _opts, done) => {
    installErrorPage(scope, services);

    const failed = async (request: FastifyRequest, reply: FastifyReply, provider: OidcProviderConfig, status: number, message: string) => {
      // `here` feeds the header's sign-in link: never the callback address, whose code is spent.
      const ctx = { ...(await webContext(services, request)), here: '/' };
      reply.header('set-cookie', flowCookie(services, '', 0));
      return sendPage(reply, ctx, status, 'Sign-in failed', ov.failedView(provider.name, message));
    };

    scope.get('/-/oidc/:id/start', async (request, reply) => {
      const provider = providerOf(services, (request.params as { id: string }).id);
      const next = safeNext((request.query as { next?: string }).next);
      const flow: Flow = {
        provider: provider.id,
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
        next,
        expires: Date.now() + FLOW_MAX_AGE_S * 1000,
      };
      let target: URL;
      try {
        target = await protocolOf(services, provider).authorizationUrl(flow, callbackUrl(services, request, provider.id), await oidc.calculatePKCECodeChallenge(flow.verifier));
      } catch (err) {
        request.log.warn({ err, provider: provider.id }, 'sign-in provider unreachable');
        return failed(request, reply, provider, 502, `${provider.name} could not be reached; try again later.`);
      }
      reply.header('set-cookie', flowCookie(services, Buffer.from(JSON.stringify(flow)).toString('base64url'), FLOW_MAX_AGE_S));
      reply.header('cache-control', 'no-store');
      return reply.redirect(target.href, 303);
    });

    scope.get('/-/oidc/:id/callback', async (request, reply) => {
      const provider = providerOf(services, (request.params as { id: string }).id);
      const query = request.query as Record<string, unknown>;
      const flow = readFlow(request);
      if (typeof query.error === 'string') {
        const why = text(query.error_description) ?? query.error;
        return failed(request, reply, provider, 401, `${provider.name} did not sign you in (${why}); nothing was changed.`);
      }
      if (!flow || flow.provider !== provider.id || flow.expires < Date.now()) {
        return failed(request, reply, provider, 400, 'This sign-in expired or was started in another browser; nothing was changed. Start again from the sign-in page.');
      }
      const checksFailed = `The answer from ${provider.name} did not pass its checks (state, nonce or code); nothing was changed. Start again from the sign-in page.`;
      if (query.state !== flow.state) return failed(request, reply, provider, 401, checksFailed);
      let claims: OidcClaims;
      try {
        const current = new URL(`${originOf(services, request)}${request.raw.url ?? ''}`);
        claims = await protocolOf(services, provider).claims(current, flow, callbackUrl(services, request, provider.id));
      } catch (err) {
        request.log.warn({ err, provider: provider.id }, 'sign-in provider callback refused');
        if (!(err instanceof GitHubSignInError)) return failed(request, reply, provider, 401, checksFailed);
        const advice = err.reason === 'unavailable' ? 'try again later' : 'start again from the sign-in page';
        return failed(request, reply, provider, err.reason === 'unavailable' ? 502 : 401, `${err.message}; nothing was changed, ${advice}.`);
      }
      const ctx = { ...(await webContext(services, request)), here: '/' };
      let outcome;
      try {
        outcome = await completeOidcLogin(services, ctx.actor, provider.id, claims);
      } catch (err) {
        if (!isWikiError(err) || WEB_STATUS[err.code] >= 500) throw err;
        return failed(request, reply, provider, WEB_STATUS[err.code], err.message);
      }
      const cookies = [flowCookie(services, '', 0)];
      switch (outcome.kind) {
        case 'email-taken':
          reply.header('set-cookie', cookies);
          return sendPage(reply, ctx, 409, 'Sign in with your password first', ov.emailTakenView(provider.name, outcome.email));
        case 'linked':
          reply.header('set-cookie', cookies);
          return reply.redirect('/-/account?done=linked#sign-in-providers', 303);
        case 'already-linked':
        case 'signed-in':
        case 'created': {
          // Signing in again while signed in (already-linked) is a fresh sign-in too: a new session replaces the old
          // one, so that "signed in within ten minutes" (credentials) counts from now.
          const started = await openSession(services, outcome.user, String(request.headers['user-agent'] ?? ''));
          if (ctx.sessionSecret) await uc.endSession(services, ctx.sessionSecret);
          cookies.push(cookie(services, SESSION_COOKIE, started.secret, Math.floor(uc.SESSION_IDLE_MS / 1000)));
          reply.header('set-cookie', cookies);
          return reply.redirect(outcome.kind === 'created' ? '/' : afterSignIn(outcome.kind, flow.next), 303);
        }
      }
    });

    scope.post('/-/oidc/:id/unlink', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, f.get('_csrf') ?? undefined);
      if (!ctx.actor.user) throw new WikiError('UNAUTHORIZED', 'Sign in first.');
      await unlinkIdentity(services, ctx.actor, (request.params as { id: string }).id, f.get('subject') ?? '');
      return reply.redirect('/-/account?done=unlinked#sign-in-providers', 303);
    });

    done();
  });
}
