/**
 * The web dashboard: `/` (a landing page for visitors, "your wikis" for a signed-in user), creating a wiki
 * (`POST /-/wikis`), one wiki's settings, collaborators and connect instructions (`/-/wikis/<owner>/<wiki>`), personal
 * access tokens (`/-/tokens`), connected apps (`/-/apps`) and one's account (`/-/account`: email and its verification,
 * changing it, the password, export, deletion). Forms only: each post is CSRF-checked and goes through
 * the management use cases, which decide who may do what (a viewer gets "not allowed", a stranger "not found").
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../auth/actor.js';
import { SignInThrottle } from '../../auth/throttle.js';
import { DEFAULT_CATEGORIES } from '../../domain/index.js';
import { isWikiError, WikiError } from '../../errors.js';
import { listConnectedApps, revokeConnectedApp } from '../../usecases/connected-apps.js';
import * as uc from '../../usecases/index.js';
import type { Services, WikiRef } from '../../usecases/index.js';
import { signUpWithEmail } from '../../usecases/email.js';
import { cancelEmailChange, describeCredentials, requestEmailChange, resendVerification, setPassword, type CredentialContext } from '../../usecases/credentials.js';
import * as av from './account-views.js';
import { listLinkedIdentities, type LinkedIdentity } from '../../usecases/oidc-login.js';
import { providersSection } from './oidc-views.js';
import * as dv from './dashboard-views.js';
import { WEB_STATUS } from './error-table.js';
import type { Html } from './html.js';
import { checkCsrf, formOf, cookie, CSRF_COOKIE, securityHeaders, SESSION_COOKIE, webContext, type WebContext } from './http.js';
import { layout } from './layout.js';

/** Sends a full HTML page in the site frame (no wiki sidebar). */
export function sendPage(reply: FastifyReply, ctx: WebContext | null, status: number, title: string, body: Html): FastifyReply {
  securityHeaders(reply).code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
  if (ctx?.newCsrfCookie) reply.header('set-cookie', `${CSRF_COOKIE}=${ctx.newCsrfCookie}; Path=/; HttpOnly; SameSite=Lax`);
  const user = ctx?.actor.user ?? null;
  return reply.send(
    layout({ title, body, wiki: null, user: user ? { username: user.username, name: user.name } : null, csrf: ctx?.csrf ?? '', here: ctx?.here ?? '/' }),
  );
}

/** Errors of these routes as an HTML page; an anonymous GET that needs a session goes to sign-in. */
export function installErrorPage(scope: FastifyInstance, services: Services): void {
  scope.setErrorHandler(async (err: unknown, request, reply) => {
    const error = isWikiError(err) ? err : new WikiError('INTERNAL', 'Internal error.');
    const status = WEB_STATUS[error.code];
    if (status >= 500) request.log.error({ err, code: error.code }, 'web request failed');
    const ctx = await webContext(services, request).catch(() => null);
    const next = encodeURIComponent(request.raw.url ?? '/');
    if (error.code === 'UNAUTHORIZED' && request.method === 'GET' && ctx && !ctx.actor.user) return reply.redirect(`/-/signin?next=${next}`, 303);
    const message = status >= 500 ? `Something went wrong on our side (request ${request.id}).` : error.message;
    return sendPage(reply, ctx, status, 'Error', dv.errorPage(status, message, ctx && !ctx.actor.user ? `/-/signin?next=${next}` : null));
  });
}

/** Throws UNAUTHORIZED for a visitor, so GETs go to the sign-in page and posts change nothing. */
function signedInUser(ctx: WebContext): NonNullable<Actor['user']> {
  if (!ctx.actor.user) throw new WikiError('UNAUTHORIZED', 'Sign in first.');
  return ctx.actor.user;
}

/** The public origin for connect instructions: WIKIBOT_BASE_URL, or what the browser used. */
function originOf(services: Services, request: FastifyRequest): string {
  return services.config.baseUrl?.replace(/\/$/, '') ?? `${request.protocol}://${request.headers.host ?? 'localhost'}`;
}

const splitCategories = (s: string | null): string[] | undefined => {
  if (s === null) return undefined;
  const list = s.split(/[,\n]/).map((c) => c.trim()).filter((c) => c !== '');
  return list;
};

