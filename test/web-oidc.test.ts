/**
 * Sign-in with OpenID Connect against two real local identity providers (oidc-provider on 127.0.0.1 with its
 * development login and consent pages), driven over HTTP like a browser: sign-up through a provider, signing in
 * again, linking a second provider, the unlink rules, refused state/nonce/replayed callbacks, and that a provider
 * account carrying the email of an existing account never opens it.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Provider from 'oidc-provider';
import * as uc from '../src/usecases/index.js';
import { startServer, uniqueName, type TestServer } from './harness.js';
import { backdateSession } from './session-age.js';
import { signedIn, WebClient, type WebResponse } from './web-support.js';

interface IdpAccount {
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
  name?: string;
}

/** A local identity provider: its server listens first (the issuer must be known), the provider is made later. */
class TestIdp {
  readonly accounts = new Map<string, IdpAccount>();
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  private constructor(
    readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(): Promise<TestIdp> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const idp = new TestIdp(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (idp.handler) idp.handler(req, res);
      else res.writeHead(503).end();
    });
    return idp;
  }

  /** Registers the one client (wikibot) with its redirect URI. */
  configure(clientId: string, clientSecret: string, redirectUri: string): void {
    const provider = new Provider(this.issuer, {
      clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' }],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name'] },
      findAccount: (_ctx, sub) => {
        const account = this.accounts.get(sub);
        return account ? { accountId: sub, claims: () => ({ sub, ...account }) } : undefined;
      },
      cookies: { keys: ['test-idp-cookie-key'] },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
      features: { devInteractions: { enabled: true } },
      // Claims go in the ID token, as Google and Keycloak put them there.
      conformIdTokenClaims: false,
    });
    const callback = provider.callback();
    this.handler = (req, res) => void callback(req, res);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const CLIENT_ID = 'wikibot';
const CLIENT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

let h: TestServer;
let alpha: TestIdp;
let beta: TestIdp;

before(async () => {
  alpha = await TestIdp.start();
  beta = await TestIdp.start();
  const providers = [
    { id: 'alpha', name: 'Alpha ID', issuer: alpha.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
    { id: 'beta', name: 'Beta SSO', issuer: beta.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
  ];
  h = await startServer({ env: { WIKIBOT_OIDC_PROVIDERS: JSON.stringify(providers) } });
  alpha.configure(CLIENT_ID, CLIENT_SECRET, `${h.url}/-/oidc/alpha/callback`);
  beta.configure(CLIENT_ID, CLIENT_SECRET, `${h.url}/-/oidc/beta/callback`);
});
after(async () => {
  await h.close();
  await alpha.close();
  await beta.close();
});

/** The browser's side at the provider: its own cookies, following redirects and filling the dev login and consent forms. */
async function atProvider(start: string, subject: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = start;
  let form: URLSearchParams | null = null;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(h.url)) return url;
    const headers: Record<string, string> = {};
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method: form ? 'POST' : 'GET', headers, redirect: 'manual', ...(form ? { body: form.toString() } : {}) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(pair!.slice(0, eq));
      else jar.set(pair!.slice(0, eq), value);
    }
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      form = null;
      continue;
    }
    const text = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(text)?.[1];
    assert.ok(res.status === 200 && action, `stuck at the provider: ${res.status} ${url}\n${text.slice(0, 500)}`);
    form = new URLSearchParams();
    for (const m of text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) form.set(m[1]!, m[2]!);
    if (/name="login"/.test(text)) {
      form.set('login', subject);
      form.set('password', 'any');
    }
    url = new URL(action, url).href;
  }
  throw new Error('too many steps at the provider');
}

/** Starts a provider login in `client`, signs in at the provider as `subject`, and returns wikibot's answer to the callback. */
async function loginWith(client: WebClient, provider: 'alpha' | 'beta', subject: string, next = '/'): Promise<WebResponse> {
  const start = await client.get(`/-/oidc/${provider}/start?next=${encodeURIComponent(next)}`);
  assert.equal(start.status, 303, start.text);
  assert.ok(start.location?.startsWith(provider === 'alpha' ? alpha.issuer : beta.issuer), String(start.location));
  const callback = await atProvider(start.location!, subject);
  return client.get(callback.slice(h.url.length));
}

