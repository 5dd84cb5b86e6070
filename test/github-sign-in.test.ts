/**
 * Sign-in with GitHub against a local stand-in of GitHub's OAuth endpoints and REST API (github-stand-in), driven
 * over HTTP like a browser: sign-up from the GitHub user (login as username, only a primary verified email), signing
 * in again by the numeric id after the login and email changed, linking two GitHub-kind providers and the unlink
 * rules, that another GitHub account with the same email never opens an existing account, and every way the flow
 * can fail (state, code, client secret, denial, GitHub 5xx, GitHub not answering) leaving no session and no account.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { approveAtGitHub, GitHubStandIn, type GitHubAccount } from './github-stand-in.js';
import * as uc from '../src/usecases/index.js';
import { startServer, uniqueName, type TestServer } from './harness.js';
import { backdateSession } from './session-age.js';
import { signedIn, WebClient, type WebResponse } from './web-support.js';

const TIMEOUT_MS = 1000;

let h: TestServer;
let gh: GitHubStandIn;

before(async () => {
  gh = await GitHubStandIn.start();
  const endpoints = { authorization_endpoint: gh.authorizationEndpoint, token_endpoint: gh.tokenEndpoint, api_url: gh.apiUrl, timeout_ms: TIMEOUT_MS };
  const providers = [
    { id: 'github', name: 'GitHub', type: 'github', client_id: 'Iv1.wikibot', client_secret: 'github-secret', ...endpoints },
    { id: 'ghe', name: 'Corp GitHub', type: 'github', client_id: 'Iv1.corp', client_secret: 'corp-secret', ...endpoints },
    // Registered at GitHub with another secret: every code exchange is refused.
    { id: 'stale', name: 'Stale GitHub', type: 'github', client_id: 'Iv1.stale', client_secret: 'rotated-away', ...endpoints },
  ];
  h = await startServer({ env: { WIKIBOT_OIDC_PROVIDERS: JSON.stringify(providers) } });
  gh.registerClient('Iv1.wikibot', 'github-secret', `${h.url}/-/oidc/github/callback`);
  gh.registerClient('Iv1.corp', 'corp-secret', `${h.url}/-/oidc/ghe/callback`);
  gh.registerClient('Iv1.stale', 'the-current-secret', `${h.url}/-/oidc/stale/callback`);
});
after(async () => {
  await h.close();
  await gh.close();
});

type ProviderId = 'github' | 'ghe' | 'stale';

/** Starts a GitHub login in `client` and returns the authorization URL at the stand-in. */
async function start(client: WebClient, provider: ProviderId = 'github', next = '/'): Promise<string> {
  const res = await client.get(`/-/oidc/${provider}/start?next=${encodeURIComponent(next)}`);
  assert.equal(res.status, 303, res.text);
  const location = res.location ?? '';
  assert.ok(location.startsWith(gh.authorizationEndpoint), location);
  return location;
}

/** A whole login: start, approve at GitHub as `account`, and wikibot's answer to the callback. */
async function loginWith(client: WebClient, account: GitHubAccount, provider: ProviderId = 'github', next = '/'): Promise<WebResponse> {
  const callback = await approveAtGitHub(await start(client, provider, next), account);
  assert.ok(callback.startsWith(`${h.url}/-/oidc/${provider}/callback?`), callback);
  return client.get(callback.slice(h.url.length));
}

const userCount = () => h.services.meta.countUsers();

/** A GitHub account with a fresh login (lowercase, so it is a valid Wikibot username as is). */
function ghAccount(extra: Partial<Omit<GitHubAccount, 'id'>> = {}): GitHubAccount {
  return gh.addAccount(uniqueName('gh'), extra);
}

