/**
 * The OAuth 2.1 authorization server's HTTP side. oidc-provider (a Koa app) answers its own endpoints — discovery
 * (`/.well-known/oauth-authorization-server`, `/.well-known/openid-configuration`), `/.well-known/jwks.json`,
 * `/oauth/authorize`, `/oauth/token`, `/oauth/register` — handed Fastify's raw request before the body is read.
 * Fastify serves the rest: the sign-in and consent pages, revocation (our JWT access tokens are not stored, so
 * revoking one ends its grant), the protected-resource metadata of the MCP endpoints (RFC 9728) and the
 * connected-apps API.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { Actor } from '../../auth/actor.js';
import { baseUrlOf, bearerToken, protectedResourceMetadata } from '../../auth/oauth/protected-resource.js';
import { OAUTH_ROUTES } from '../../auth/oauth/provider.js';
import { scopeFor, WIKI_SCOPES, WRITE_SCOPE } from '../../auth/oauth/scopes.js';
import { issuerFor, oauthServerOf } from '../../auth/oauth/server.js';
import { signInThrottleOf, tooManyAttempts } from '../../auth/throttle.js';
import { isWikiError, WikiError } from '../../errors.js';
import * as uc from '../../usecases/index.js';
import type { ConsentRequest, Services } from '../../usecases/index.js';
import { consentPage, errorPage, loginPage, PAGE_CSP, type ClientView } from './pages.js';

const CSRF_COOKIE = 'wikibot_oauth_csrf';

/** Endpoints oidc-provider answers itself (the resume URL of an interaction is `/oauth/authorize/<uid>`). */
const PROVIDER_PATHS = [
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  OAUTH_ROUTES.jwks,
  OAUTH_ROUTES.authorization,
  `${OAUTH_ROUTES.authorization}/:uid`,
  OAUTH_ROUTES.token,
  OAUTH_ROUTES.registration,
  `${OAUTH_ROUTES.registration}/:clientId`,
  OAUTH_ROUTES.userinfo,
  OAUTH_ROUTES.pushed_authorization_request,
];

function formOf(body: unknown): URLSearchParams {
  if (Buffer.isBuffer(body)) return new URLSearchParams(body.toString('utf8'));
  if (typeof body === 'string') return new URLSearchParams(body);
  return new URLSearchParams();
}

