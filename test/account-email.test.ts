/**
 * The account's email from the account page, against a real SMTP receiver: the verified / not verified status and the
 * dashboard reminder, resending a verification link (older links stop working, throttled per account with a 429 page),
 * a used or expired link's page with a way to get a new one, and changing the email (current password, link to the
 * new address, notice to the old one, the change only once the link is followed, the same answer for an address that
 * has an account, throttled, cancellable). Without SMTP the pages say so and nothing is pretended.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../src/auth/actor.js';
import { issueEmailToken } from '../src/usecases/email.js';
import * as uc from '../src/usecases/index.js';
import { linkIn, startServerWithMail, type MailBox } from './email-support.js';
import { makeTenant, startServer, uniqueName, type TestServer } from './harness.js';
import { PASSWORD, signedIn, WebClient } from './web-support.js';

let box: MailBox;
let h: TestServer;
let bare: TestServer;
before(async () => {
  ({ box, h } = await startServerWithMail());
  bare = await startServer();
});
after(async () => {
  await h.close();
  await bare.close();
  await box.close();
});

const mailOf = (name: string) => `${name}@example.test`;
/** The page's main part without per-request values (CSRF token, times). */
const mainOf = (text: string) =>
  (/<main[^]*<\/main>/.exec(text)?.[0] ?? text)
    .replace(/name="_csrf" value="[^"]*"/g, '')
    .replace(/<time[^>]*>[^<]*<\/time>/g, 'TIME')
    .replace(/title="Verified [^"]*"/g, 'title="Verified TIME"');
/** Lets background mail arrive (or not) before counting it. */
const settle = () => new Promise((done) => setTimeout(done, 300));

async function userOf(server: TestServer, name: string) {
  const user = await server.services.meta.getUserByUsername(name);
  assert.ok(user, name);
  return user;
}