void describe('Sign in with GitHub', () => {
  void it('the sign-in page offers GitHub; start sends the browser to GitHub with client id, callback, scope, state and a PKCE S256 challenge', async () => {
    const c = new WebClient(h);
    const page = await c.get('/-/signin?next=%2Fx');
    assert.match(page.text, /href="\/-\/oidc\/github\/start\?next=%2Fx">Sign in with GitHub</);
    const target = new URL(await start(c));
    assert.equal(target.searchParams.get('client_id'), 'Iv1.wikibot');
    assert.equal(target.searchParams.get('redirect_uri'), `${h.url}/-/oidc/github/callback`);
    assert.equal(target.searchParams.get('scope'), 'read:user user:email');
    assert.equal(target.searchParams.get('code_challenge_method'), 'S256');
    assert.match(target.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    const flow = JSON.parse(Buffer.from(c.cookies.get('wb_oidc')!, 'base64url').toString('utf8')) as { state: string; provider: string };
    assert.equal(flow.provider, 'github');
    assert.equal(target.searchParams.get('state'), flow.state);
  });

  void it('a first sign-in creates the account (username from the login, only the primary verified email); the next, by the same GitHub id, opens it even after the login and emails changed', async () => {
    const publicEmail = `${uniqueName('public')}@elsewhere.test`;
    const primary = `${uniqueName('primary')}@mail.test`;
    const account = ghAccount({
      email: publicEmail,
      emails: [
        { email: `${uniqueName('second')}@mail.test`, primary: false, verified: true },
        { email: primary, primary: true, verified: true },
      ],
    });
    const before = await userCount();
    const c = new WebClient(h);
    const res = await loginWith(c, account);
    assert.equal(res.status, 303, res.text);
    assert.equal(res.location, '/');
    assert.ok(c.cookies.has('wb_session'));
    assert.ok(!c.cookies.has('wb_oidc'), 'the flow cookie is spent');
    const user = await h.services.meta.getUserByUsername(account.login);
    assert.ok(user);
    assert.equal(user.email, primary);
    assert.equal(user.name, account.name);
    assert.equal(user.passwordHash, null);
    assert.ok(user.emailVerifiedAt, 'GitHub verified the primary email');
    assert.equal(await userCount(), before + 1);
    assert.deepEqual(
      (await h.services.meta.listIdentities(user.id)).map((i) => [i.providerId, i.subject]),
      [['github', String(account.id)]],
    );
    // What wikibot sent to the token endpoint: the code with its PKCE verifier and the callback URL.
    const exchange = gh.exchanges.at(-1)!;
    assert.equal(exchange.get('redirect_uri'), `${h.url}/-/oidc/github/callback`);
    assert.match(exchange.get('code_verifier') ?? '', /^[A-Za-z0-9_-]{43,128}$/);

    // At GitHub the person renames the account and changes the primary email: still the same Wikibot account.
    account.login = uniqueName('renamed');
    account.emails = [{ email: `${uniqueName('new')}@mail.test`, primary: true, verified: true }];
    const again = new WebClient(h);
    const res2 = await loginWith(again, account, 'github', '/-/account');
    assert.equal(res2.status, 303, res2.text);
    assert.equal(res2.location, '/-/account');
    assert.equal(await userCount(), before + 1);
    assert.equal(await h.services.meta.getUserByUsername(account.login), null);
    const page = await again.get('/-/account');
    assert.match(page.text, new RegExp(`<strong>${user.username}</strong>`));
    assert.match(page.text, /<strong>GitHub<\/strong>/);
  });

  void it('a taken login gets a suffix; without a primary verified email no account is made', async () => {
    const taken = uniqueName('taken');
    await signedIn(h, taken);
    const account = gh.addAccount(taken, { emails: [{ email: `${uniqueName('t')}@mail.test`, primary: true, verified: true }] });
    assert.equal((await loginWith(new WebClient(h), account)).status, 303);
    assert.equal((await h.services.meta.getUserByUsername(`${taken}-2`))?.email, account.emails[0]!.email);

    // Verified but not primary, primary but not verified, and a public profile email: none is usable.
    const unverified = ghAccount({
      email: `${uniqueName('pub')}@mail.test`,
      emails: [
        { email: `${uniqueName('p')}@mail.test`, primary: true, verified: false },
        { email: `${uniqueName('s')}@mail.test`, primary: false, verified: true },
      ],
    });
    const before = await userCount();
    const c = new WebClient(h);
    const res = await loginWith(c, unverified);
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /did not share an email address/);
    assert.ok(!c.cookies.has('wb_session'));
    assert.equal(await userCount(), before);
    assert.equal(await h.services.meta.findIdentity('github', String(unverified.id)), null);
    for (const e of [unverified.email!, ...unverified.emails.map((x) => x.email)]) assert.equal(await h.services.meta.getUserByEmail(e), null);
  });

  void it('a signed-in user links GitHub and a second GitHub provider, signs in with either, and unlinks all but the last way in', async () => {
    const name = uniqueName('linker');
    const c = await signedIn(h, name);
    const owner = (await h.services.meta.getUserByUsername(name))!;
    const account = ghAccount();
    const before = await userCount();
    const linked = await loginWith(c, account, 'github', '/-/account');
    assert.equal(linked.status, 303, linked.text);
    assert.equal(linked.location, '/-/account?done=linked#sign-in-providers');
    const corp = ghAccount();
    assert.equal((await loginWith(c, corp, 'ghe', '/-/account')).location, '/-/account?done=linked#sign-in-providers');
    assert.equal(await userCount(), before);
    const page = await c.get('/-/account');
    assert.match(page.text, /<strong>GitHub<\/strong> · [^<]*@users\.github\.test/);
    assert.match(page.text, /<strong>Corp GitHub<\/strong>/);
    assert.equal((await loginWith(c, account, 'github', '/-/account')).location, '/-/account?done=already-linked#sign-in-providers');

    // Either GitHub account opens the same Wikibot account in another browser.
    for (const [who, provider] of [[account, 'github'], [corp, 'ghe']] as const) {
      const other = new WebClient(h);
      assert.equal((await loginWith(other, who, provider)).status, 303);
      assert.match((await other.get('/-/account')).text, new RegExp(`<strong>${name}</strong>`));
    }

    // Unlinking GitHub leaves the password and Corp GitHub; afterwards that GitHub account would make a new account.
    await c.get('/-/account');
    const unlinked = await c.post('/-/oidc/github/unlink', { subject: String(account.id) });
    assert.equal(unlinked.status, 303, unlinked.text);
    assert.equal(unlinked.location, '/-/account?done=unlinked#sign-in-providers');
    assert.deepEqual((await h.services.meta.listIdentities(owner.id)).map((i) => i.providerId), ['ghe']);

    // An account made by GitHub has no password: its one identity cannot go.
    const solo = ghAccount();
    const s = new WebClient(h);
    assert.equal((await loginWith(s, solo)).status, 303);
    await s.get('/-/account');
    const refused = await s.post('/-/oidc/github/unlink', { subject: String(solo.id) });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /only way to sign in to your account/);
    assert.equal((await h.services.meta.findIdentity('github', String(solo.id)))?.providerId, 'github');
  });

  void it('another GitHub account with the email of an existing account does not take it over', async () => {
    const name = uniqueName('victim');
    await signedIn(h, name);
    const owner = (await h.services.meta.getUserByUsername(name))!;
    const intruder = ghAccount({ email: owner.email, emails: [{ email: owner.email.toUpperCase(), primary: true, verified: true }] });
    const before = await userCount();
    const c = new WebClient(h);
    const res = await loginWith(c, intruder);
    assert.equal(res.status, 409, res.text);
    assert.match(res.text, /An account already uses/);
    assert.match(res.text, /then link GitHub from your account page/);
    assert.ok(!c.cookies.has('wb_session'));
    assert.equal(await userCount(), before);
    assert.equal(await h.services.meta.findIdentity('github', String(intruder.id)), null);
    assert.deepEqual(await h.services.meta.listIdentities(owner.id), []);

    // Same for a second GitHub id whose email matches an account GitHub itself made.
    const first = ghAccount();
    assert.equal((await loginWith(new WebClient(h), first)).status, 303);
    const second = ghAccount({ emails: first.emails });
    assert.equal((await loginWith(new WebClient(h), second)).status, 409);
    assert.equal(await h.services.meta.findIdentity('github', String(second.id)), null);
  });

  void it('a wrong state, a bad or spent code, a refused client secret, a denial or another browser: a clear error page, no session, no account', async () => {
    const account = ghAccount();
    const before = await userCount();
    const refused = async (c: WebClient, callback: string | URL, status: number, message: RegExp) => {
      const url = new URL(callback);
      const res = await c.get(url.pathname + url.search);
      assert.equal(res.status, status, res.text);
      assert.match(res.text, /Sign-in with (Stale |)GitHub did not work/);
      assert.match(res.text, message);
      assert.ok(!c.cookies.has('wb_session'));
      assert.ok(!c.cookies.has('wb_oidc'), 'the flow is over');
    };

    const a = new WebClient(h);
    const wrongState = new URL(await approveAtGitHub(await start(a), account));
    wrongState.searchParams.set('state', 'forged-state');
    await refused(a, wrongState, 401, /did not pass its checks/);

    const b = new WebClient(h);
    const badCode = new URL(await approveAtGitHub(await start(b), account));
    badCode.searchParams.set('code', 'not-a-code-github-gave');
    await refused(b, badCode, 401, /GitHub refused the sign-in code \(bad_verification_code: The code passed is incorrect or expired\.\)/);

    // A code is good once: the same callback with a new flow of the same browser is refused by GitHub.
    const d = new WebClient(h);
    const used = new URL(await approveAtGitHub(await start(d), account));
    const okUser = await d.get(used.pathname + used.search);
    assert.equal(okUser.status, 303);
    const replay = new WebClient(h);
    const fresh = new URL(await start(replay));
    used.searchParams.set('state', fresh.searchParams.get('state')!);
    await refused(replay, used, 401, /bad_verification_code/);

    const stranger = ghAccount();
    const countBefore = await userCount();
    const e = new WebClient(h);
    await refused(e, await approveAtGitHub(await start(e, 'stale'), stranger), 401, /Stale GitHub refused the sign-in code \(incorrect_client_credentials/);

    const f = new WebClient(h);
    await refused(f, await approveAtGitHub(await start(f), stranger, 'cancel'), 401, /GitHub did not sign you in \(The user has denied your application access\.\)/);

    const victim = new WebClient(h);
    await refused(victim, await approveAtGitHub(await start(new WebClient(h)), stranger), 400, /expired or was started in another browser/);

    assert.equal(await userCount(), countBefore);
    assert.equal(await userCount(), before + 1, 'only the one good login made an account');
    assert.equal(await h.services.meta.findIdentity('github', String(stranger.id)), null);
    assert.equal(await h.services.meta.findIdentity('stale', String(stranger.id)), null);
  });

  void it('GitHub answering 5xx or not at all: a clear "try again later" page within the timeout, no session, no account', async () => {
    const before = await userCount();
    const broken = ghAccount({ fault: 503 });
    const c = new WebClient(h);
    const callback = new URL(await approveAtGitHub(await start(c), broken));
    const res = await c.get(callback.pathname + callback.search);
    assert.equal(res.status, 502, res.text);
    assert.match(res.text, /GitHub answered with an error \(HTTP 503\); nothing was changed, try again later\./);
    assert.ok(!c.cookies.has('wb_session'));

    const silent = ghAccount({ fault: 'hang' });
    const s = new WebClient(h);
    const late = new URL(await approveAtGitHub(await start(s), silent));
    const t0 = performance.now();
    const timedOut = await s.get(late.pathname + late.search);
    const took = performance.now() - t0;
    assert.equal(timedOut.status, 502, timedOut.text);
    assert.match(timedOut.text, /GitHub did not answer within 1 s; nothing was changed, try again later\./);
    assert.ok(took >= TIMEOUT_MS * 0.9 && took < TIMEOUT_MS + 2000, `answered after ${Math.round(took)} ms`);
    assert.ok(!s.cookies.has('wb_session'));

    assert.equal(await userCount(), before);
    for (const a of [broken, silent]) assert.equal(await h.services.meta.findIdentity('github', String(a.id)), null);
  });
});

