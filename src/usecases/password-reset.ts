/**
 * Lost passwords: asking for a reset link (mailed when an account matches; the answer is the same when none does),
 * the operator's reset link from the command line when there is no mail server, and setting a new password with a
 * link, which uses the link up and signs the account out everywhere.
 */
import { checkPasswordStrength, hashPassword } from '../auth/passwords.js';
import { WikiError } from '../errors.js';
import type { User } from '../meta/meta-store.js';
import { issueEmailToken, publicOrigin, sendInBackground, takeEmailToken } from './email.js';
import type { Services } from './services.js';

/** A reset link works for an hour. */
export const RESET_TTL_MS = 3_600_000;

const resetLink = (services: Services, token: string) => `${publicOrigin(services.config)}/-/reset?token=${token}`;

/**
 * Mails a reset link to the account with this email or username, if there is one (and a mail server). Returns
 * nothing either way: the caller shows one answer, so nobody learns which accounts exist.
 */
export async function requestPasswordReset(services: Services, login: string): Promise<void> {
  const name = login.trim();
  if (!name || name.length > 254 || !services.mailer) return;
  const user = name.includes('@') ? await services.meta.getUserByEmail(name) : await services.meta.getUserByUsername(name.toLowerCase());
  if (!user || user.disabled) return;
  const token = await issueEmailToken(services, user, 'reset', RESET_TTL_MS);
  sendInBackground(
    services,
    {
      to: user.email,
      subject: 'Reset your Wikibot password',
      text: `Hello ${user.username},\n\nsomeone (perhaps you) asked to reset the password of your Wikibot account. Choose a new one here (the link works once, for an hour):\n\n${resetLink(services, token)}\n\nSetting a new password signs you out everywhere. If you did not ask, ignore this message: your password stays as it is.\n`,
    },
    'reset',
  );
}

/** The operator's way without mail: a one-time reset link for `username` (USER_NOT_FOUND for an unknown one). */
export async function createResetLink(services: Services, username: string): Promise<{ user: User; link: string; expiresAt: string }> {
  const user = await services.meta.getUserByUsername(username.trim().toLowerCase());
  if (!user) throw new WikiError('USER_NOT_FOUND', `There is no user "${username}".`, { username });
  if (user.disabled) throw new WikiError('INVALID_INPUT', `${user.username} is disabled; enable the account first (wikibot user enable ${user.username}).`);
  const token = await issueEmailToken(services, user, 'reset', RESET_TTL_MS);
  return { user, link: resetLink(services, token), expiresAt: new Date(Date.now() + RESET_TTL_MS).toISOString() };
}

/**
 * Sets a new password with a reset link. The password is checked first, so a weak one does not use the link up;
 * then the link (and any other reset link of the account) stops working and every session of the account ends.
 */
export async function resetPassword(services: Services, token: string, password: string): Promise<User> {
  checkPasswordStrength(password);
  const { user } = await takeEmailToken(services, 'reset', token);
  const updated = (await services.meta.updateUser(user.id, { passwordHash: await hashPassword(password) })) ?? user;
  await services.meta.deleteEmailTokens(user.id, 'reset');
  for (const s of await services.meta.listSessions(user.id)) await services.meta.revokeSession(user.id, s.id);
  return updated;
}