void describe('verification status', () => {
  void it('shows "not verified" with a resend button on the account page and a reminder on the dashboard; a resent link verifies and the old one stops working', async () => {
    const name = uniqueName('ev');
    const c = new WebClient(h);
    await c.get('/-/signup');
    assert.equal((await c.post('/-/signup', { username: name, email: mailOf(name), password: PASSWORD })).status, 200);
    const first = linkIn(await box.next(mailOf(name)), 'verify');
    assert.equal((await c.signIn(name)).status, 303);

    const account = await c.get('/-/account');
    assert.equal(account.status, 200);
    assert.match(account.text, /class="tag unverified">not verified</);
    assert.match(
      account.text,
      /<input type="hidden" name="op" value="resend"><button type="submit">Resend verification email<\/button>/,
    );
    assert.doesNotMatch(account.text, /✓ verified/);
    const dashboard = await c.get('/');
    assert.match(dashboard.text, /id="verify-notice"/);
    assert.match(dashboard.text, /Resend verification email/);

    const resent = await c.post('/-/account', { op: 'resend' });
    assert.equal(resent.status, 303);
    assert.equal(resent.location, '/-/account?done=verify-sent#email');
    assert.match((await c.get('/-/account?done=verify-sent')).text, /We sent a new verification link to/);
    const second = linkIn(await box.next(mailOf(name), 1), 'verify');
    assert.notEqual(second, first);

    const old = await c.get(first);
    assert.equal(old.status, 400, 'the earlier link stopped working');
    assert.match(old.text, /invalid, was used already or has expired/);
    assert.match(
      old.text,
      /Resend verification email/,
      'a signed-in, unverified user can ask for a new link right there',
    );
    assert.equal((await userOf(h, name)).emailVerifiedAt, null);

    assert.equal((await new WebClient(h).get(second)).status, 200);
    assert.ok((await userOf(h, name)).emailVerifiedAt);
    const after = await c.get('/-/account');
    assert.match(after.text, /class="tag verified"[^>]*>✓ verified</);
    assert.doesNotMatch(after.text, /Resend verification email/);
    assert.doesNotMatch((await c.get('/')).text, /id="verify-notice"/);

    const used = await c.get(second);
    assert.equal(used.status, 400);
    assert.match(used.text, /is verified already: nothing more to do/);
    const visitor = await new WebClient(h).get(second);
    assert.equal(visitor.status, 400);
    assert.match(visitor.text, /href="\/-\/signin\?next=%2F-%2Faccount"/);

    const again = await c.post('/-/account', { op: 'resend' });
    assert.equal(again.location, '/-/account?done=verified#email');
    await settle();
    assert.equal(box.to(mailOf(name)).length, 2, 'no mail to a verified address');
  });

  void it('an expired verification link gives the clear page and changes nothing', async () => {
    const name = uniqueName('ex');
    const c = await signedIn(h, name, { emailVerified: false });
    const token = await issueEmailToken(h.services, await userOf(h, name), 'verify', -1000);
    const res = await c.get(`/-/verify?token=${token}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /This link does not work/);
    assert.match(res.text, /Resend verification email/);
    assert.doesNotMatch(res.text, /next=[^"]*token/, 'the token does not travel on in the header’s links');
    assert.equal((await userOf(h, name)).emailVerifiedAt, null);
  });

  void it('throttles resending per account: the fourth in an hour is a 429 page with Retry-After, and no mail goes out', async () => {
    const name = uniqueName('et');
    const c = await signedIn(h, name, { emailVerified: false });
    for (let i = 0; i < 3; i++) assert.equal((await c.post('/-/account', { op: 'resend' })).status, 303);
    await box.next(mailOf(name), 2);
    const refused = await c.post('/-/account', { op: 'resend' });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(refused.text, /Too many verification emails asked for\. Try again in \d+ minute/);
    // The same account from another browser (same person) is still throttled.
    const other = await signedIn(h, name);
    assert.equal((await other.post('/-/account', { op: 'resend' })).status, 429);
    await settle();
    assert.equal(box.to(mailOf(name)).length, 3);
  });

  void it('refuses a resend with a wrong CSRF token, sending nothing', async () => {
    const name = uniqueName('ec');
    const c = await signedIn(h, name);
    const forged = await c.post('/-/account', { op: 'resend', _csrf: 'x'.repeat(43) });
    assert.equal(forged.status, 403);
    const anonymous = await new WebClient(h).post('/-/account', { op: 'resend' });
    assert.equal(anonymous.status, 403);
    await settle();
    assert.equal(box.to(mailOf(name)).length, 0);
  });
});

void describe('changing the email', () => {
  void it('mails the new address a link and tells the old one; the email changes only when the link is followed', async () => {
    const name = uniqueName('cm');
    const fresh = `new-${name}@example.test`;
    const c = await signedIn(h, name);
    const owner = await makeTenant(h, uniqueName('co'));
    await uc.addCollaborator(
      h.services,
      cliActor(null),
      { owner: owner.owner, slug: owner.slug },
      { user: fresh, role: 'viewer' },
    );

    const wrong = await c.post('/-/account', { op: 'email', email: fresh, current: 'not my password' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /current password is wrong; nothing was changed/);
    await settle();
    assert.equal(box.to(fresh).length + box.to(mailOf(name)).length, 0, 'no mail for a wrong password');

    const ok = await c.post('/-/account', { op: 'email', email: fresh, current: PASSWORD });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/-/account?done=email-sent#email');
    const page = await c.get('/-/account?done=email-sent');
    assert.match(page.text, /We sent a confirmation link to the new address/);
    assert.match(page.text, new RegExp(`Waiting for confirmation of <strong>${fresh}</strong>`));
    const toNew = await box.next(fresh);
    assert.match(toNew.text, /Subject: Confirm your new email for Wikibot/);
    const link = linkIn(toNew, 'email-change');
    const toOld = await box.next(mailOf(name));
    assert.match(toOld.text, /Subject: A new email was requested for your Wikibot account/);
    assert.ok(toOld.text.includes(fresh));
    assert.doesNotMatch(toOld.text, /email-change\?token=/, 'the old address never gets the link');
    assert.equal((await userOf(h, name)).email, mailOf(name), 'the old address stays until the link is followed');
    assert.equal((await new WebClient(h).signIn(mailOf(name))).status, 303);

    const followed = await new WebClient(h).get(link);
    assert.equal(followed.status, 200, followed.text);
    assert.match(followed.text, /Your account's email is now/);
    assert.ok(
      followed.text.includes(`/${owner.owner}/${owner.slug}/`),
      'the invitation to the new address became a role',
    );
    const user = await userOf(h, name);
    assert.equal(user.email, fresh);
    assert.ok(user.emailVerifiedAt, 'the followed link verified the new address');
    const wiki = (await h.services.meta.getWiki(owner.owner, owner.slug))!;
    assert.equal(await h.services.meta.getRole(wiki.id, user.id), 'viewer');
    assert.equal((await new WebClient(h).signIn(fresh)).status, 303);
    assert.equal((await new WebClient(h).signIn(mailOf(name))).status, 401);
    assert.match((await box.next(mailOf(name), 1)).text, /Subject: The email of your Wikibot account was changed/);
    const account = await c.get('/-/account');
    assert.match(account.text, /✓ verified/);
    assert.doesNotMatch(account.text, /Waiting for confirmation/);

    const again = await c.get(link);
    assert.equal(again.status, 400);
    assert.match(again.text, /invalid, was used already or has expired/);
    assert.match(again.text, /Your email address was not changed/);
  });

  void it('answers an address that has an account exactly like a free one; its holder is told, and nothing changes', async () => {
    const holder = uniqueName('ch');
    await signedIn(h, holder);
    const a = uniqueName('ca');
    const b = uniqueName('cb');
    const ca = await signedIn(h, a);
    const cb = await signedIn(h, b);
    const free = `free-${b}@example.test`;
    const taken = await ca.post('/-/account', { op: 'email', email: mailOf(holder).toUpperCase(), current: PASSWORD });
    const fine = await cb.post('/-/account', { op: 'email', email: free, current: PASSWORD });
    assert.deepEqual([taken.status, taken.location], [fine.status, fine.location]);
    const pageA = mainOf((await ca.get(taken.location!)).text)
      .replaceAll(mailOf(holder).toUpperCase(), 'NEW')
      .replaceAll(a, 'U');
    const pageB = mainOf((await cb.get(fine.location!)).text)
      .replaceAll(free, 'NEW')
      .replaceAll(b, 'U');
    assert.equal(pageA, pageB, 'the requester cannot tell a taken address from a free one');

    const notice = await box.next(mailOf(holder));
    assert.match(notice.text, /Subject: Someone tried to move a Wikibot account to your email/);
    assert.doesNotMatch(notice.text, /token=/);
    assert.match((await box.next(mailOf(a))).text, /A new email was requested/);
    assert.equal((await userOf(h, a)).email, mailOf(a));
    assert.equal((await userOf(h, holder)).email, mailOf(holder));
    assert.equal((await new WebClient(h).signIn(mailOf(holder))).status, 303, 'the holder still signs in with it');
  });

  void it('refuses a malformed address, the current address and a forged form, changing nothing and sending nothing', async () => {
    const name = uniqueName('cb');
    const c = await signedIn(h, name);
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      [{ op: 'email', email: 'not an email', current: PASSWORD }, 400, /email/i],
      [{ op: 'email', email: mailOf(name).toUpperCase(), current: PASSWORD }, 400, /is already your email address/],
      [{ op: 'email', email: `x-${name}@example.test`, current: PASSWORD, _csrf: 'y'.repeat(43) }, 403, /CSRF/],
    ];
    for (const [fields, status, message] of cases) {
      const res = await c.post('/-/account', fields);
      assert.equal(res.status, status, JSON.stringify(fields));
      assert.match(res.text, message);
    }
    await settle();
    assert.equal(box.to(mailOf(name)).length + box.to(`x-${name}@example.test`).length, 0);
    assert.equal((await userOf(h, name)).email, mailOf(name));
    assert.deepEqual(await h.services.meta.listEmailTokens((await userOf(h, name)).id, 'change'), []);
  });

  void it('throttles email changes per account (429 with Retry-After); a cancelled change’s link no longer works', async () => {
    const name = uniqueName('cr');
    const c = await signedIn(h, name);
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await c.post('/-/account', { op: 'email', email: `n${i}-${name}@example.test`, current: PASSWORD })).status,
        303,
      );
    const refused = await c.post('/-/account', { op: 'email', email: `n3-${name}@example.test`, current: PASSWORD });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(refused.text, /Too many email changes asked for/);
    await settle();
    assert.equal(box.to(`n3-${name}@example.test`).length, 0);

    const earlier = linkIn(await box.next(`n1-${name}@example.test`), 'email-change');
    const latest = linkIn(await box.next(`n2-${name}@example.test`), 'email-change');
    assert.equal((await c.get(earlier)).status, 400, 'a newer request replaces the pending one');
    assert.match(
      (await c.get('/-/account')).text,
      new RegExp(`Waiting for confirmation of <strong>n2-${name}@example.test</strong>`),
    );
    const cancelled = await c.post('/-/account', { op: 'cancel-email' });
    assert.equal(cancelled.status, 303);
    assert.match((await c.get(cancelled.location!.replace('#email', ''))).text, /The email change was cancelled/);
    assert.equal((await c.get(latest)).status, 400);
    assert.equal((await userOf(h, name)).email, mailOf(name));
  });

  void it('refuses an expired change link with a clear page, changing nothing', async () => {
    const name = uniqueName('ce');
    await signedIn(h, name);
    const user = await userOf(h, name);
    const token = await issueEmailToken(h.services, user, 'change', -1000, `late-${name}@example.test`);
    const res = await new WebClient(h).get(`/-/email-change?token=${token}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /This link does not work/);
    assert.match(res.text, /Sign in/);
    assert.equal((await userOf(h, name)).email, mailOf(name));
  });
});

