/**
 * Signing in with an OpenID Connect provider, once the adapter has checked the provider's answer (state, nonce, PKCE,
 * ID token). Accounts are linked by the provider's subject and never by email: an email is only a claim of the
 * provider, so a provider account whose email matches an existing account must not open it. The adapter turns the
 * outcome into a session, a notice, or the "sign in with your password, then link" page.
 */
import { randomBytes } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { NAME_MAX_LENGTH, NAME_MIN_LENGTH, parseEmail, RESERVED_NAMES } from '../auth/names.js';
import { isWikiError, WikiError } from '../errors.js';
import type { Identity, User } from '../meta/meta-store.js';
import { createUser } from './accounts.js';
import type { Services } from './services.js';

/** What the provider said about the person, from its verified ID token. */
export interface OidcClaims {
  /** `sub`: the only claim accounts are matched on. */
  subject: string;
  email: string | null;
  emailVerified: boolean;
  preferredUsername: string | null;
  name: string | null;
}

export type OidcOutcome =
  /** A known identity: sign in as its account. */
  | { kind: 'signed-in'; user: User }
  /** A new identity and nobody signed in: a new account without a password. */
  | { kind: 'created'; user: User }
  /** A new identity while signed in: linked to the signed-in account. */
  | { kind: 'linked'; user: User }
  /** Signed in, and this identity was theirs already. */
  | { kind: 'already-linked'; user: User }
  /** Nobody signed in, a new identity, and its email belongs to an account: nothing was created or linked. */
  | { kind: 'email-taken'; email: string };

/**
 * Decides what a verified provider login means for `actor` (the browser's current session, or anonymous). Throws
 * USER_EXISTS when a signed-in user presents an identity linked to another account, UNAUTHORIZED for a disabled
 * account, INVALID_INPUT when a new account is needed and the provider gave no usable email.
 */
export async function completeOidcLogin(services: Services, actor: Actor, providerId: string, claims: OidcClaims): Promise<OidcOutcome> {
  providerOf(services, providerId);
  if (!claims.subject || claims.subject.length > 255) throw new WikiError('INVALID_INPUT', 'The provider sent no usable subject; nothing was changed.');
  const current = actor.token ? null : actor.user;
  const known = await services.meta.findIdentity(providerId, claims.subject);
  if (known) {
    if (current) {
      if (known.userId === current.id) return { kind: 'already-linked', user: current };
      throw new WikiError('USER_EXISTS', 'This provider account is already linked to another Wikibot account; nothing was changed.', { providerId });
    }
    const user = await services.meta.getUserById(known.userId);
    if (!user || user.disabled) throw new WikiError('UNAUTHORIZED', 'This account cannot sign in.');
    return { kind: 'signed-in', user };
  }
  if (current) {
    await services.meta.addIdentity({ providerId, subject: claims.subject, userId: current.id, email: claims.email });
    return { kind: 'linked', user: current };
  }
  if (!claims.email) {
    throw new WikiError('INVALID_INPUT', 'The provider did not share an email address, which a new account needs; allow it at the provider and try again.');
  }
  const email = parseEmail(claims.email.trim());
  if (await services.meta.getUserByEmail(email)) return { kind: 'email-taken', email };
  const username = await freeUsername(services, claims.preferredUsername, email);
  let user: User;
  try {
    user = await createUser(services, {
      username,
      email,
      password: null,
      name: claims.name?.slice(0, 200) ?? null,
      // Invitations to this email become roles only when the provider vouches for the address.
      emailVerified: claims.emailVerified,
    });
  } catch (err) {
    // Someone took the email (or name) between the checks and the insert: answer as if it had been taken before.
    if (isWikiError(err, 'USER_EXISTS') && err.data.field === 'email') return { kind: 'email-taken', email };
    throw err;
  }
  await services.meta.addIdentity({ providerId, subject: claims.subject, userId: user.id, email });
  return { kind: 'created', user };
}

export interface LinkedIdentity extends Identity {
  /** The provider's display name; the id when the operator removed the provider. */
  providerName: string;
}

/** The signed-in user's linked provider accounts, oldest first. */
export async function listLinkedIdentities(services: Services, actor: Actor): Promise<LinkedIdentity[]> {
  const user = requireUser(actor);
  const names = new Map(services.config.oidcProviders.map((p) => [p.id, p.name]));
  return (await services.meta.listIdentities(user.id)).map((i) => ({ ...i, providerName: names.get(i.providerId) ?? i.providerId }));
}

/**
 * Unlinks one of the signed-in user's provider accounts. Refused (FORBIDDEN) when it is the last way into the
 * account: no password and no other linked identity.
 */
export async function unlinkIdentity(services: Services, actor: Actor, providerId: string, subject: string): Promise<void> {
  const user = requireUser(actor);
  const mine = await services.meta.listIdentities(user.id);
  if (!mine.some((i) => i.providerId === providerId && i.subject === subject)) {
    throw new WikiError('INVALID_INPUT', 'That provider account is not linked to yours; nothing was changed.');
  }
  if (!user.passwordHash && mine.length <= 1) {
    throw new WikiError('FORBIDDEN', 'This is the only way to sign in to your account: link another provider first; nothing was changed.');
  }
  await services.meta.removeIdentity(user.id, providerId, subject);
}

/** The configured provider, or INVALID_INPUT naming the unknown id. */
export function providerOf(services: Services, providerId: string) {
  const provider = services.config.oidcProviders.find((p) => p.id === providerId);
  if (!provider) throw new WikiError('INVALID_INPUT', `There is no sign-in provider "${providerId}".`, { providerId });
  return provider;
}

/**
 * A valid, unused username from what the provider suggests: `preferred_username`, else the email's local part,
 * lowercased with other characters turned into `-`; `-2`, `-3`… when taken or reserved.
 */
async function freeUsername(services: Services, preferred: string | null, email: string): Promise<string> {
  const source = preferred && preferred.trim() !== '' ? preferred.split('@')[0]! : (email.split('@')[0] ?? '');
  let base = source
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, NAME_MAX_LENGTH - 4)
    .replace(/-+$/, '');
  if (base.length < NAME_MIN_LENGTH) base = `${base || 'user'}-${randomBytes(2).toString('hex')}`.replace(/^-/, '');
  for (let n = 1; n < 1000; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (RESERVED_NAMES.has(candidate)) continue;
    if (!(await services.meta.getUserByUsername(candidate))) return candidate;
  }
  return `${base.slice(0, 20)}-${randomBytes(4).toString('hex')}`;
}

function requireUser(actor: Actor): User {
  if (!actor.user || actor.token) throw new WikiError('UNAUTHORIZED', 'Sign in to manage your sign-in providers.');
  return actor.user;
}