/** Mistakes a user can fix in the form they just sent: shown above the form again, with the status of the error. */
const FORM_ERRORS = new Set(['USER_EXISTS', 'INVALID_INPUT', 'INVALID_PATH', 'QUOTA_EXCEEDED', 'WIKI_EXISTS', 'USER_NOT_FOUND', 'TOKEN_NOT_FOUND']);
const isFormError = (err: unknown): err is WikiError => isWikiError(err) && FORM_ERRORS.has(err.code);

/** Sign-ups allowed per address and email, and per address, in an hour. */
export const SIGNUPS_PER_EMAIL = 3;
export const SIGNUPS_PER_ADDRESS = 20;
const signUpThrottles = new WeakMap<object, SignInThrottle>();
function signUpThrottleOf(services: Services): SignInThrottle {
  let t = signUpThrottles.get(services);
  if (!t) {
    t = new SignInThrottle(SIGNUPS_PER_EMAIL, SIGNUPS_PER_ADDRESS, 3_600_000);
    signUpThrottles.set(services, t);
  }
  return t;
}

export function registerAccountRoutes(app: FastifyInstance, services: Services): void {
  void app.register((scope, _opts, done) => {
    installErrorPage(scope, services);

    const dashboard = async (request: FastifyRequest, reply: FastifyReply, ctx: WebContext, status: number, extra: { notice?: string | null; error?: string | null; form?: Record<string, string> }) => {
      const account = await uc.describeAccount(services, ctx.actor);
      const lastChange = new Map<string, { date: string; author: string } | null>();
      for (const id of [...account.wikis.map((w) => w.id), ...account.shared.map((w) => w.id)]) {
        const [owner, slug] = id.split('/') as [string, string];
        const c = (await uc.recentChanges(services, ctx.actor, { owner, slug, limit: 1 }).catch(() => []))[0];
        lastChange.set(id, c ? { date: c.date, author: c.authorName } : null);
      }
      const body = dv.dashboardView({
        account,
        lastChange,
        csrf: ctx.csrf,
        notice: extra.notice ?? null,
        error: extra.error ?? null,
        form: extra.form ?? {},
        categoriesDefault: DEFAULT_CATEGORIES.join(', '),
        unverifiedEmail: ctx.actor.user && ctx.actor.user.emailVerifiedAt === null && services.mailer ? ctx.actor.user.email : null,
      });
      return sendPage(reply, ctx, status, 'Your wikis', body);
    };

    scope.get('/', async (request, reply) => {
      const ctx = await webContext(services, request);
      if (!ctx.actor.user) return sendPage(reply, ctx, 200, 'Welcome', dv.landingView());
      const notice = (request.query as { created?: string; deleted?: string }).deleted ? 'The wiki was deleted.' : null;
      return dashboard(request, reply, ctx, 200, { notice });
    });

    scope.post('/-/wikis', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, f.get('_csrf') ?? undefined);
      const user = signedInUser(ctx);
      const visibility = f.get('visibility') === 'public' ? 'public' : 'private';
      try {
        const wiki = await uc.createWiki(services, ctx.actor, {
          owner: user.username,
          slug: (f.get('slug') ?? '').trim(),
          name: f.get('name') ?? undefined,
          purpose: f.get('purpose') ?? undefined,
          categories: splitCategories(f.get('categories')),
          visibility,
        });
        return reply.redirect(`/${wiki.owner}/${wiki.slug}/`, 303);
      } catch (err) {
        if (!isFormError(err)) throw err;
        return dashboard(request, reply, ctx, WEB_STATUS[err.code], { error: err.message, form: Object.fromEntries(f) });
      }
    });

    const settings = async (request: FastifyRequest, reply: FastifyReply, ctx: WebContext, ref: WikiRef, status: number, notice: string | null, error: string | null) => {
      // Collaborators first: only the wiki's managers may see them (a viewer gets FORBIDDEN, a stranger WIKI_NOT_FOUND).
      const collab = await uc.listCollaborators(services, ctx.actor, ref);
      const wiki = await uc.describeWiki(services, ctx.actor, ref);
      const body = dv.settingsView({
        wiki,
        collaborators: collab.collaborators,
        collaboratorUsage: collab.usage,
        csrf: ctx.csrf,
        notice,
        error,
        connect: { origin: originOf(services, request) },
      });
      return sendPage(reply, ctx, status, `Settings of ${wiki.name}`, body);
    };

    const SETTINGS_NOTICES: Record<string, string> = { saved: 'Settings saved.', added: 'Collaborator added.', role: 'Role changed.', removed: 'Collaborator removed.' };

    scope.get('/-/wikis/:owner/:wiki', async (request, reply) => {
      const ctx = await webContext(services, request);
      signedInUser(ctx);
      const { owner, wiki } = request.params as { owner: string; wiki: string };
      const key = (request.query as { done?: string }).done;
      return settings(request, reply, ctx, { owner, slug: wiki }, 200, key ? (SETTINGS_NOTICES[key] ?? null) : null, null);
    });

    scope.post('/-/wikis/:owner/:wiki', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, f.get('_csrf') ?? undefined);
      signedInUser(ctx);
      const { owner, wiki } = request.params as { owner: string; wiki: string };
      const ref = { owner, slug: wiki };
      const back = (done: string) => reply.redirect(`/-/wikis/${owner}/${wiki}?done=${done}`, 303);
      try {
        switch (f.get('op')) {
          case 'settings': {
            const v = f.get('visibility');
            await uc.updateWikiSettings(services, ctx.actor, ref, {
              name: f.get('name') ?? undefined,
              purpose: f.get('purpose') ?? undefined,
              categories: splitCategories(f.get('categories')),
              visibility: v === 'public' || v === 'private' ? v : undefined,
              homePage: f.get('home_page') ?? undefined,
              commitMessages: f.get('commit_messages') ?? undefined,
              wikilinkOrder: f.get('wikilink_order') ?? undefined,
            });
            return back('saved');
          }
          case 'add':
            await uc.addCollaborator(services, ctx.actor, ref, { user: f.get('user') ?? '', role: f.get('role') ?? '' });
            return back('added');
          case 'role':
            await uc.changeCollaboratorRole(services, ctx.actor, ref, f.get('who') ?? '', f.get('role') ?? '');
            return back('role');
          case 'remove':
            await uc.removeCollaborator(services, ctx.actor, ref, f.get('who') ?? '');
            return back('removed');
          case 'delete':
            await uc.deleteWiki(services, ctx.actor, ref, (f.get('confirm') ?? '').trim());
            return reply.redirect('/?deleted=1', 303);
          default:
            throw new WikiError('INVALID_INPUT', 'Unknown settings action.');
        }
      } catch (err) {
        if (!isFormError(err)) throw err;
        return settings(request, reply, ctx, ref, WEB_STATUS[err.code], null, err.message);
      }
    });

    const tokens = async (reply: FastifyReply, ctx: WebContext, status: number, created: string | null, notice: string | null, error: string | null) => {
      const list = await uc.listMyTokens(services, ctx.actor);
      const account = await uc.describeAccount(services, ctx.actor);
      const wikis = [...account.wikis.map((w) => w.id), ...account.shared.map((w) => w.id)];
      return sendPage(reply, ctx, status, 'Access tokens', dv.tokensView({ tokens: list, wikis, csrf: ctx.csrf, created, notice, error }));
    };

    scope.get('/-/tokens', async (request, reply) => {
      const ctx = await webContext(services, request);
      signedInUser(ctx);
      const revoked = (request.query as { revoked?: string }).revoked;
      return tokens(reply, ctx, 200, null, revoked ? 'The token was revoked.' : null, null);
    });

    scope.post('/-/tokens', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, f.get('_csrf') ?? undefined);
      signedInUser(ctx);
      try {
        const revoke = f.get('revoke');
        if (revoke !== null) {
          await uc.revokeMyToken(services, ctx.actor, /^\d+$/.test(revoke) ? Number(revoke) : -1);
          return reply.redirect('/-/tokens?revoked=1', 303);
        }
        const scopeField = f.get('scope');
        const issued = await uc.issueToken(services, ctx.actor, {
          name: f.get('name') ?? undefined,
          wiki: f.get('wiki') || null,
          scope: scopeField === 'read' || scopeField === 'write' ? scopeField : 'read',
          expires: f.get('expires') || '90d',
        });
        // Shown in this answer only (no redirect): the secret is never stored, so it cannot be shown again.
        return tokens(reply, ctx, 201, issued.token, null, null);
      } catch (err) {
        if (!isFormError(err)) throw err;
        return tokens(reply, ctx, WEB_STATUS[err.code], null, null, err.message);
      }
    });

    scope.get('/-/apps', async (request, reply) => {
      const ctx = await webContext(services, request);
      signedInUser(ctx);
      const apps = await listConnectedApps(services, ctx.actor);
      const revoked = (request.query as { revoked?: string }).revoked;
      return sendPage(reply, ctx, 200, 'Connected apps', dv.appsView(apps, ctx.csrf, revoked ? 'The app was disconnected.' : null));
    });

    scope.post('/-/apps', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, f.get('_csrf') ?? undefined);
      signedInUser(ctx);
      await revokeConnectedApp(services, ctx.actor, f.get('revoke') ?? '');
      return reply.redirect('/-/apps?revoked=1', 303);
    });

    scope.get('/-/signup', async (request, reply) => {
      const ctx = await webContext(services, request);
      if (ctx.actor.user) return reply.redirect('/', 303);
      return sendPage(reply, ctx, 200, 'Create an account', av.signupView(ctx.csrf, null, {}));
    });

    scope.post('/-/signup', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, f.get('_csrf') ?? undefined);
      const form = { username: f.get('username') ?? '', email: f.get('email') ?? '' };
      const throttle = signUpThrottleOf(services);
      const email = form.email.trim().toLowerCase();
      const wait = throttle.wait(request.ip, email);
      if (wait !== null) {
        reply.header('retry-after', String(wait));
        const message = `Too many sign-ups from here. Try again in ${Math.ceil(wait / 60)} minute(s).`;
        return sendPage(reply, ctx, 429, 'Create an account', av.signupView(ctx.csrf, message, form));
      }
      try {
        await signUpWithEmail(services, { ...form, password: f.get('password') ?? '' });
      } catch (err) {
        if (!isFormError(err)) throw err;
        return sendPage(reply, ctx, WEB_STATUS[err.code], 'Create an account', av.signupView(ctx.csrf, err.message, form));
      }
      // Accepted forms count (new email or taken alike, so the limit reveals nothing): no mass sign-up, no mail bombing.
      throttle.failed(request.ip, email);
      // The same answer whether the email was new or already had an account: sign-up tells nobody which emails exist.
      return sendPage(reply, ctx, 200, 'Check your email', av.signupDoneView());
    });

    /** The signed-in person, their session (when it began matters to accounts without a password) and address. */
    const credentialContext = async (request: FastifyRequest, ctx: WebContext): Promise<CredentialContext> => {
      const resumed = ctx.sessionSecret ? await uc.resumeSession(services, ctx.sessionSecret) : null;
      return { actor: ctx.actor, session: resumed ? { id: resumed.session.id, createdAt: resumed.session.createdAt } : null, ip: request.ip };
    };

    const accountPage = async (request: FastifyRequest, reply: FastifyReply, ctx: WebContext, status: number, notice: string | null, error: string | null, done: string | null = null) => {
      const user = signedInUser(ctx);
      const credentials = await describeCredentials(services, await credentialContext(request, ctx));
      const linked = await listLinkedIdentities(services, ctx.actor);
      const providers = providersSection({ providers: services.config.oidcProviders, linked, csrf: ctx.csrf, done });
      const reauthProviders = reauthProvidersOf(linked);
      return sendPage(
        reply,
        ctx,
        status,
        'Your account',
        av.accountView({ username: user.username, email: user.email, tier: user.tier, csrf: ctx.csrf, notice, error, credentials, providers, reauthProviders }),
      );
    };

    /** Configured providers linked to the signed-in account, in the order they were linked: ways to sign in again. */
    const reauthProvidersOf = (linked: LinkedIdentity[]) => {
      const ids = new Set(linked.map((i) => i.providerId));
      return services.config.oidcProviders.filter((p) => ids.has(p.id)).map((p) => ({ id: p.id, name: p.name }));
    };

    /** What the account page says after a change (`?done=`); the addresses are read again, never taken from the URL. */
    const accountNotice = (done: string | null, user: NonNullable<Actor['user']>): string | null => {
      switch (done) {
        case 'password':
          return 'Password changed; your other browsers were signed out.';
        case 'password-set':
          return 'Password set: you can now sign in with your username or email and this password. Your other browsers were signed out.';
        case 'verify-sent':
          return `We sent a new verification link to ${user.email}. It works once, for 24 hours; earlier links no longer work.`;
        case 'verify-no-mail':
          return 'This server has no mail set up, so no verification email was sent.';
        case 'verified':
          return `Your email ${user.email} is verified already.`;
        case 'email-sent':
          return `We sent a confirmation link to the new address. Your email changes when you follow it; until then it stays ${user.email}.`;
        case 'email-cancelled':
          return `The email change was cancelled; your email stays ${user.email}.`;
        case 'signed-in-again':
          return 'You signed in again.';
        default:
          return null;
      }
    };

    scope.get('/-/account', async (request, reply) => {
      const ctx = await webContext(services, request);
      const user = signedInUser(ctx);
      const done = (request.query as { done?: string }).done ?? null;
      return accountPage(request, reply, ctx, 200, accountNotice(done, user), null, done);
    });

    scope.get('/-/account/export', async (request, reply) => {
      const ctx = await webContext(services, request);
      signedInUser(ctx);
      const out = await uc.exportAccount(services, ctx.actor);
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${out.filename}"`)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(out.stream);
    });

    scope.post('/-/account', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, f.get('_csrf') ?? undefined);
      signedInUser(ctx);
      try {
        switch (f.get('op')) {
          case 'password': {
            const { first } = await setPassword(services, await credentialContext(request, ctx), { current: f.get('current') ?? '', password: f.get('password') ?? '' });
            return reply.redirect(`/-/account?done=${first ? 'password-set' : 'password'}`, 303);
          }
          case 'resend': {
            const { outcome } = await resendVerification(services, await credentialContext(request, ctx));
            const done = outcome === 'sent' ? 'verify-sent' : outcome === 'no-mail' ? 'verify-no-mail' : 'verified';
            return reply.redirect(`/-/account?done=${done}#email`, 303);
          }
          case 'email':
            await requestEmailChange(services, await credentialContext(request, ctx), { email: f.get('email') ?? '', current: f.get('current') ?? '' });
            return reply.redirect('/-/account?done=email-sent#email', 303);
          case 'cancel-email':
            await cancelEmailChange(services, await credentialContext(request, ctx));
            return reply.redirect('/-/account?done=email-cancelled#email', 303);
          case 'reauth': {
            // Proving it is you again means a new sign-in. Through a linked provider straight away: its callback
            // replaces this session. Otherwise (a password account) this session ends and the sign-in page returns here.
            const [provider] = reauthProvidersOf(await listLinkedIdentities(services, ctx.actor));
            if (provider) {
              return reply.redirect(`/-/oidc/${encodeURIComponent(provider.id)}/start?next=${encodeURIComponent('/-/account?done=signed-in-again')}`, 303);
            }
            if (ctx.sessionSecret) await uc.endSession(services, ctx.sessionSecret);
            reply.header('set-cookie', cookie(services, SESSION_COOKIE, '', 0));
            return reply.redirect(`/-/signin?next=${encodeURIComponent('/-/account')}`, 303);
          }
          case 'delete':
            await uc.deleteAccount(services, ctx.actor, (f.get('confirm') ?? '').trim());
            reply.header('set-cookie', cookie(services, SESSION_COOKIE, '', 0));
            return reply.redirect('/', 303);
          default:
            throw new WikiError('INVALID_INPUT', 'Unknown account action.');
        }
      } catch (err) {
        if (isWikiError(err, 'RATE_LIMITED')) {
          const retryAfter = err.data.retryAfter;
          if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
          return accountPage(request, reply, ctx, 429, null, err.message);
        }
        // A stale sign-in of an account without a password: the page shows the error next to a "Sign in again" button.
        if (isWikiError(err, 'UNAUTHORIZED') && err.data.reauthenticate === true) return accountPage(request, reply, ctx, 401, null, err.message);
        if (!isFormError(err)) throw err;
        return accountPage(request, reply, ctx, WEB_STATUS[err.code], null, err.message);
      }
    });

    done();
  });
}