void describe('signing in again with GitHub while signed in', () => {
  void it('an 11-minute-old sign-in cannot set a password; after signing in again with GitHub (not signing out) it can, and the old session is gone', async () => {
    const account = ghAccount();
    const c = new WebClient(h);
    assert.equal((await loginWith(c, account)).status, 303);
    const user = (await h.services.meta.getUserByUsername(account.login))!;
    const oldSecret = c.cookies.get('wb_session')!;
    const oldSessionId = await backdateSession(h, oldSecret, 11);

    const page = await c.get('/-/account');
    assert.match(page.text, /To set a password as well, sign in again first/);
    assert.match(page.text, /href="\/-\/oidc\/github\/start\?next=%2F-%2Faccount%3Fdone%3Dsigned-in-again%23password">Sign in again with GitHub</);
    assert.doesNotMatch(page.text, /Sign in again with Corp GitHub/);
    const refused = await c.post('/-/account', { op: 'password', password: 'a GitHub user picks a password' });
    assert.equal(refused.status, 401);
    assert.equal((await h.services.meta.getUserById(user.id))!.passwordHash, null);

    const back = await loginWith(c, account, 'github', '/-/account?done=signed-in-again#password');
    assert.equal(back.status, 303, back.text);
    assert.equal(back.location, '/-/account?done=signed-in-again#password');
    assert.notEqual(c.cookies.get('wb_session'), oldSecret);
    assert.equal(await uc.resumeSession(h.services, oldSecret), null, 'the old session no longer works');
    assert.ok(!(await h.services.meta.listSessions(user.id)).some((s) => s.id === oldSessionId));
    const stale = new WebClient(h);
    stale.cookies.set('wb_session', oldSecret);
    assert.equal((await stale.get('/-/account')).status, 303);

    const fresh = await c.get('/-/account?done=signed-in-again');
    assert.match(fresh.text, /You signed in again\./);
    const set = await c.post('/-/account', { op: 'password', password: 'a GitHub user picks a password' });
    assert.equal(set.status, 303, set.text);
    assert.equal(set.location, '/-/account?done=password-set');
    assert.notEqual((await h.services.meta.getUserById(user.id))!.passwordHash, null);
  });

  void it('a failed second GitHub sign-in leaves the current session as it was', async () => {
    const account = ghAccount();
    const c = new WebClient(h);
    assert.equal((await loginWith(c, account)).status, 303);
    const secret = c.cookies.get('wb_session')!;
    const denied = await approveAtGitHub(await start(c, 'github', '/-/account'), account, 'cancel');
    const res = await c.get(denied.slice(h.url.length));
    assert.equal(res.status, 401, res.text);
    assert.equal(c.cookies.get('wb_session'), secret);
    assert.ok(await uc.resumeSession(h.services, secret), 'still signed in');
  });
});
