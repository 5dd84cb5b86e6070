/**
 * Mail for accounts against a real SMTP receiver (smtp-server on 127.0.0.1): the lost-password flow (/-/forgot,
 * /-/reset: works once, expires, one answer for unknown accounts and no mail, throttled, every session ended),
 * verification after sign-up (invitations become roles only once the link is followed), the notice to an existing
 * account, and `wikibot user reset-link` for installations without mail.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliActor } from '../src/auth/actor.js';
import { loadConfig } from '../src/config.js';
import { issueEmailToken } from '../src/usecases/email.js';
import * as uc from '../src/usecases/index.js';
import { linkIn, startServerWithMail, type MailBox } from './email-support.js';
import { makeTenant, startServer, uniqueName, type TestServer } from './harness.js';
import { PASSWORD, signedIn, WebClient } from './web-support.js';

const CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../src/cli.js');
const NEW_PASSWORD = 'another horse battery staple';

let box: MailBox;
let h: TestServer;
before(async () => {
  ({ box, h } = await startServerWithMail());
});
after(async () => {
  await h.close();
  await box.close();
});

async function forgot(c: WebClient, login: string) {
  assert.equal((await c.get('/-/forgot')).status, 200);
  return c.post('/-/forgot', { login });
}

/** Opens a reset link and sets a new password through the form, as a browser would. */
async function reset(c: WebClient, path: string, password = NEW_PASSWORD) {
  const page = await c.get(path);
  assert.equal(page.status, 200);
  const token = /name="token" value="([^"]*)"/.exec(page.text)?.[1] ?? '';
  return c.post('/-/reset', { token, password });
}

const answer = (text: string) =>
  /<main[^]*<\/main>/.exec(text)?.[0].replace(/<meta name="csrf-token" content="[^"]*">/, '') ?? text;

void describe('lost password', () => {
  void it('mails a link that sets a new password once and only once, and ends every session', async () => {
    const name = uniqueName('rs');
    const old = await signedIn(h, name);
    const other = await signedIn(h, name);
    const res = await forgot(new WebClient(h), `${name}@example.test`);
    assert.equal(res.status, 200);
    assert.match(res.text, /If an account exists for what you entered, we sent a link/);
    const mail = await box.next(`${name}@example.test`);
    assert.match(mail.text, /Subject: Reset your Wikibot password/);
    const link = linkIn(mail, 'reset');

    const c = new WebClient(h);
    const weak = await reset(c, link, 'short');
    assert.equal(weak.status, 400, 'a weak password is refused and does not use the link up');
    const done = await reset(c, link);
    assert.equal(done.status, 200, done.text);
    assert.match(done.text, /Password changed/);

    for (const client of [old, other])
      assert.equal((await client.get('/-/account')).status, 303, 'the old sessions are signed out');
    assert.equal((await new WebClient(h).signIn(name, PASSWORD)).status, 401, 'the old password no longer works');
    assert.equal((await new WebClient(h).signIn(name, NEW_PASSWORD)).status, 303);

    const again = await reset(new WebClient(h), link, 'a third horse battery staple');
    assert.equal(again.status, 400);
    assert.match(again.text, /invalid, was used already or has expired/);
    assert.equal((await new WebClient(h).signIn(name, NEW_PASSWORD)).status, 303, 'the second use changed nothing');
  });

  void it('refuses an expired or made-up link, changing nothing', async () => {
    const name = uniqueName('rx');
    await signedIn(h, name);
    const user = (await h.services.meta.getUserByUsername(name))!;
    const expired = await issueEmailToken(h.services, user, 'reset', -1000);
    for (const token of [expired, 'wbm_made-up', '']) {
      const res = await reset(new WebClient(h), `/-/reset?token=${token}`);
      assert.equal(res.status, 400, token);
      assert.match(res.text, /invalid, was used already or has expired/);
    }
    assert.equal((await new WebClient(h).signIn(name, PASSWORD)).status, 303, 'the password is unchanged');
  });

  void it('answers the same for an unknown account and sends no mail', async () => {
    const name = uniqueName('ru');
    await signedIn(h, name);
    const unknown = await forgot(new WebClient(h), `nobody-${name}@example.test`);
    const unknownUser = await forgot(new WebClient(h), `nobody-${name}`);
    const known = await forgot(new WebClient(h), name);
    assert.deepEqual([unknown.status, unknownUser.status, known.status], [200, 200, 200]);
    assert.equal(answer(unknown.text), answer(known.text));
    assert.equal(answer(unknownUser.text), answer(known.text));
    await box.next(`${name}@example.test`);
    assert.equal(box.to(`nobody-${name}@example.test`).length, 0);
    assert.equal(box.mails.filter((m) => m.text.includes(`nobody-${name}`)).length, 0);
  });

  void it('throttles requests for one account (429 with Retry-After), and sends no more mail', async () => {
    const name = uniqueName('rt');
    await signedIn(h, name);
    for (let i = 0; i < 3; i++) assert.equal((await forgot(new WebClient(h), name)).status, 200);
    const res = await forgot(new WebClient(h), name.toUpperCase());
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.match(res.text, /Too many reset requests/);
    await box.next(`${name}@example.test`, 2);
    await new Promise((done) => setTimeout(done, 300));
    assert.equal(box.to(`${name}@example.test`).length, 3);
  });

  void it('refuses a forged form (CSRF) without sending mail', async () => {
    const name = uniqueName('rc');
    await signedIn(h, name);
    const c = new WebClient(h);
    await c.get('/-/forgot');
    const res = await c.request('POST', '/-/forgot', { login: name });
    assert.equal(res.status, 403);
    await new Promise((done) => setTimeout(done, 300));
    assert.equal(box.to(`${name}@example.test`).length, 0);
  });
});

