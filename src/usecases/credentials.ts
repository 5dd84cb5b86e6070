/**
 * What a signed-in person does with their own email and password from the account page: see whether the email is
 * verified and ask for a new verification link, move the account to another email (the new address counts only once
 * a link mailed to it is followed; until then the old one stays, and is told), and set or change the password.
 *
 * Proving it is really them: the current password, or — for an account that signs in only through an identity
 * provider and has no password — a sign-in less than ten minutes old. Wrong current passwords count in the sign-in
 * throttle (a stolen session must not become a password-guessing oracle); asks that send mail are throttled per
 * account and per network address.
 */
import type { Actor } from '../auth/actor.js';
import { parseEmail } from '../auth/names.js';
import { checkPasswordStrength, hashPassword, verifyPassword } from '../auth/passwords.js';
import { SignInThrottle, signInThrottleOf, tooManyAttempts } from '../auth/throttle.js';
import { isWikiError, WikiError } from '../errors.js';
import type { Role, User } from '../meta/meta-store.js';
import { issueEmailToken, publicOrigin, sendInBackground, sendVerification, takeEmailToken } from './email.js';
import { acceptInvitations } from './management.js';
import type { Services } from './services.js';

/** How recent a sign-in must be to stand in for a password (accounts without one). */
export const RECENT_SIGN_IN_MS = 10 * 60_000;
/** A link confirming a new email works for a day, like a verification link. */
export const EMAIL_CHANGE_TTL_MS = 24 * 3_600_000;
/** Verification mails one account may ask for, and one address may ask for over all accounts, in an hour. */
export const RESEND_PER_ACCOUNT = 3;
export const RESEND_PER_ADDRESS = 20;
/** Email changes one account may ask for, and one address over all accounts, in an hour (each sends up to two mails). */
export const CHANGE_PER_ACCOUNT = 3;
export const CHANGE_PER_ADDRESS = 20;
const MAIL_WINDOW_MS = 3_600_000;

/** Who asks: the signed-in actor, their browser session (for "signed in recently") and their network address. */
export interface CredentialContext {
  actor: Actor;
  /** The session the request came with; null outside a browser session. */
  session: { id: number; createdAt: string } | null;
  ip: string;
}

/**
 * Counts mail asked for per account (whatever the address: a signed-in person moving between networks is still one
 * person) and per address (whatever the account: one machine with many accounts).
 */
class MailThrottle {
  // SignInThrottle counts per (address, login) and per address; the account count uses one fixed "address" and the
  // address count one fixed "login", with the other limit out of reach.
  private readonly accounts: SignInThrottle;
  private readonly addresses: SignInThrottle;

  constructor(perAccount: number, perAddress: number) {
    this.accounts = new SignInThrottle(perAccount, Number.POSITIVE_INFINITY, MAIL_WINDOW_MS);
    this.addresses = new SignInThrottle(Number.POSITIVE_INFINITY, perAddress, MAIL_WINDOW_MS);
  }

  wait(ip: string, userId: number): number | null {
    const a = this.accounts.wait('account', String(userId));
    const b = this.addresses.wait(ip, '');
    return a === null && b === null ? null : Math.max(a ?? 0, b ?? 0);
  }

  count(ip: string, userId: number): void {
    this.accounts.failed('account', String(userId));
    this.addresses.failed(ip, '');
  }
}

const throttles = new WeakMap<Services, { resend: MailThrottle; change: MailThrottle }>();
function throttlesOf(services: Services) {
  let t = throttles.get(services);
  if (!t) {
    t = { resend: new MailThrottle(RESEND_PER_ACCOUNT, RESEND_PER_ADDRESS), change: new MailThrottle(CHANGE_PER_ACCOUNT, CHANGE_PER_ADDRESS) };
    throttles.set(services, t);
  }
  return t;
}

const minutes = (seconds: number) => Math.max(1, Math.ceil(seconds / 60));
const rateLimited = (message: string, retryAfter: number) => new WikiError('RATE_LIMITED', message, { retryAfter });

function signedInUser(ctx: CredentialContext): User {
  const user = ctx.actor.user;
  if (!user || ctx.actor.token) throw new WikiError('UNAUTHORIZED', 'Sign in to manage your account.');
  return user;
}

/** Whether the session began (with a password or at an identity provider) less than ten minutes ago. */
export function signedInRecently(session: CredentialContext['session'], now = Date.now()): boolean {
  return session !== null && now - Date.parse(session.createdAt) < RECENT_SIGN_IN_MS;
}

/**
 * Checks that the person at the keyboard is the account's owner: the current password when the account has one,
 * otherwise a recent sign-in (UNAUTHORIZED with `reauthenticate: true`: sign in again through the provider).
 */
