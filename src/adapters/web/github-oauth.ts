/**
 * GitHub (or GitHub Enterprise Server) as a sign-in provider. GitHub is not an OpenID Connect provider — no discovery,
 * no ID token — so this is its plain OAuth 2 web flow: the authorization URL, the code exchange, and reads of the
 * user and their emails from its REST API, each request bounded by the provider's timeout. The result has the shape
 * an ID token gives, so the sign-in use case treats every provider alike: the subject is the numeric user id (a login
 * can be renamed and then taken by someone else), and an email only when GitHub lists it as primary and verified.
 */
import type { GitHubProviderConfig } from '../../config.js';
import type { OidcClaims } from '../../usecases/oidc-login.js';

/** Profile and email addresses, read-only. */
export const GITHUB_SCOPE = 'read:user user:email';

/** GitHub's REST API refuses requests without a User-Agent. */
const USER_AGENT = 'Wikibot';

/**
 * A GitHub login that could not finish. `refused`: GitHub said no (a bad or spent code, wrong client credentials, a
 * token it does not accept). `unavailable`: GitHub did not answer in time or answered with a server error. The
 * message is written for the person signing in.
 */
export class GitHubSignInError extends Error {
  constructor(
    readonly reason: 'refused' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'GitHubSignInError';
  }
}

/** Where to send the browser: GitHub's authorization page with state and a PKCE S256 challenge. */
export function githubAuthorizationUrl(provider: GitHubProviderConfig, input: { redirectUri: string; state: string; codeChallenge: string }): URL {
  const url = new URL(provider.authorizationEndpoint);
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('scope', GITHUB_SCOPE);
  url.searchParams.set('state', input.state);
  url.searchParams.set('code_challenge', input.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url;
}

/**
 * Exchanges the callback's `code` (state already checked by the caller) for an access token and reads who signed in.
 * Throws GitHubSignInError; the token is used for these two reads only and never stored.
 */
export async function githubClaims(provider: GitHubProviderConfig, input: { code: string; redirectUri: string; codeVerifier: string }): Promise<OidcClaims> {
  if (!input.code) throw new GitHubSignInError('refused', `${provider.name} sent no authorization code`);
  const token = await exchangeCode(provider, input);
  const [user, emails] = await Promise.all([apiGet(provider, token, '/user'), apiGet(provider, token, '/user/emails', true)]);
  if (!isRecord(user) || typeof user.id !== 'number' || !Number.isSafeInteger(user.id) || user.id <= 0) {
    throw new GitHubSignInError('unavailable', `${provider.name} sent a user without an id`);
  }
  const email = primaryVerifiedEmail(emails);
  return {
    subject: String(user.id),
    email,
    emailVerified: email !== null,
    preferredUsername: text(user.login),
    name: text(user.name),
  };
}

async function exchangeCode(provider: GitHubProviderConfig, input: { code: string; redirectUri: string; codeVerifier: string }): Promise<string> {
  const body = new URLSearchParams({
    client_id: provider.clientId,
    client_secret: provider.clientSecret,
    code: input.code,
    redirect_uri: input.redirectUri,
    code_verifier: input.codeVerifier,
  });
  const answer = await call(provider, provider.tokenEndpoint, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'user-agent': USER_AGENT },
    body: body.toString(),
  });
  // GitHub answers a refused exchange with HTTP 200 and an `error` field.
  if (isRecord(answer.body) && typeof answer.body.error === 'string') {
    const why = text(answer.body.error_description) ?? answer.body.error;
    throw new GitHubSignInError('refused', `${provider.name} refused the sign-in code (${answer.body.error}: ${why})`);
  }
  if (answer.status >= 400) throw failure(provider, answer.status);
  if (!isRecord(answer.body) || typeof answer.body.access_token !== 'string' || answer.body.access_token === '') {
    throw new GitHubSignInError('unavailable', `${provider.name} answered the code exchange without an access token`);
  }
  if (typeof answer.body.token_type === 'string' && answer.body.token_type.toLowerCase() !== 'bearer') {
    throw new GitHubSignInError('unavailable', `${provider.name} sent a token of an unknown type (${answer.body.token_type})`);
  }
  return answer.body.access_token;
}

/** One REST API read; `optional`: 403/404 (the email scope was not granted) reads as null instead of failing. */
async function apiGet(provider: GitHubProviderConfig, token: string, path: string, optional = false): Promise<unknown> {
  const answer = await call(provider, `${provider.apiUrl}${path}`, {
    headers: { accept: 'application/vnd.github+json', authorization: `Bearer ${token}`, 'user-agent': USER_AGENT, 'x-github-api-version': '2022-11-28' },
  });
  if (optional && (answer.status === 403 || answer.status === 404)) return null;
  if (answer.status === 401) throw new GitHubSignInError('refused', `${provider.name} did not accept the access token it had just issued`);
  if (answer.status >= 300) throw failure(provider, answer.status);
  return answer.body;
}

/** A request with the provider's timeout covering the body too; a network error, a timeout or a non-JSON body is `unavailable`. */
async function call(provider: GitHubProviderConfig, url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(provider.timeoutMs) });
    const raw = await res.text();
    if (res.status >= 500) return { status: res.status, body: null };
    try {
      return { status: res.status, body: JSON.parse(raw) as unknown };
    } catch {
      if (res.status >= 300) return { status: res.status, body: null };
      throw new GitHubSignInError('unavailable', `${provider.name} sent an answer that is not JSON`);
    }
  } catch (err) {
    if (err instanceof GitHubSignInError) throw err;
    if (err instanceof Error && err.name === 'TimeoutError') {
      throw new GitHubSignInError('unavailable', `${provider.name} did not answer within ${provider.timeoutMs / 1000} s`);
    }
    throw new GitHubSignInError('unavailable', `${provider.name} could not be reached`);
  }
}

const failure = (provider: GitHubProviderConfig, status: number) =>
  new GitHubSignInError(status >= 500 ? 'unavailable' : 'refused', `${provider.name} answered with an error (HTTP ${status})`);

/** The address GitHub marks primary and verified; any other (unverified, secondary, the public profile email) is not used. */
function primaryVerifiedEmail(emails: unknown): string | null {
  if (!Array.isArray(emails)) return null;
  for (const e of emails) {
    if (isRecord(e) && e.primary === true && e.verified === true && typeof e.email === 'string' && e.email.includes('@')) return e.email;
  }
  return null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
