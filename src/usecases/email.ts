/**
 * Mail to account holders: one-time links (stored as SHA-256 hashes, each working once), email verification after
 * sign-up, and the notice sent instead when someone signs up with an address that already has an account. Mail is
 * sent in the background so that an answer never takes longer because an account exists (no enumeration by timing);
 * a mail server failure is logged, never shown to the visitor.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { WikiError } from '../errors.js';
import type { EmailTokenPurpose, User } from '../meta/meta-store.js';
import type { Role } from '../meta/meta-store.js';
import type { MailMessage } from './mailer.js';
import { acceptInvitations } from './management.js';
import type { Services } from './services.js';
import { signUp, type SignUpInput } from './sign-up.js';

/** A verification link works for a day. */
export const VERIFY_TTL_MS = 24 * 3_600_000;
const PREFIX = 'wbm_';

export const hashEmailToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The origin put in mailed links: WIKIBOT_BASE_URL, else http://host:port. Never the request's Host header, which a
 * visitor chooses: a reset link pointing at their server would hand them the token.
 */
export function publicOrigin(config: Config): string {
  if (config.baseUrl !== null) return config.baseUrl.replace(/\/$/, '');
  const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

/** Creates a one-time token for `user`, mailed to `email` (default: theirs), and returns it; only its hash is stored. */
export async function issueEmailToken(services: Services, user: User, purpose: EmailTokenPurpose, ttlMs: number, email = user.email): Promise<string> {
  const token = PREFIX + randomBytes(32).toString('base64url');
  await services.meta.createEmailToken({ userId: user.id, purpose, hash: hashEmailToken(token), email, expiresAt: new Date(Date.now() + ttlMs).toISOString() });
  return token;
}

/**
 * Uses up a token: the record behind it, or INVALID_INPUT for an unknown, used or expired one (one message for all,
 * so a guess learns nothing).
 */
export async function takeEmailToken(services: Services, purpose: EmailTokenPurpose, token: string) {
  const bad = new WikiError('INVALID_INPUT', 'This link is invalid, was used already or has expired; ask for a new one.', { field: 'token' });
  if (!token.startsWith(PREFIX) || token.length > 100) throw bad;
  const record = await services.meta.takeEmailToken(purpose, hashEmailToken(token));
  if (!record || Date.parse(record.expiresAt) <= Date.now()) throw bad;
  const user = await services.meta.getUserById(record.userId);
  if (!user || user.disabled) throw bad;
  return { record, user };
}

/** Sends without waiting: the caller's answer must not depend on whether (or how fast) mail went out. */
export function sendInBackground(services: Services, message: MailMessage, what: string): void {
  const mailer = services.mailer;
  if (!mailer) return;
  mailer.send(message).then(
    () => services.log.info({ what }, 'mail sent'),
    (err: unknown) => services.log.error({ err, what }, 'mail could not be sent'),
  );
}

/** Mails `user` a link that verifies their email (when a mail server is configured). */
export async function sendVerification(services: Services, user: User): Promise<void> {
  if (!services.mailer) return;
  const token = await issueEmailToken(services, user, 'verify', VERIFY_TTL_MS);
  const link = `${publicOrigin(services.config)}/-/verify?token=${token}`;
  sendInBackground(
    services,
    {
      to: user.email,
      subject: 'Confirm your email for Wikibot',
      text: `Hello ${user.username},\n\nconfirm that this address is yours by opening this link (it works once, for 24 hours):\n\n${link}\n\nWikis that invited this address become yours to open once you do.\nIf you did not create this account, ignore this message.\n`,
    },
    'verify',
  );
}

/**
 * Signs up (see signUp) and mails the address: a verification link to a new account, or to the holder of an
 * existing account a notice that someone tried to sign up with it. The caller answers the same either way.
 */
export async function signUpWithEmail(services: Services, input: SignUpInput): Promise<{ created: User | null }> {
  const result = await signUp(services, input);
  if (!services.mailer) return result;
  if (result.created) {
    await sendVerification(services, result.created);
  } else {
    const existing = await services.meta.getUserByEmail(input.email.trim());
    if (existing && !existing.disabled) {
      sendInBackground(
        services,
        {
          to: existing.email,
          subject: 'Someone tried to sign up to Wikibot with your email',
          text: `Hello ${existing.username},\n\nsomeone (perhaps you) tried to create a new Wikibot account with this address, which already has your account "${existing.username}". Nothing was changed.\n\nSign in: ${publicOrigin(services.config)}/-/signin\nForgot your password? ${publicOrigin(services.config)}/-/forgot\n`,
        },
        'signup-notice',
      );
    }
  }
  return result;
}

/**
 * Follows a verification link: marks the email verified (if the account still has the address the link was sent
 * to) and turns pending invitations to it into roles.
 */
export async function verifyEmail(services: Services, token: string): Promise<{ user: User; accepted: Array<{ wiki: string; role: Role }> }> {
  const { record, user } = await takeEmailToken(services, 'verify', token);
  if (record.email.toLowerCase() !== user.email.toLowerCase()) {
    throw new WikiError('INVALID_INPUT', 'This link was sent to an address your account no longer has.', { field: 'token' });
  }
  const verified = (await services.meta.updateUser(user.id, { emailVerifiedAt: user.emailVerifiedAt ?? new Date().toISOString() })) ?? user;
  await services.meta.deleteEmailTokens(user.id, 'verify');
  return { user: verified, accepted: await acceptInvitations(services, verified) };
}