async function proveItIsYou(services: Services, ctx: CredentialContext, user: User, current: string): Promise<void> {
  if (user.passwordHash === null) {
    if (signedInRecently(ctx.session)) return;
    throw new WikiError('UNAUTHORIZED', 'For your safety, sign in again first: your sign-in is more than 10 minutes old. Nothing was changed.', {
      reauthenticate: true,
    });
  }
  const throttle = signInThrottleOf(services);
  const wait = throttle.wait(ctx.ip, user.username);
  if (wait !== null) throw rateLimited(tooManyAttempts(wait), wait);
  if (!current || current.length > 1024 || !(await verifyPassword(current, user.passwordHash))) {
    throttle.failed(ctx.ip, user.username);
    throw new WikiError('INVALID_INPUT', 'The current password is wrong; nothing was changed.', { field: 'current' });
  }
}

export interface CredentialStatus {
  email: string;
  /** When the email was verified; null: not verified. */
  emailVerifiedAt: string | null;
  /** An email change waiting for its link to be followed (the newest unexpired one). */
  pendingEmail: { email: string; expiresAt: string } | null;
  hasPassword: boolean;
  /** Whether this installation can send mail (verification and email changes need it). */
  mailConfigured: boolean;
  /** Whether this session may stand in for a password (no-password accounts), and until when. */
  recentSignInUntil: string | null;
}

/** The signed-in user's email, its verification, a pending change and whether they have a password. */
export async function describeCredentials(services: Services, ctx: CredentialContext): Promise<CredentialStatus> {
  const user = signedInUser(ctx);
  const now = Date.now();
  const pending = (await services.meta.listEmailTokens(user.id, 'change')).filter((t) => Date.parse(t.expiresAt) > now).at(-1);
  return {
    email: user.email,
    emailVerifiedAt: user.emailVerifiedAt,
    pendingEmail: pending ? { email: pending.email, expiresAt: pending.expiresAt } : null,
    hasPassword: user.passwordHash !== null,
    mailConfigured: services.mailer !== null,
    recentSignInUntil: ctx.session && signedInRecently(ctx.session, now) ? new Date(Date.parse(ctx.session.createdAt) + RECENT_SIGN_IN_MS).toISOString() : null,
  };
}

export type ResendOutcome = 'sent' | 'already-verified' | 'no-mail';

/**
 * Mails the signed-in user a new verification link. Older verification links stop working: asking again means the
 * earlier mail was lost or expired, and a lost link that still works is a credential lying in someone's mailbox.
 * RATE_LIMITED (with `retryAfter` seconds) past 3 a hour per account or 20 per address.
 */
export async function resendVerification(services: Services, ctx: CredentialContext): Promise<{ outcome: ResendOutcome; email: string }> {
  const user = signedInUser(ctx);
  if (user.emailVerifiedAt !== null) return { outcome: 'already-verified', email: user.email };
  if (!services.mailer) return { outcome: 'no-mail', email: user.email };
  const throttle = throttlesOf(services).resend;
  const wait = throttle.wait(ctx.ip, user.id);
  if (wait !== null) throw rateLimited(`Too many verification emails asked for. Try again in ${minutes(wait)} minute(s).`, wait);
  throttle.count(ctx.ip, user.id);
  await services.meta.deleteEmailTokens(user.id, 'verify');
  await sendVerification(services, user);
  return { outcome: 'sent', email: user.email };
}

/**
 * Starts moving the signed-in account to `email`: mails the new address a link (the change happens only when it is
 * followed) and tells the old address. When another account has the address, that address gets a notice instead of a
 * link, and the caller sees exactly the same answer and the same pending change (which can never complete): nobody
 * learns which addresses have accounts. Asking again replaces the pending change.
 */
