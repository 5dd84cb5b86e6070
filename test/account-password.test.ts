/**
 * Setting and changing the password from the account page, against a real SMTP receiver: an account made through an
 * identity provider (no password) sets one within ten minutes of signing in, and is sent to sign in again after that;
 * changing needs the current password, wrong guesses are throttled like sign-in, other sessions end while this one
 * stays, unused reset links stop working and the address is told — with bad inputs that change nothing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import * as uc from '../src/usecases/index.js';
import { linkIn, startServerWithMail, type MailBox } from './email-support.js';
import { uniqueName, type TestServer } from './harness.js';
import { PASSWORD, signedIn, WebClient } from './web-support.js';

const NEW_PASSWORD = 'a completely new passphrase';

let box: MailBox;
let h: TestServer;
before(async () => {
  ({ box, h } = await startServerWithMail());
});
after(async () => {
  await h.close();
  await box.close();
});

const mailOf = (name: string) => `${name}@example.test`;
const settle = () => new Promise((done) => setTimeout(done, 300));

/**
 * An account without a password, as a first sign-in through an identity provider makes it, with a browser session
 * opened the way the provider's callback opens it; `ageMinutes` backdates the sign-in.
 */
async function providerAccount(name: string, ageMinutes = 0): Promise<{ client: WebClient; sessionId: number }> {
  const user = await uc.createUser(h.services, { username: name, email: mailOf(name), password: null });
  const started = await uc.openSession(h.services, user, 'test browser');
  if (ageMinutes > 0) {
    const db = new Database(join(h.dataDir, 'meta.sqlite'));
    try {
      db.prepare('update sessions set created_at = ? where id = ?').run(
        new Date(Date.now() - ageMinutes * 60_000).toISOString(),
        started.session.id,
      );
    } finally {
      db.close();
    }
  }
  const client = new WebClient(h);
  client.cookies.set('wb_session', started.secret);
  assert.equal((await client.get('/-/account')).status, 200);
  return { client, sessionId: started.session.id };
}

async function userOf(name: string) {
  const user = await h.services.meta.getUserByUsername(name);
  assert.ok(user, name);
  return user;
}

void describe('an account without a password', () => {
  void it('sets one within ten minutes of signing in: weak refused, then set; other sessions end, this one stays', async () => {
    const name = uniqueName('pw');
    const { client, sessionId } = await providerAccount(name);
    const other = await uc.openSession(h.services, await userOf(name), 'other browser');
    const page = await client.get('/-/account');
    assert.match(page.text, /<h2 id="password">Set a password<\/h2>/);
    assert.doesNotMatch(page.text, /name="current"/, 'no current password to ask for');

    const weak = await client.post('/-/account', { op: 'password', password: 'short' });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /Password is too short/);
    assert.equal((await userOf(name)).passwordHash, null);

    const ok = await client.post('/-/account', { op: 'password', password: NEW_PASSWORD });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/-/account?done=password-set');
    const after = await client.get(ok.location);
    assert.equal(after.status, 200, 'this browser stays signed in');
    assert.match(after.text, /Password set: you can now sign in/);
    assert.match(after.text, /<h2 id="password">Change password<\/h2>/);
    assert.deepEqual(
      (await h.services.meta.listSessions((await userOf(name)).id)).map((s) => s.id),
      [sessionId],
    );
    assert.equal(await uc.resumeSession(h.services, other.secret), null, 'the other session ended');
    assert.equal((await new WebClient(h).signIn(name, NEW_PASSWORD)).status, 303);
    assert.match((await box.next(mailOf(name))).text, /Subject: A password was set for your Wikibot account/);
  });

  void it('changes its email within ten minutes of signing in, without a password to give', async () => {
    const name = uniqueName('pe');
    const { client } = await providerAccount(name);
    const page = await client.get('/-/account');
    assert.match(page.text, /name="op" value="email"/);
    assert.doesNotMatch(page.text, /id="email-current"/);
    const res = await client.post('/-/account', { op: 'email', email: `moved-${name}@example.test` });
    assert.equal(res.status, 303);
    const link = linkIn(await box.next(`moved-${name}@example.test`), 'email-change');
    assert.match((await box.next(mailOf(name))).text, /A new email was requested/);
    assert.equal((await new WebClient(h).get(link)).status, 200);
    assert.equal((await userOf(name)).email, `moved-${name}@example.test`);
  });

  void it('with a sign-in older than ten minutes: "sign in again", nothing set; signing in again ends this session and returns to the account', async () => {
    const name = uniqueName('ps');
    const { client } = await providerAccount(name, 11);
    const page = await client.get('/-/account');
    assert.match(page.text, /To set a password as well, sign in again first/);
    assert.match(
      page.text,
      /<input type="hidden" name="op" value="reauth"><button type="submit" class="primary">Sign in again<\/button>/,
    );
    assert.doesNotMatch(page.text, /name="op" value="password"/);

    const refused = await client.post('/-/account', { op: 'password', password: NEW_PASSWORD });
    assert.equal(refused.status, 401);
    assert.match(refused.text, /sign in again first: your sign-in is more than 10 minutes old\. Nothing was changed\./);
    assert.match(refused.text, /Sign in again/);
    const email = await client.post('/-/account', { op: 'email', email: `other-${name}@example.test` });
    assert.equal(email.status, 401, 'changing the email needs the same proof');
    assert.equal((await userOf(name)).passwordHash, null);
    assert.equal((await userOf(name)).email, mailOf(name));

    const forged = await client.post('/-/account', { op: 'reauth', _csrf: 'z'.repeat(43) });
    assert.equal(forged.status, 403);
    const reauth = await client.post('/-/account', { op: 'reauth' });
    assert.equal(reauth.status, 303);
    assert.equal(reauth.location, '/-/signin?next=%2F-%2Faccount');
    assert.equal((await client.get('/-/account')).status, 303, 'the stale session ended');
    assert.deepEqual(await h.services.meta.listSessions((await userOf(name)).id), []);
    await settle();
    assert.equal(box.to(mailOf(name)).length + box.to(`other-${name}@example.test`).length, 0);
  });
});