function cookieOf(request: FastifyRequest, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/**
 * oidc-provider builds its endpoint URLs from the request's host and protocol. Pin both to the issuer (the configured
 * public address), so that neither a proxy's nor a client's headers can change the URLs it announces or the
 * `Secure` flag of its cookies.
 */
function pinToIssuer(raw: FastifyRequest['raw'], issuer: string): void {
  const url = new URL(issuer);
  raw.headers.host = url.host;
  raw.headers['x-forwarded-proto'] = url.protocol.slice(0, -1);
  delete raw.headers['x-forwarded-host'];
  delete raw.headers.forwarded;
}

const sameString = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function registerOAuthRoutes(app: FastifyInstance, services: Services): void {
  const oauth = oauthServerOf(services);

  const toProvider = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const raw = request.raw;
    try {
      const issuer = issuerFor(services, request);
      const provider = await oauth.provider(issuer);
      pinToIssuer(raw, issuer);
      const url = new URL(raw.url ?? '/', 'http://localhost');
      // RFC 8414 discovery is the same document as OpenID discovery.
      if (url.pathname === '/.well-known/oauth-authorization-server') url.pathname = '/.well-known/openid-configuration';
      // A client that asks for no scope asks for what the MCP endpoints take (they advertise both in their metadata).
      if (url.pathname === OAUTH_ROUTES.authorization && raw.method === 'GET' && !url.searchParams.get('scope')) {
        url.searchParams.set('scope', WIKI_SCOPES.join(' '));
      }
      raw.url = url.pathname + url.search;
      await provider.callback()(raw, reply.raw);
    } catch (err) {
      request.log.error({ err }, 'oauth request failed');
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' });
      reply.raw.end(JSON.stringify({ error: 'server_error', error_description: `Internal error (request ${request.id}).` }));
    }
  };
  for (const url of PROVIDER_PATHS) {
    // onRequest: the provider reads the body itself, so Fastify must not have consumed it.
    app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'], url, onRequest: toProvider, handler: () => undefined });
  }

  // RFC 9728 protected-resource metadata of the MCP endpoints: root, and path-inserted for each endpoint.
  const prm = (resourcePath: (request: FastifyRequest) => string) => (request: FastifyRequest, reply: FastifyReply) =>
    reply
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=300')
      .send(protectedResourceMetadata(baseUrlOf(services, request), resourcePath(request), issuerFor(services, request)));
  app.get('/.well-known/oauth-protected-resource', prm(() => '/mcp'));
  app.get('/.well-known/oauth-protected-resource/mcp', prm(() => '/mcp'));
  app.get(
    '/.well-known/oauth-protected-resource/:owner/:wiki/mcp',
    prm((request) => {
      const p = request.params as { owner: string; wiki: string };
      return `/${p.owner}/${p.wiki}/mcp`;
    }),
  );

  // RFC 7009. Any answer but a malformed request is 200, whether or not the token was known.
  app.post(OAUTH_ROUTES.revocation, async (request, reply) => {
    const form = formOf(request.body);
    const token = form.get('token');
    void reply.header('cache-control', 'no-store');
    if (!token) return reply.code(400).send({ error: 'invalid_request', error_description: 'token is required' });
    const clientId = form.get('client_id') ?? basicClientId(request.headers.authorization);
    if (!clientId) return reply.code(401).send({ error: 'invalid_client', error_description: 'client_id is required' });
    const issuer = issuerFor(services, request);
    if (!(await oauth.revokeJwt(token, issuer, clientId))) {
      const provider = await oauth.provider(issuer);
      const refresh = await provider.RefreshToken.find(token).catch(() => undefined);
      if (refresh?.grantId && refresh.clientId) await uc.forgetGrant(services, { grantId: refresh.grantId, clientId: refresh.clientId }, clientId);
    }
    return reply.code(200).send('');
  });

  registerInteractionRoutes(app, services);

  // Connected apps, for the account behind a personal access token (or, later, a web session).
  const accountActor = async (request: FastifyRequest): Promise<Actor> => {
    const token = bearerToken(request.headers.authorization);
    if (token === null) throw new WikiError('UNAUTHORIZED', 'Send a personal access token as "Authorization: Bearer <token>".');
    return uc.authenticateToken(services, token, 'rest');
  };
  app.get('/api/v1/me/connected-apps', async (request) => {
    const apps = await uc.listConnectedApps(services, await accountActor(request));
    return {
      connected_apps: apps.map((a) => ({
        client_id: a.clientId,
        client_name: a.clientName,
        resources: a.resources,
        wikis: a.wikis,
        scope: a.scope,
        connected_at: a.connectedAt,
        expires_at: a.expiresAt,
      })),
    };
  });
  app.delete('/api/v1/me/connected-apps/:clientId', async (request) => {
    const { clientId } = request.params as { clientId: string };
    return uc.revokeConnectedApp(services, await accountActor(request), clientId);
  });
}

