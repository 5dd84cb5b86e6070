/**
 * Server-side tests of sign-up and the account page: the rules for names and passwords, the same answer whether an
 * email already has an account, changing the password (other sessions end), the export download and deleting the
 * account with the username typed — with CSRF refusals that change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../src/auth/actor.js';
import * as uc from '../src/usecases/index.js';
import { makeTenant, startServer, uniqueName, type TestServer } from './harness.js';
import { PASSWORD, signedIn, WebClient } from './web-support.js';

let h: TestServer;
before(async () => {
  h = await startServer();
});
after(() => h.close());

async function signUp(fields: Record<string, string>) {
  const c = new WebClient(h);
  const form = await c.get('/-/signup');
  assert.equal(form.status, 200);
  return { c, res: await c.post('/-/signup', fields) };
}

/** The page without its per-request parts (CSRF token), to compare two answers. */
const shape = (text: string) => text.replace(/<meta name="csrf-token" content="[^"]*">/, '');

void describe('sign-up', () => {
  void it('creates an account that can sign in', async () => {
    const name = uniqueName('u');
    const { res } = await signUp({ username: name, email: `${name}@example.test`, password: PASSWORD });
    assert.equal(res.status, 200);
    assert.match(res.text, /<h1>Check your email<\/h1>/);
    const user = await h.services.meta.getUserByUsername(name);
    assert.ok(user);
    assert.equal(user.isAdmin, false);
    const c = new WebClient(h);
    assert.equal((await c.signIn(name)).status, 303);
  });

  void it('does not hand invitations to whoever signs up with the invited email (nobody proved they own it)', async () => {
    const owner = await makeTenant(h, uniqueName('inv'));
    const invited = `${uniqueName('friend')}@example.test`;
    const wiki = await h.services.meta.getWiki(owner.owner, owner.slug);
    await uc.addCollaborator(h.services, cliActor(null), { owner: owner.owner, slug: owner.slug }, { user: invited, role: 'editor' });
    const name = uniqueName('claimer');
    assert.equal((await signUp({ username: name, email: invited, password: PASSWORD })).res.status, 200);
    const user = await h.services.meta.getUserByUsername(name);
    assert.ok(user && wiki);
    assert.equal(await h.services.meta.getRole(wiki.id, user.id), null, 'no role from an unverified email');
    assert.deepEqual((await h.services.meta.listInvitations(wiki.id)).map((i) => i.email), [invited], 'the invitation stays pending');
  });

  void it('answers a taken email exactly like a new one, and creates nothing', async () => {
    const first = uniqueName('u');
    const a = await signUp({ username: first, email: `${first}@example.test`, password: PASSWORD });
    const second = uniqueName('u');
    const b = await signUp({ username: second, email: `${first.toUpperCase()}@example.test`, password: 'another long password' });
    assert.equal(b.res.status, a.res.status);
    assert.equal(shape(b.res.text), shape(a.res.text));
    assert.equal(await h.services.meta.getUserByUsername(second), null);
    const c = new WebClient(h);
    assert.equal((await c.signIn(first, 'another long password')).status, 401, 'the first account’s password is unchanged');
  });

  void it('throttles repeated sign-ups for one email (429 with Retry-After), new or taken alike, creating nothing more', async () => {
    const email = `${uniqueName('busy')}@example.test`;
    const names = [uniqueName('s'), uniqueName('s'), uniqueName('s'), uniqueName('s')];
    for (const name of names.slice(0, 3)) assert.equal((await signUp({ username: name, email, password: PASSWORD })).res.status, 200);
    const refused = await signUp({ username: names[3]!, email: email.toUpperCase(), password: PASSWORD });
    assert.equal(refused.res.status, 429);
    assert.match(refused.res.headers.get('retry-after') ?? '', /^\d+$/);
    assert.match(refused.res.text, /Too many sign-ups/);
    assert.equal(await h.services.meta.getUserByUsername(names[3]!), null);
  });

  void it('refuses a taken or reserved username, a bad email, a short password and a missing CSRF token, creating nothing', async () => {
    const taken = uniqueName('u');
    await signUp({ username: taken, email: `${taken}@example.test`, password: PASSWORD });
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      [{ username: taken, email: 'other@example.test', password: PASSWORD }, 409, /username &quot;[a-z0-9-]+&quot; is taken/],
      [{ username: 'api', email: 'api@example.test', password: PASSWORD }, 400, /reserved/i],
      [{ username: 'ok-name-x', email: 'not an email', password: PASSWORD }, 400, /email/i],
      [{ username: 'ok-name-y', email: 'y@example.test', password: 'short' }, 400, /Password is too short/],
    ];
    for (const [fields, status, message] of cases) {
      const before = await h.services.meta.countUsers();
      const { res } = await signUp(fields);
      assert.equal(res.status, status, JSON.stringify(fields));
      assert.match(res.text, message);
      assert.match(res.text, new RegExp(`value="${fields.username}"`), 'the form keeps the username');
      assert.equal(await h.services.meta.countUsers(), before);
    }
    const c = new WebClient(h);
    await c.get('/-/signup');
    const forged = await c.request('POST', '/-/signup', { username: 'forged-user', email: 'f@example.test', password: PASSWORD });
    assert.equal(forged.status, 403);
    assert.equal(await h.services.meta.getUserByUsername('forged-user'), null);
  });
});