void describe('email verification', () => {
  void it('accepts invitations only after the mailed link is followed, once', async () => {
    const owner = await makeTenant(h, uniqueName('vo'));
    const name = uniqueName('vn');
    const email = `${name}@example.test`;
    await uc.addCollaborator(
      h.services,
      cliActor(null),
      { owner: owner.owner, slug: owner.slug },
      { user: email, role: 'editor' },
    );
    const c = new WebClient(h);
    await c.get('/-/signup');
    const res = await c.post('/-/signup', { username: name, email, password: PASSWORD });
    assert.equal(res.status, 200);
    const user = (await h.services.meta.getUserByUsername(name))!;
    const wiki = (await h.services.meta.getWiki(owner.owner, owner.slug))!;
    assert.equal(await h.services.meta.getRole(wiki.id, user.id), null, 'not before the email is verified');
    assert.equal(user.emailVerifiedAt, null);

    const mail = await box.next(email);
    assert.match(mail.text, /Subject: Confirm your email for Wikibot/);
    const link = linkIn(mail, 'verify');
    const followed = await new WebClient(h).get(link);
    assert.equal(followed.status, 200);
    assert.match(followed.text, /Email confirmed/);
    assert.ok(followed.text.includes(`/${owner.owner}/${owner.slug}/`));
    assert.equal(await h.services.meta.getRole(wiki.id, user.id), 'editor');
    assert.ok((await h.services.meta.getUserById(user.id))!.emailVerifiedAt);
    assert.deepEqual(await h.services.meta.listInvitationsForEmail(email), []);

    const again = await new WebClient(h).get(link);
    assert.equal(again.status, 400);
    assert.match(again.text, /invalid, was used already or has expired/);
  });

  void it('mails the existing account a notice instead when its email signs up again (same web answer)', async () => {
    const name = uniqueName('ve');
    await signedIn(h, name);
    const email = `${name}@example.test`;
    const fresh = uniqueName('vf');
    const a = new WebClient(h);
    await a.get('/-/signup');
    const taken = await a.post('/-/signup', {
      username: uniqueName('vx'),
      email: email.toUpperCase(),
      password: PASSWORD,
    });
    const b = new WebClient(h);
    await b.get('/-/signup');
    const created = await b.post('/-/signup', { username: fresh, email: `${fresh}@example.test`, password: PASSWORD });
    assert.deepEqual([taken.status, created.status], [200, 200]);
    assert.equal(answer(taken.text), answer(created.text));
    const notice = await box.next(email);
    assert.match(notice.text, /already has your account/);
    assert.doesNotMatch(notice.text, /\/-\/verify\?token=/);
    assert.match((await box.next(`${fresh}@example.test`)).text, /\/-\/verify\?token=/);
  });
});

void describe('wikibot user reset-link', () => {
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: { ...process.env, WIKIBOT_LOG_LEVEL: 'silent', ...env }, timeout: 15_000 },
        (err, stdout, stderr) => {
          done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        },
      );
    });

  void it('prints a one-time link (WIKIBOT_BASE_URL) that resets the password over HTTP; an unknown user is an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wikibot-reset-'));
    try {
      const services = await uc.openServices(loadConfig({ data: dir }, {}));
      await uc.createUser(services, { username: 'first-admin', email: 'admin@example.test', password: null });
      await uc.createUser(services, { username: 'lost', email: 'lost@example.test', password: PASSWORD });
      await uc.closeServices(services);

      const out = await run(['user', 'reset-link', 'lost', '--data', dir], {
        WIKIBOT_BASE_URL: 'https://wiki.example.org',
      });
      assert.equal(out.code, 0, out.stderr);
      const link = out.stdout.trim();
      assert.match(link, /^https:\/\/wiki\.example\.org\/-\/reset\?token=wbm_[A-Za-z0-9_-]+$/);
      assert.match(out.stderr, /works once, for an hour/);
      const missing = await run(['user', 'reset-link', 'nobody', '--data', dir], {});
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /There is no user "nobody"/);
      const local = await run(['user', 'reset-link', 'lost', '--data', dir, '--port', '9090'], {});
      assert.match(local.stdout.trim(), /^http:\/\/127\.0\.0\.1:9090\/-\/reset\?token=wbm_/);

      const server = await startServer({ dataDir: dir });
      try {
        const path = new URL(link).pathname + new URL(link).search;
        assert.equal((await reset(new WebClient(server), path)).status, 200);
        assert.equal((await new WebClient(server).signIn('lost', NEW_PASSWORD)).status, 303);
        assert.equal((await reset(new WebClient(server), path, 'a third horse battery staple')).status, 400);
        assert.equal(
          (await forgot(new WebClient(server), 'lost')).status,
          200,
          'without SMTP the form answers the same',
        );
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