function basicClientId(header: string | undefined): string | null {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decodeURIComponent(decoded.slice(0, colon)) : null;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** A request parameter of an interaction as a string ('' when absent or not a string). */
const param = (details: Details, name: string): string => {
  const value: unknown = details.params[name];
  return typeof value === 'string' ? value : '';
};

function registerInteractionRoutes(app: FastifyInstance, services: Services): void {
  const oauth = oauthServerOf(services);
  const throttle = signInThrottleOf(services);
  const base = '/oauth/interaction/:uid';

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .header('cache-control', 'no-store')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .send(body);

  /** The interaction of this request; null (after answering) when it is unknown, expired or not this page's. */
  const interaction = async (request: FastifyRequest, reply: FastifyReply): Promise<{ provider: Provider; details: Details; issuer: string } | null> => {
    const issuer = issuerFor(services, request);
    const provider = await oauth.provider(issuer);
    pinToIssuer(request.raw, issuer);
    try {
      const details = await provider.interactionDetails(request.raw, reply.raw);
      if (details.uid !== (request.params as { uid: string }).uid) throw new Error('uid mismatch');
      return { provider, details, issuer };
    } catch {
      html(reply, 400, errorPage('This sign-in has expired', 'The sign-in request is unknown or too old, or cookies are blocked for this site.'));
      return null;
    }
  };

  /** A fresh CSRF token in a strict, HttpOnly cookie; the page's forms echo it. */
  const issueCsrf = (request: FastifyRequest, reply: FastifyReply): string => {
    const csrf = randomBytes(24).toString('base64url');
    const secure = issuerFor(services, request).startsWith('https:') ? '; Secure' : '';
    void reply.header('set-cookie', `${CSRF_COOKIE}=${csrf}; Path=/oauth/interaction/; HttpOnly; SameSite=Strict${secure}`);
    return csrf;
  };

  /** The form of a POST, after checking its CSRF token and, when the browser sends one, its Origin. */
  const checkedForm = (request: FastifyRequest, reply: FastifyReply): URLSearchParams | null => {
    const form = formOf(request.body);
    const sent = form.get('csrf') ?? '';
    const expected = cookieOf(request, CSRF_COOKIE) ?? '';
    const origin = request.headers.origin;
    const originOk = origin === undefined || origin === 'null' ? origin === undefined : origin === new URL(issuerFor(services, request)).origin;
    if (!expected || !sameString(sent, expected) || !originOk) {
      html(reply, 403, errorPage('Request refused', 'The form was not sent from this sign-in page (CSRF check failed). Reload it and try again.'));
      return null;
    }
    return form;
  };

  const clientView = async (provider: Provider, details: Details): Promise<ClientView> => {
    const clientId = param(details, 'client_id');
    const client = await provider.Client.find(clientId).catch(() => undefined);
    const redirect = param(details, 'redirect_uri');
    let returnsTo = redirect;
    try {
      const u = new URL(redirect);
      returnsTo = u.protocol === 'http:' || u.protocol === 'https:' ? u.host : `${u.protocol}//${u.host}`;
    } catch {
      // keep the raw value
    }
    return { name: client?.clientName ?? clientId, returnsTo };
  };

  const resourceOf = (details: Details, issuer: string): string => {
    const r: unknown = details.params.resource;
    const first: unknown = Array.isArray(r) ? (r as unknown[])[0] : r;
    return typeof first === 'string' && first ? first : `${issuer}/mcp`;
  };

  const consentRequest = (details: Details, issuer: string): ConsentRequest => ({
    accountId: details.session?.accountId,
    issuer,
    resource: resourceOf(details, issuer),
  });

  const wantsWrite = (details: Details) => param(details, 'scope').split(' ').includes(WRITE_SCOPE);

  const showConsent = async (request: FastifyRequest, reply: FastifyReply, ctx: { provider: Provider; details: Details; issuer: string }, status: number, error?: string) => {
    const offer = await uc.consentOffer(services, consentRequest(ctx.details, ctx.issuer));
    if (!offer) return html(reply, 400, errorPage('This sign-in has expired', 'Sign in again from your assistant.'));
    return html(
      reply,
      status,
      consentPage({
        uid: ctx.details.uid,
        csrf: issueCsrf(request, reply),
        client: await clientView(ctx.provider, ctx.details),
        username: offer.user.username,
        wikis: offer.wikis,
        wantsWrite: wantsWrite(ctx.details),
        resource: offer.resource,
        error,
      }),
    );
  };

  app.get(base, async (request, reply) => {
    const ctx = await interaction(request, reply);
    if (!ctx) return reply;
    if (ctx.details.prompt.name === 'login') {
      return html(reply, 200, loginPage(ctx.details.uid, issueCsrf(request, reply), await clientView(ctx.provider, ctx.details)));
    }
    return showConsent(request, reply, ctx, 200);
  });

  app.post(`${base}/login`, async (request, reply) => {
    const ctx = await interaction(request, reply);
    if (!ctx) return reply;
    const form = checkedForm(request, reply);
    if (!form) return reply;
    const login = form.get('login') ?? '';
    const wait = throttle.wait(request.ip, login);
    if (wait !== null) {
      const page = loginPage(ctx.details.uid, issueCsrf(request, reply), await clientView(ctx.provider, ctx.details), {
        login,
        error: tooManyAttempts(wait),
      });
      return html(reply.header('retry-after', String(wait)), 429, page);
    }
    let user;
    try {
      user = await uc.signIn(services, login, form.get('password') ?? '');
    } catch (err) {
      if (!isWikiError(err, 'UNAUTHORIZED')) throw err;
      throttle.failed(request.ip, login);
      const page = loginPage(ctx.details.uid, issueCsrf(request, reply), await clientView(ctx.provider, ctx.details), { login, error: err.message });
      return html(reply, 401, page);
    }
    reply.hijack();
    await ctx.provider.interactionFinished(request.raw, reply.raw, { login: { accountId: String(user.id) } }, { mergeWithLastSubmission: false });
    return reply;
  });

  app.post(`${base}/consent`, async (request, reply) => {
    const ctx = await interaction(request, reply);
    if (!ctx) return reply;
    const form = checkedForm(request, reply);
    if (!form) return reply;
    const { details, provider } = ctx;
    const expired = () => html(reply, 400, errorPage('This sign-in has expired', 'Sign in again from your assistant.'));
    if (details.prompt.name !== 'consent') return expired();
    const consent = { ...consentRequest(details, ctx.issuer), clientId: param(details, 'client_id') };
    // The provider's grant, made once the use case has accepted the choice: the scopes follow the access chosen.
    const saveGrant = async ({ accountId, scope: access }: { accountId: string; scope: 'read' | 'write' }): Promise<string> => {
      const grant = new provider.Grant({ accountId, clientId: consent.clientId });
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      const oidcScopes = (missing.missingOIDCScope ?? []).filter((sc) => access === 'write' || sc !== WRITE_SCOPE);
      if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '));
      if (access === 'read') grant.rejectOIDCScope(WRITE_SCOPE);
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      grant.addResourceScope(consent.resource, scopeFor(access === 'write'));
      // Declining write must not make the provider ask again for the scope the client requested.
      if (access === 'read') grant.rejectResourceScope(consent.resource, WRITE_SCOPE);
      return grant.save();
    };
    let grantId: string;
    try {
      ({ grantId } = await uc.recordConsent(services, consent, { wikis: form.getAll('wiki'), access: form.get('access') }, saveGrant));
    } catch (err) {
      if (isWikiError(err, 'UNAUTHORIZED')) return expired();
      if (isWikiError(err, 'INVALID_INPUT')) return showConsent(request, reply, ctx, 400, err.message);
      throw err;
    }
    reply.hijack();
    await provider.interactionFinished(request.raw, reply.raw, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return reply;
  });

  app.post(`${base}/abort`, async (request, reply) => {
    const ctx = await interaction(request, reply);
    if (!ctx) return reply;
    if (!checkedForm(request, reply)) return reply;
    reply.hijack();
    const result = { error: 'access_denied', error_description: 'The user declined to connect the app.' };
    await ctx.provider.interactionFinished(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    return reply;
  });
}