void describe('account page', () => {
  void it('changes the password after checking the current one, and signs out the other browsers', async () => {
    const name = uniqueName('a');
    const c = await signedIn(h, name);
    const other = new WebClient(h);
    await other.signIn(name);
    const wrong = await c.post('/-/account', { op: 'password', current: 'not my password', password: 'a brand new password' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /current password is wrong; nothing was changed/);
    const short = await c.post('/-/account', { op: 'password', current: PASSWORD, password: 'short' });
    assert.equal(short.status, 400);
    const ok = await c.post('/-/account', { op: 'password', current: PASSWORD, password: 'a brand new password' });
    assert.equal(ok.status, 303);
    assert.match((await c.get(ok.location!)).text, /Password changed/);
    assert.equal((await other.get('/-/account')).status, 303, 'the other browser is signed out');
    assert.equal((await new WebClient(h).signIn(name, PASSWORD)).status, 401);
    assert.equal((await new WebClient(h).signIn(name, 'a brand new password')).status, 303);
  });

  void it('downloads the export as a zip', async () => {
    const name = uniqueName('a');
    const c = await signedIn(h, name);
    await c.post('/-/wikis', { slug: 'notes' });
    const res = await fetch(`${h.url}/-/account/export`, { headers: { cookie: `wb_session=${c.cookies.get('wb_session')}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="wikibot-${name}-`));
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.subarray(0, 2).toString(), 'PK');
    assert.ok(body.includes(Buffer.from('notes.bundle')));
    assert.ok(body.includes(Buffer.from('metadata.json')));
  });

  void it('deletes the account only when the username is typed, and signs out', async () => {
    const name = uniqueName('a');
    const c = await signedIn(h, name);
    await c.post('/-/wikis', { slug: 'notes' });
    const wrong = await c.post('/-/account', { op: 'delete', confirm: 'someone-else' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /nothing was deleted/);
    const forged = await c.post('/-/account', { op: 'delete', confirm: name, _csrf: 'z'.repeat(43) });
    assert.equal(forged.status, 403);
    assert.ok(await h.services.meta.getUserByUsername(name));
    const ok = await c.post('/-/account', { op: 'delete', confirm: name });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/');
    assert.equal(await h.services.meta.getUserByUsername(name), null);
    assert.equal(h.services.repos.exists(name, 'notes'), false);
    assert.equal(c.cookies.has('wb_session'), false);
  });
});