void describe('changing the password', () => {
  void it('needs the current password; stops unused reset links, keeps this session, ends others and tells the address', async () => {
    const name = uniqueName('pc');
    const c = await signedIn(h, name);
    const other = await signedIn(h, name);
    const f = new WebClient(h);
    await f.get('/-/forgot');
    assert.equal((await f.post('/-/forgot', { login: name })).status, 200);
    const reset = linkIn(await box.next(mailOf(name)), 'reset');

    const wrong = await c.post('/-/account', { op: 'password', current: 'not my password', password: NEW_PASSWORD });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /current password is wrong; nothing was changed/);
    const forged = await c.post('/-/account', {
      op: 'password',
      current: PASSWORD,
      password: NEW_PASSWORD,
      _csrf: 'q'.repeat(43),
    });
    assert.equal(forged.status, 403);
    assert.equal((await new WebClient(h).signIn(name, PASSWORD)).status, 303, 'still the old password');

    const ok = await c.post('/-/account', { op: 'password', current: PASSWORD, password: NEW_PASSWORD });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/-/account?done=password');
    assert.equal((await c.get('/-/account')).status, 200);
    assert.equal((await other.get('/-/account')).status, 303, 'the other browser is signed out');
    assert.match((await box.next(mailOf(name), 1)).text, /Subject: Your Wikibot password was changed/);

    const r = new WebClient(h);
    const page = await r.get(reset);
    const token = /name="token" value="([^"]*)"/.exec(page.text)?.[1] ?? '';
    const late = await r.post('/-/reset', { token, password: 'a third horse battery staple' });
    assert.equal(late.status, 400, 'a reset link from before the change no longer works');
    assert.match(late.text, /invalid, was used already or has expired/);
    assert.equal((await new WebClient(h).signIn(name, NEW_PASSWORD)).status, 303);
  });

  void it('throttles wrong current passwords like sign-in (429 with Retry-After), even with the right one next', async () => {
    const name = uniqueName('pt');
    const c = await signedIn(h, name);
    for (let i = 0; i < 10; i++)
      assert.equal(
        (await c.post('/-/account', { op: 'password', current: `wrong ${i}`, password: NEW_PASSWORD })).status,
        400,
      );
    const refused = await c.post('/-/account', { op: 'password', current: PASSWORD, password: NEW_PASSWORD });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(refused.text, /Too many sign-in attempts/);
    const email = await c.post('/-/account', { op: 'email', email: `x-${name}@example.test`, current: PASSWORD });
    assert.equal(email.status, 429, 'the email change is held back too');
    assert.equal((await userOf(name)).email, mailOf(name));
    await settle();
    assert.equal(box.to(mailOf(name)).length, 0);
  });
});