/** A provider account with a fresh subject and email. */
function person(idp: TestIdp, extra: IdpAccount = {}) {
  const name = uniqueName('oidc');
  const subject = `sub-${name}`;
  const account = { email: `${name}@idp.test`, email_verified: true, preferred_username: name, ...extra };
  idp.accounts.set(subject, account);
  return { subject, name, email: account.email };
}

const userCount = () => h.services.meta.countUsers();

void describe('OpenID Connect sign-in', () => {
  void it('the sign-in page shows one button per provider; an unknown provider is a clear error', async () => {
    const c = new WebClient(h);
    const page = await c.get('/-/signin?next=%2Fx');
    assert.equal(page.status, 200);
    assert.match(page.text, /href="\/-\/oidc\/alpha\/start\?next=%2Fx">Sign in with Alpha ID</);
    assert.match(page.text, /href="\/-\/oidc\/beta\/start\?next=%2Fx">Sign in with Beta SSO</);
    const bad = await c.get('/-/oidc/gamma/start');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /There is no sign-in provider &quot;gamma&quot;/);
  });

  void it('a new provider account signs up (no password, email from the token), then signs in again as the same account', async () => {
    const p = person(alpha);
    const before = await userCount();
    const c = new WebClient(h);
    const res = await loginWith(c, 'alpha', p.subject);
    assert.equal(res.status, 303, res.text);
    assert.equal(res.location, '/');
    assert.ok(c.cookies.has('wb_session'));
    const user = await h.services.meta.getUserByUsername(p.name);
    assert.ok(user);
    assert.equal(user.email, p.email);
    assert.equal(user.passwordHash, null);
    assert.ok(user.emailVerifiedAt, 'the provider vouched for the email');
    assert.equal(await userCount(), before + 1);
    assert.deepEqual(
      (await h.services.meta.listIdentities(user.id)).map((i) => [i.providerId, i.subject]),
      [['alpha', p.subject]],
    );
    const dashboard = await c.get('/');
    assert.match(dashboard.text, new RegExp(p.name));

    // Another browser, the same provider account: the same wikibot account, to the page asked for.
    const again = new WebClient(h);
    const res2 = await loginWith(again, 'alpha', p.subject, '/-/account');
    assert.equal(res2.status, 303);
    assert.equal(res2.location, '/-/account');
    assert.equal(await userCount(), before + 1);
    const account = await again.get('/-/account');
    assert.match(account.text, new RegExp(`<strong>${p.name}</strong>`));
    assert.match(account.text, /<strong>Alpha ID<\/strong>/);
  });

  void it('a username from the provider is made valid and unique', async () => {
    const taken = uniqueName('taken');
    await signedIn(h, taken);
    const p = person(alpha, { preferred_username: taken });
    const c = new WebClient(h);
    assert.equal((await loginWith(c, 'alpha', p.subject)).status, 303);
    assert.ok(await h.services.meta.getUserByUsername(`${taken}-2`));
    const q = person(alpha, { preferred_username: `  Jöhn.Q_${p.name.toUpperCase()}!!` });
    assert.equal((await loginWith(new WebClient(h), 'alpha', q.subject)).status, 303);
    const made = await h.services.meta.getUserByEmail(q.email);
    assert.equal(made?.username, `jo-hn-q-${p.name}`);
  });

  void it('a signed-in user links a second provider and can then sign in with either', async () => {
    const p = person(alpha);
    const c = new WebClient(h);
    assert.equal((await loginWith(c, 'alpha', p.subject)).status, 303);
    const q = person(beta, { email: `other-${p.email}` });
    const before = await userCount();
    const linked = await loginWith(c, 'beta', q.subject, '/-/account');
    assert.equal(linked.status, 303, linked.text);
    assert.equal(linked.location, '/-/account?done=linked#sign-in-providers');
    assert.equal(await userCount(), before);
    const page = await c.get('/-/account?done=linked');
    assert.match(page.text, /The provider account is linked/);
    assert.match(page.text, /<strong>Alpha ID<\/strong>/);
    assert.match(page.text, /<strong>Beta SSO<\/strong> · other-/);

    const again = await loginWith(c, 'alpha', p.subject, '/-/account');
    assert.equal(again.location, '/-/account?done=already-linked#sign-in-providers');
    assert.match((await c.get(again.location)).text, /That provider account was already linked to yours/);
    assert.equal((await h.services.meta.listIdentities((await h.services.meta.getUserByEmail(p.email))!.id)).length, 2);

    const other = new WebClient(h);
    assert.equal((await loginWith(other, 'beta', q.subject)).status, 303);
    assert.match((await other.get('/-/account')).text, new RegExp(`<strong>${p.name}</strong>`));
  });

  void it('an unverified email creates an account without verifying it; no email, or a disabled account, signs nobody in', async () => {
    const p = person(alpha, { email_verified: false });
    assert.equal((await loginWith(new WebClient(h), 'alpha', p.subject)).status, 303);
    const user = (await h.services.meta.getUserByEmail(p.email))!;
    assert.equal(user.emailVerifiedAt, null);

    await h.services.meta.updateUser(user.id, { disabled: true });
    const disabled = new WebClient(h);
    const res = await loginWith(disabled, 'alpha', p.subject);
    assert.equal(res.status, 401);
    assert.match(res.text, /This account cannot sign in/);
    assert.ok(!disabled.cookies.has('wb_session'));

    const subject = `sub-${uniqueName('noemail')}`;
    alpha.accounts.set(subject, { preferred_username: 'nomail' });
    const before = await userCount();
    const c = new WebClient(h);
    const noEmail = await loginWith(c, 'alpha', subject);
    assert.equal(noEmail.status, 400);
    assert.match(noEmail.text, /did not share an email address/);
    assert.ok(!c.cookies.has('wb_session'));
    assert.equal(await userCount(), before);
    assert.equal(await h.services.meta.findIdentity('alpha', subject), null);
  });

  void it('linking a provider account that belongs to someone else is refused, changing nothing', async () => {
    const p = person(alpha);
    assert.equal((await loginWith(new WebClient(h), 'alpha', p.subject)).status, 303);
    const owner = await h.services.meta.getUserByEmail(p.email);
    const bob = await signedIn(h, uniqueName('bob'));
    const res = await loginWith(bob, 'alpha', p.subject);
    assert.equal(res.status, 409);
    assert.match(res.text, /already linked to another Wikibot account; nothing was changed/);
    assert.equal((await h.services.meta.findIdentity('alpha', p.subject))?.userId, owner!.id);
  });

  void it('unlinking: refused for the only way in, allowed while another provider or a password remains', async () => {
    const p = person(alpha);
    const c = new WebClient(h);
    assert.equal((await loginWith(c, 'alpha', p.subject)).status, 303);
    await c.get('/-/account');
    const user = (await h.services.meta.getUserByEmail(p.email))!;

    const refused = await c.post('/-/oidc/alpha/unlink', { subject: p.subject });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /only way to sign in to your account/);
    assert.equal((await h.services.meta.listIdentities(user.id)).length, 1);

    const q = person(beta, { email: `b-${p.email}` });
    assert.equal((await loginWith(c, 'beta', q.subject)).status, 303);
    await c.get('/-/account');
    const ok = await c.post('/-/oidc/alpha/unlink', { subject: p.subject });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/-/account?done=unlinked#sign-in-providers');
    assert.deepEqual((await h.services.meta.listIdentities(user.id)).map((i) => i.providerId), ['beta']);
    assert.equal((await c.post('/-/oidc/beta/unlink', { subject: q.subject })).status, 403);

    // Not theirs, or without the CSRF token: refused, nothing changes.
    const stranger = await c.post('/-/oidc/alpha/unlink', { subject: 'sub-nobody' });
    assert.equal(stranger.status, 400);
    assert.match(stranger.text, /not linked to yours/);
    assert.equal((await c.post('/-/oidc/beta/unlink', { subject: q.subject, _csrf: 'forged' })).status, 403);
    assert.equal((await h.services.meta.listIdentities(user.id)).length, 1);

    // With a password, the only identity may go.
    const name = uniqueName('pw');
    const withPassword = await signedIn(h, name);
    const r = person(alpha, { email: `r-${name}@idp.test` });
    assert.equal((await loginWith(withPassword, 'alpha', r.subject)).status, 303);
    await withPassword.get('/-/account');
    assert.equal((await withPassword.post('/-/oidc/alpha/unlink', { subject: r.subject })).status, 303);
    assert.equal(await h.services.meta.findIdentity('alpha', r.subject), null);
  });

  void it('a provider account with the email of an existing account does not take it over; after a password sign-in it can be linked', async () => {
    const name = uniqueName('victim');
    const victim = await signedIn(h, name);
    const owner = (await h.services.meta.getUserByUsername(name))!;
    const p = person(alpha, { email: owner.email.toUpperCase(), email_verified: true });
    const before = await userCount();
    const c = new WebClient(h);
    const res = await loginWith(c, 'alpha', p.subject);
    assert.equal(res.status, 409);
    assert.match(res.text, /An account already uses/);
    assert.match(res.text, /sign in with that account's password, then link Alpha ID/);
    assert.ok(!c.cookies.has('wb_session'));
    assert.equal(await userCount(), before);
    assert.equal(await h.services.meta.findIdentity('alpha', p.subject), null);
    assert.deepEqual(await h.services.meta.listIdentities(owner.id), []);

    // The real owner signs in with the password and links the provider account.
    assert.equal((await loginWith(victim, 'alpha', p.subject)).status, 303);
    assert.equal((await h.services.meta.findIdentity('alpha', p.subject))?.userId, owner.id);
  });

  void it('a callback whose state or nonce does not match, or from another browser, is refused and changes nothing', async () => {
    const p = person(alpha);
    const before = await userCount();

    const startFor = async (c: WebClient) => {
      const start = await c.get('/-/oidc/alpha/start');
      return new URL(await atProvider(start.location!, p.subject));
    };
    const refused = async (c: WebClient, url: URL, status: number, message: RegExp) => {
      const res = await c.get(url.pathname + url.search);
      assert.equal(res.status, status, res.text);
      assert.match(res.text, message);
      assert.ok(!c.cookies.has('wb_session'));
      assert.doesNotMatch(res.text, /code=/, 'the used code is not put into links');
    };

    const a = new WebClient(h);
    const wrongState = await startFor(a);
    wrongState.searchParams.set('state', 'forged-state');
    await refused(a, wrongState, 401, /did not pass its checks/);

    const b = new WebClient(h);
    const wrongNonce = await startFor(b);
    const flow = JSON.parse(Buffer.from(b.cookies.get('wb_oidc')!, 'base64url').toString('utf8')) as Record<string, unknown>;
    b.cookies.set('wb_oidc', Buffer.from(JSON.stringify({ ...flow, nonce: 'forged-nonce' })).toString('base64url'));
    await refused(b, wrongNonce, 401, /did not pass its checks/);

    const victim = new WebClient(h);
    const replayed = await startFor(new WebClient(h));
    await refused(victim, replayed, 400, /expired or was started in another browser/);

    const denied = new URL(`${h.url}/-/oidc/alpha/callback?error=access_denied&error_description=User%20said%20no`);
    await refused(new WebClient(h), denied, 401, /Alpha ID did not sign you in \(User said no\)/);

    assert.equal(await userCount(), before);
    assert.equal(await h.services.meta.findIdentity('alpha', p.subject), null);
  });
});