export async function requestEmailChange(services: Services, ctx: CredentialContext, input: { email: string; current: string }): Promise<{ email: string }> {
  const user = signedInUser(ctx);
  if (!services.mailer) {
    throw new WikiError('INVALID_INPUT', 'This server cannot send email, so a new address cannot be confirmed here; ask its administrator.', { field: 'email' });
  }
  const email = parseEmail(input.email.trim());
  if (email.toLowerCase() === user.email.toLowerCase()) throw new WikiError('INVALID_INPUT', `${user.email} is already your email address.`, { field: 'email' });
  const throttle = throttlesOf(services).change;
  const wait = throttle.wait(ctx.ip, user.id);
  if (wait !== null) throw rateLimited(`Too many email changes asked for. Try again in ${minutes(wait)} minute(s).`, wait);
  await proveItIsYou(services, ctx, user, input.current);
  throttle.count(ctx.ip, user.id);

  const holder = await services.meta.getUserByEmail(email);
  await services.meta.deleteEmailTokens(user.id, 'change');
  const token = await issueEmailToken(services, user, 'change', EMAIL_CHANGE_TTL_MS, email);
  const origin = publicOrigin(services.config);
  if (holder) {
    sendInBackground(
      services,
      {
        to: holder.email,
        subject: 'Someone tried to move a Wikibot account to your email',
        text: `Hello ${holder.username},\n\nsomeone asked to move another Wikibot account to this address, which already belongs to your account "${holder.username}". Nothing was changed, and your account is not affected.\n\nSign in: ${origin}/-/signin\n`,
      },
      'email-change-taken',
    );
  } else {
    sendInBackground(
      services,
      {
        to: email,
        subject: 'Confirm your new email for Wikibot',
        text: `Hello ${user.username},\n\nconfirm that this address should become the email of your Wikibot account by opening this link (it works once, for 24 hours):\n\n${origin}/-/email-change?token=${token}\n\nUntil you do, your account keeps its current address. If you did not ask for this, ignore this message.\n`,
      },
      'email-change',
    );
  }
  sendInBackground(
    services,
    {
      to: user.email,
      subject: 'A new email was requested for your Wikibot account',
      text: `Hello ${user.username},\n\nsomeone signed in as you asked to change the email of your Wikibot account from ${user.email} to ${email}. The change happens only when the link mailed to the new address is followed; until then this address stays.\n\nIf this was not you, change your password and cancel the change on your account page: ${origin}/-/account\n`,
    },
    'email-change-notice',
  );
  return { email };
}

/** Drops the signed-in user's pending email change (its link stops working); false when there was none. */
export async function cancelEmailChange(services: Services, ctx: CredentialContext): Promise<boolean> {
  const user = signedInUser(ctx);
  return (await services.meta.deleteEmailTokens(user.id, 'change')) > 0;
}

/**
 * Follows an email-change link: the account's email becomes the new address, verified, and invitations to it become
 * roles. Links mailed to the old address (verification, password reset) stop working. INVALID_INPUT for an unknown,
 * used or expired link, and when another account took the address meanwhile (nothing changes).
 */
export async function confirmEmailChange(services: Services, token: string): Promise<{ user: User; previous: string; accepted: Array<{ wiki: string; role: Role }> }> {
  const { record, user } = await takeEmailToken(services, 'change', token);
  const previous = user.email;
  let updated: User | null;
  try {
    updated = await services.meta.updateUser(user.id, { email: record.email, emailVerifiedAt: new Date().toISOString() });
  } catch (err) {
    if (!isWikiError(err, 'USER_EXISTS')) throw err;
    throw new WikiError('INVALID_INPUT', `${record.email} belongs to another account now; your email stays ${previous}. Nothing was changed.`, { field: 'token' });
  }
  if (!updated) throw new WikiError('INVALID_INPUT', 'This link is invalid, was used already or has expired; ask for a new one.', { field: 'token' });
  for (const purpose of ['verify', 'reset', 'change'] as const) await services.meta.deleteEmailTokens(user.id, purpose);
  sendInBackground(
    services,
    {
      to: previous,
      subject: 'The email of your Wikibot account was changed',
      text: `Hello ${user.username},\n\nthe email of your Wikibot account is now ${updated.email}; mail about the account goes there from now on.\n\nIf this was not you, write to the administrator of ${publicOrigin(services.config)} at once.\n`,
    },
    'email-changed',
  );
  return { user: updated, previous, accepted: await acceptInvitations(services, updated) };
}

/**
 * Sets the signed-in user's password: changing it needs the current one; an account without one (made through an
 * identity provider) needs a recent sign-in instead. The user's other sessions end (this one stays), unused reset
 * links stop working, and the account's address is told.
 */
export async function setPassword(services: Services, ctx: CredentialContext, input: { current: string; password: string }): Promise<{ first: boolean }> {
  const user = signedInUser(ctx);
  await proveItIsYou(services, ctx, user, input.current);
  checkPasswordStrength(input.password);
  await services.meta.updateUser(user.id, { passwordHash: await hashPassword(input.password) });
  await services.meta.deleteEmailTokens(user.id, 'reset');
  for (const s of await services.meta.listSessions(user.id)) if (s.id !== ctx.session?.id) await services.meta.revokeSession(user.id, s.id);
  const first = user.passwordHash === null;
  sendInBackground(
    services,
    {
      to: user.email,
      subject: first ? 'A password was set for your Wikibot account' : 'Your Wikibot password was changed',
      text: `Hello ${user.username},\n\n${first ? 'a password was set for your Wikibot account; you can now sign in with it as well.' : 'the password of your Wikibot account was changed, and your other browsers were signed out.'}\n\nIf this was not you, reset your password at once: ${publicOrigin(services.config)}/-/forgot\n`,
    },
    first ? 'password-set' : 'password-changed',
  );
  return { first };
}
