/**
 * The mailed-link pages: `/-/forgot` (ask for a reset link; one answer whether or not an account matched, throttled
 * per address and per account), `/-/reset?token=` (choose a new password), `/-/verify?token=` (confirm an email; a
 * link that no longer works offers a new one) and `/-/email-change?token=` (confirm a new email for the account).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SignInThrottle } from '../../auth/throttle.js';
import { isWikiError } from '../../errors.js';
import { confirmEmailChange } from '../../usecases/credentials.js';
import { verifyEmail } from '../../usecases/email.js';
import type { Services } from '../../usecases/index.js';
import { requestPasswordReset, resetPassword } from '../../usecases/password-reset.js';
import { installErrorPage, sendPage } from './account-routes.js';
import * as ev from './email-views.js';
import { WEB_STATUS } from './error-table.js';
import { checkCsrf, formOf, webContext } from './http.js';

/** Reset requests allowed per address and account, and per address, in an hour: enough for a typo, not for mail bombing. */
export const RESET_PER_ACCOUNT = 3;
export const RESET_PER_ADDRESS = 20;
const RESET_WINDOW_MS = 3_600_000;

const throttles = new WeakMap<object, SignInThrottle>();
function resetThrottleOf(services: Services): SignInThrottle {
  let t = throttles.get(services);
  if (!t) {
    t = new SignInThrottle(RESET_PER_ACCOUNT, RESET_PER_ADDRESS, RESET_WINDOW_MS);
    throttles.set(services, t);
  }
  return t;
}

const tokenOf = (value: unknown): string => (typeof value === 'string' ? value : '');

export function registerEmailRoutes(app: FastifyInstance, services: Services): void {
  void app.register((scope, _opts, done) => {
    installErrorPage(scope, services);

    // Pages opened from a mailed link: the header's sign-in link must not carry the token along in its `next=`.
    const linkContext = async (request: FastifyRequest) => ({ ...(await webContext(services, request)), here: '/-/account' });

    scope.get('/-/forgot', async (request, reply) => {
      const ctx = await webContext(services, request);
      return sendPage(reply, ctx, 200, 'Forgot your password?', ev.forgotView(ctx.csrf, null, ''));
    });

    scope.post('/-/forgot', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, f.get('_csrf') ?? undefined);
      const login = (f.get('login') ?? '').trim();
      const throttle = resetThrottleOf(services);
      const wait = throttle.wait(request.ip, login);
      if (wait !== null) {
        reply.header('retry-after', String(wait));
        const message = `Too many reset requests. Try again in ${Math.ceil(wait / 60)} minute(s).`;
        return sendPage(reply, ctx, 429, 'Forgot your password?', ev.forgotView(ctx.csrf, message, login));
      }
      // Every request counts, found or not: the limit is on mail sent to one person and on one address's guessing.
      throttle.failed(request.ip, login);
      await requestPasswordReset(services, login);
      return sendPage(reply, ctx, 200, 'Check your email', ev.forgotDoneView());
    });

    scope.get('/-/reset', async (request, reply) => {
      const ctx = await linkContext(request);
      const token = tokenOf((request.query as { token?: unknown }).token);
      // The link is not used up by opening it (mail scanners open links); only by setting the password.
      return sendPage(reply, ctx, 200, 'Choose a new password', ev.resetView(ctx.csrf, token, null));
    });

    scope.post('/-/reset', async (request, reply) => {
      const ctx = await webContext(services, request);
      const f = formOf(request);
      checkCsrf(request, ctx, f.get('_csrf') ?? undefined);
      const token = f.get('token') ?? '';
      try {
        await resetPassword(services, token, f.get('password') ?? '');
      } catch (err) {
        if (!isWikiError(err, 'INVALID_INPUT')) throw err;
        if (err.data.field === 'token') {
          return sendPage(reply, ctx, 400, 'Link expired', ev.linkFailedView('This link does not work', err.message, { href: '/-/forgot', text: 'Ask for a new link' }));
        }
        return sendPage(reply, ctx, WEB_STATUS[err.code], 'Choose a new password', ev.resetView(ctx.csrf, token, err.message));
      }
      return sendPage(reply, ctx, 200, 'Password changed', ev.resetDoneView());
    });

    scope.get('/-/verify', async (request, reply) => {
      const ctx = await linkContext(request);
      try {
        const { accepted } = await verifyEmail(services, tokenOf((request.query as { token?: unknown }).token));
        return sendPage(reply, ctx, 200, 'Email confirmed', ev.verifiedView(accepted));
      } catch (err) {
        if (!isWikiError(err, 'INVALID_INPUT')) throw err;
        const user = ctx.actor.user;
        const viewer = user ? { csrf: ctx.csrf, email: user.email, verified: user.emailVerifiedAt !== null } : null;
        return sendPage(reply, ctx, 400, 'Link expired', ev.verifyFailedView(err.message, viewer));
      }
    });

    // Like /-/verify, following the link is the confirmation: it reached the new address, which is what it proves.
    scope.get('/-/email-change', async (request, reply) => {
      const ctx = await linkContext(request);
      try {
        const { user, previous, accepted } = await confirmEmailChange(services, tokenOf((request.query as { token?: unknown }).token));
        return sendPage(reply, ctx, 200, 'Email changed', ev.emailChangedView(user.email, previous, accepted));
      } catch (err) {
        if (!isWikiError(err, 'INVALID_INPUT')) throw err;
        return sendPage(reply, ctx, 400, 'Link expired', ev.emailChangeFailedView(err.message, ctx.actor.user !== null));
      }
    });

    done();
  });
}
