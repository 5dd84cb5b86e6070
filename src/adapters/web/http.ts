/**
 * The web adapter's request plumbing: cookies, the signed-in actor from the session cookie, CSRF tokens for forms,
 * security headers and safe `next=` redirects. No business rules: who may do what is decided by the use cases.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { anonymous, type Actor } from '../../auth/actor.js';
import { WikiError } from '../../errors.js';
import * as uc from '../../usecases/index.js';
import type { Services } from '../../usecases/index.js';

export const SESSION_COOKIE = 'wb_session';
export const CSRF_COOKIE = 'wb_csrf';

/** Who is asking and what their forms must carry. */
export interface WebContext {
  actor: Actor;
  /** The session cookie's secret, when signed in. */
  sessionSecret: string | null;
  /** The token every state-changing form and fetch must send back (`_csrf` field or `x-csrf-token` header). */
  csrf: string;
  /** A fresh anonymous CSRF cookie to set on the response, if the browser had none. */
  newCsrfCookie: string | null;
  /** Path and query of this request, for `next=` links. */
  here: string;
}

/** Form fields of a urlencoded (or JSON) body (the app parses every non-JSON body as a buffer). */
export function formOf(request: FastifyRequest): URLSearchParams {
  const body = request.body;
  if (Buffer.isBuffer(body)) return new URLSearchParams(body.toString('utf8'));
  if (body && typeof body === 'object') {
    const out = new URLSearchParams();
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string') out.set(k, v);
    return out;
  }
  return new URLSearchParams();
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!out.has(name)) {
      try {
        out.set(name, decodeURIComponent(value));
      } catch {
        out.set(name, value);
      }
    }
  }
  return out;
}

/** Resolves the web actor from the session cookie (anonymous without a valid one) and the CSRF token to expect. */
export async function webContext(services: Services, request: FastifyRequest): Promise<WebContext> {
  const cookies = parseCookies(request.headers.cookie);
  const secret = cookies.get(SESSION_COOKIE) ?? null;
  const here = request.raw.url ?? '/';
  if (secret) {
    const resumed = await uc.resumeSession(services, secret);
    if (resumed) return { actor: resumed.actor, sessionSecret: secret, csrf: uc.sessionCsrfToken(secret), newCsrfCookie: null, here };
  }
  // Anonymous forms (sign-in) use a double-submit cookie: a random value in a cookie and the same value in the form.
  const existing = cookies.get(CSRF_COOKIE);
  const valid = existing !== undefined && /^[A-Za-z0-9_-]{32,64}$/.test(existing);
  const csrf = valid ? existing : randomBytes(24).toString('base64url');
  return { actor: anonymous('web'), sessionSecret: null, csrf, newCsrfCookie: valid ? null : csrf, here };
}

/** Refuses a state-changing request whose CSRF token does not match, or whose Origin is another site. */
export function checkCsrf(request: FastifyRequest, ctx: WebContext, sent: string | undefined): void {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    const host = request.headers.host ?? '';
    let originHost = '';
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = '';
    }
    if (originHost !== host) throw new WikiError('FORBIDDEN', 'This form was sent from another site; nothing was changed.', { csrf: true });
  }
  const given = sent ?? (request.headers['x-csrf-token'] as string | undefined) ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(ctx.csrf);
  if (ctx.newCsrfCookie !== null || a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new WikiError('FORBIDDEN', 'The form expired or did not come from this site (CSRF check failed); reload the page and try again.', {
      csrf: true,
    });
  }
}

export function isSecure(services: Services): boolean {
  return (services.config.baseUrl ?? '').startsWith('https:');
}

export function cookie(services: Services, name: string, value: string, maxAgeSeconds: number | null): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (maxAgeSeconds !== null) parts.push(`Max-Age=${maxAgeSeconds}`);
  if (isSecure(services)) parts.push('Secure');
  return parts.join('; ');
}

/**
 * Sets the headers every HTML answer carries. `styleNonce` lets the editor add its own style elements (CodeMirror
 * writes its theme at run time), `styleAttributes` inline style attributes (math); scripts are only ever our own files.
 */
export function securityHeaders(reply: FastifyReply, styleNonce: string | null = null, styleAttributes = false): FastifyReply {
  // KaTeX positions glyphs with inline `style` attributes; pages with math allow those (only attributes, never style
  // elements), and the sanitizers let through only numeric lengths and colours on them.
  const style = (styleNonce ? `style-src 'self' 'nonce-${styleNonce}'` : "style-src 'self'") + (styleAttributes ? "; style-src-attr 'unsafe-inline'" : '');
  return reply
    .header(
      'content-security-policy',
      `default-src 'self'; script-src 'self'; ${style}; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'`,
    )
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'SAMEORIGIN')
    .header('referrer-policy', 'same-origin');
}

/** `next=` only ever points inside this site: a path starting with one `/`, no scheme, no backslash tricks. */
export function safeNext(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || next.length > 2048) return fallback;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  // Backslashes (browsers read them as slashes) and control characters (stripped by browsers, so `/\t/evil`) are out.
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return fallback;
  return next;
}

/** Encodes a page path for a URL: segments percent-encoded, spaces as `_`. */
export function pageHref(owner: string, wiki: string, path: string, suffix = ''): string {
  const encoded = path
    .replace(/ /g, '_')
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
  return `/${owner}/${wiki}/${encoded}${suffix}`;
}

/** `/<owner>/<wiki>/-/<action>[/<Page>]` */
export function actionHref(owner: string, wiki: string, action: string, path?: string, query = ''): string {
  const tail = path === undefined ? '' : '/' + path.replace(/ /g, '_').split('/').map((s) => encodeURIComponent(s)).join('/');
  return `/${owner}/${wiki}/-/${action}${tail}${query}`;
}