void describe('signing in again through a provider while signed in', () => {
  const NEW_PASSWORD = 'a brand new passphrase for this';

  /** A provider-made account (no password) signed in on a new browser whose sign-in is `minutes` old. */
  async function staleProviderAccount(minutes: number) {
    const p = person(alpha);
    const c = new WebClient(h);
    assert.equal((await loginWith(c, 'alpha', p.subject)).status, 303);
    const oldSecret = c.cookies.get('wb_session')!;
    const oldSessionId = await backdateSession(h, oldSecret, minutes);
    const user = (await h.services.meta.getUserByEmail(p.email))!;
    return { p, c, oldSecret, oldSessionId, user };
  }

  void it('an 11-minute-old sign-in cannot set a password; after signing in again (not signing out) it can, and the old session is gone', async () => {
    const { p, c, oldSecret, oldSessionId, user } = await staleProviderAccount(11);
    const page = await c.get('/-/account');
    assert.equal(page.status, 200);
    const next = encodeURIComponent('/-/account?done=signed-in-again#password');
    assert.match(page.text, new RegExp(`<a class="button primary" href="/-/oidc/alpha/start\\?next=${next.replace(/[%?]/g, (m) => `\\${m}`)}">Sign in again with Alpha ID</a>`));
    assert.doesNotMatch(page.text, /name="op" value="password"/);
    assert.doesNotMatch(page.text, /Sign in again with Beta SSO/, 'only providers linked to this account');
    const oldCsrf = c.csrf;
    const refused = await c.post('/-/account', { op: 'password', password: NEW_PASSWORD });
    assert.equal(refused.status, 401);
    assert.match(refused.text, /sign in again first: your sign-in is more than 10 minutes old/);
    assert.equal((await h.services.meta.getUserById(user.id))!.passwordHash, null);

    // The button's own address, followed while still signed in.
    const href = /href="(\/-\/oidc\/alpha\/start\?next=[^"]+)">Sign in again/.exec(page.text)![1]!.replace(/&amp;/g, '&');
    const start = await c.get(href);
    assert.equal(start.status, 303);
    const back = await c.get((await atProvider(start.location!, p.subject)).slice(h.url.length));
    assert.equal(back.status, 303, back.text);
    assert.equal(back.location, '/-/account?done=signed-in-again#password');
    const newSecret = c.cookies.get('wb_session');
    assert.ok(newSecret && newSecret !== oldSecret, 'a new session cookie');
    assert.equal(await uc.resumeSession(h.services, oldSecret), null, 'the old session no longer works');
    const sessions = await h.services.meta.listSessions(user.id);
    assert.equal(sessions.length, 1);
    assert.notEqual(sessions[0]!.id, oldSessionId);
    const stale = new WebClient(h);
    stale.cookies.set('wb_session', oldSecret);
    assert.equal((await stale.get('/-/account')).status, 303, 'the old cookie is signed out');

    const fresh = await c.get('/-/account?done=signed-in-again');
    assert.equal(fresh.status, 200);
    assert.match(fresh.text, /You signed in again\./);
    assert.match(fresh.text, /name="op" value="password"/);
    assert.notEqual(c.csrf, oldCsrf, 'the new session has its own CSRF token');
    const forged = await c.post('/-/account', { op: 'password', password: NEW_PASSWORD, _csrf: oldCsrf });
    assert.equal(forged.status, 403, 'the old session\'s CSRF token is refused');
    assert.equal((await h.services.meta.getUserById(user.id))!.passwordHash, null);
    const set = await c.post('/-/account', { op: 'password', password: NEW_PASSWORD });
    assert.equal(set.status, 303, set.text);
    assert.equal(set.location, '/-/account?done=password-set');
    assert.notEqual((await h.services.meta.getUserById(user.id))!.passwordHash, null);
    assert.equal((await new WebClient(h).signIn(p.name, NEW_PASSWORD)).status, 303);
  });

  void it('signing in again honours a safe next and falls back to / for an unsafe one; the user and identities stay as they were', async () => {
    const { p, c, user } = await staleProviderAccount(0);
    const before = await userCount();
    const res = await loginWith(c, 'alpha', p.subject, '/-/tokens?x=1');
    assert.equal(res.status, 303, res.text);
    assert.equal(res.location, '/-/tokens?x=1');
    const unsafe = await loginWith(c, 'alpha', p.subject, '//evil.test/steal');
    assert.equal(unsafe.location, '/');
    assert.equal((await c.get('/-/account')).status, 200);
    assert.equal(await userCount(), before);
    assert.equal((await h.services.meta.listIdentities(user.id)).length, 1);
    assert.equal((await h.services.meta.listSessions(user.id)).length, 1, 'each sign-in replaced the session before it');
  });

  void it('the account page\'s "reauth" action goes straight to the linked provider and keeps the session until the provider answers', async () => {
    const { c, oldSecret } = await staleProviderAccount(11);
    await c.get('/-/account');
    const forged = await c.post('/-/account', { op: 'reauth', _csrf: 'z'.repeat(43) });
    assert.equal(forged.status, 403);
    const res = await c.post('/-/account', { op: 'reauth' });
    assert.equal(res.status, 303);
    assert.equal(res.location, `/-/oidc/alpha/start?next=${encodeURIComponent('/-/account?done=signed-in-again')}`);
    assert.ok(await uc.resumeSession(h.services, oldSecret), 'not signed out');
  });

  void it('a password account\'s "reauth" still signs out and opens the sign-in page', async () => {
    const name = uniqueName('pwre');
    const c = await signedIn(h, name);
    const secret = c.cookies.get('wb_session')!;
    const res = await c.post('/-/account', { op: 'reauth' });
    assert.equal(res.status, 303);
    assert.equal(res.location, '/-/signin?next=%2F-%2Faccount');
    assert.equal(await uc.resumeSession(h.services, secret), null);
    const form = await c.get(res.location);
    assert.equal(form.status, 200);
    assert.match(form.text, /action="\/-\/signin"/);
    assert.equal((await c.signIn(name)).status, 303);
  });
});