void describe('without a mail server', () => {
  void it('says so on the account page, sends nothing and offers no email change', async () => {
    const name = uniqueName('nm');
    const c = await signedIn(bare, name, { emailVerified: false });
    const page = await c.get('/-/account');
    assert.match(page.text, /not verified/);
    assert.match(page.text, /this server has no mail set up, so it cannot send you a verification link/);
    assert.ok(page.text.includes(`wikibot user reset-link ${name}`));
    assert.doesNotMatch(page.text, /Resend verification email/);
    assert.doesNotMatch(page.text, /name="op" value="email"/);
    assert.doesNotMatch(
      (await c.get('/')).text,
      /id="verify-notice"/,
      'no nagging on the dashboard about what cannot be done',
    );

    const resend = await c.post('/-/account', { op: 'resend' });
    assert.equal(resend.location, '/-/account?done=verify-no-mail#email');
    assert.match((await c.get('/-/account?done=verify-no-mail')).text, /no verification email was sent/);
    const change = await c.post('/-/account', { op: 'email', email: `other-${name}@example.test`, current: PASSWORD });
    assert.equal(change.status, 400);
    assert.match(change.text, /cannot send email/);
    assert.equal((await userOf(bare, name)).email, mailOf(name));
    assert.deepEqual(await bare.services.meta.listEmailTokens((await userOf(bare, name)).id, 'change'), []);
  });
});
