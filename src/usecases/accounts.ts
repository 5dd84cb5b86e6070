/**
 * Users and access tokens: creating them (CLI now, sign-up later) and turning a presented token into an Actor.
 */
import type { Actor, Door } from '../auth/actor.js';
import { hashPassword, checkPasswordStrength, verifyPassword } from '../auth/passwords.js';
import { parseEmail, parseUsername } from '../auth/names.js';
import { generateToken, hashToken, looksLikeToken, parseExpiry } from '../auth/tokens.js';
import { WikiError } from '../errors.js';
import type { TokenRecord, TokenScope, User } from '../meta/meta-store.js';
import type { Services } from './services.js';
import { wikiAccess } from './wiki-access.js';
import { acceptInvitations } from './management.js';

export interface CreateUserInput {
  username: string;
  email: string;
  password: string | null;
  name?: string | null | undefined;
  admin?: boolean | undefined;
  /**
   * Whether the email is known to belong to this person (default true: the operator created the account). Only then
   * is it marked verified and do pending invitations to it become roles — otherwise anyone could sign up with an
   * invited address.
   */
  emailVerified?: boolean | undefined;
}

/**
 * Creates an account. The first account of an installation, and the one whose email is WIKIBOT_ADMIN_EMAIL, is site
 * admin. Pending invitations to the account's email become roles once the email is verified.
 */
export async function createUser(services: Services, input: CreateUserInput): Promise<User> {
  const username = parseUsername(input.username);
  const email = parseEmail(input.email);
  if (input.password !== null) checkPasswordStrength(input.password);
  const passwordHash = input.password === null ? null : await hashPassword(input.password);
  const first = (await services.meta.countUsers()) === 0;
  const adminEmail = services.config.adminEmail;
  const isAdmin =
    first || input.admin === true || (adminEmail !== null && adminEmail.toLowerCase() === email.toLowerCase());
  const created = await services.meta.createUser({ username, email, name: input.name ?? null, passwordHash, isAdmin });
  if (input.emailVerified === false) return created;
  const user = (await services.meta.updateUser(created.id, { emailVerifiedAt: new Date().toISOString() })) ?? created;
  // Wikis that invited this email before the account existed.
  await acceptInvitations(services, user);
  return user;
}

export interface CreateTokenInput {
  username: string;
  name?: string | undefined;
  /** `owner/slug`: limit the token to one wiki. */
  wiki?: string | undefined;
  scope?: TokenScope | undefined;
  /** `30d`, `12h`, `never`, or an ISO date (default 90d). */
  expires?: string | undefined;
}

/** Creates a personal access token; the token is returned once and only its hash is stored. */
export async function createToken(
  services: Services,
  input: CreateTokenInput,
): Promise<{ token: string; record: TokenRecord }> {
  const user = await services.meta.getUserByUsername(input.username);
  if (!user)
    throw new WikiError('USER_NOT_FOUND', `There is no user "${input.username}".`, { username: input.username });
  const scope = input.scope ?? 'write';
  if (scope !== 'read' && scope !== 'write')
    throw new WikiError('INVALID_INPUT', `scope must be read or write, got "${String(scope)}".`);
  let wikiId: number | null = null;
  if (input.wiki !== undefined) {
    const [owner, slug, extra] = input.wiki.split('/');
    if (!owner || !slug || extra !== undefined)
      throw new WikiError('INVALID_INPUT', `wiki must look like owner/slug, got "${input.wiki}".`);
    const access = await wikiAccess(services, { user, token: null, door: 'cli' }, { owner, slug });
    wikiId = access.wiki.id;
  }
  const token = generateToken();
  const record = await services.meta.createToken({
    userId: user.id,
    name: input.name?.trim() || (input.wiki ? `${input.wiki} ${scope}` : `all wikis ${scope}`),
    hash: hashToken(token),
    wikiId,
    scope,
    expiresAt: parseExpiry(input.expires ?? '90d'),
  });
  return { token, record };
}

const TOUCH_INTERVAL_MS = 60_000;

/** The actor behind a bearer token; UNAUTHORIZED for an unknown, expired or disabled one. */
export async function authenticateToken(services: Services, token: string, door: Door): Promise<Actor> {
  const bad = new WikiError('UNAUTHORIZED', 'The access token is invalid, expired or revoked.');
  if (!looksLikeToken(token)) throw bad;
  const record = await services.meta.findTokenByHash(hashToken(token));
  if (!record) throw bad;
  const now = new Date();
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime()) throw bad;
  const user = await services.meta.getUserById(record.userId);
  if (!user || user.disabled) throw bad;
  if (record.lastUsedAt === null || now.getTime() - Date.parse(record.lastUsedAt) > TOUCH_INTERVAL_MS) {
    await services.meta.touchToken(record.id, now.toISOString());
  }
  return { user, token: { wikiId: record.wikiId, scope: record.scope }, door };
}

/**
 * The account a personal access token belongs to, valid or not (expired, revoked owners included): what rate limits
 * count a request against. Null for a string that is no token of ours.
 */
export async function tokenOwner(services: Services, token: string): Promise<number | null> {
  if (!looksLikeToken(token)) return null;
  return (await services.meta.findTokenByHash(hashToken(token)))?.userId ?? null;
}

/** A hash to verify against when the account does not exist, so a miss takes as long as a wrong password. */
let decoyHash: Promise<string> | null = null;

/**
 * Checks a username (or email) and password. Any failure — unknown account, wrong password, disabled account, an
 * account without a password — is the same UNAUTHORIZED, so the answer never tells which accounts exist.
 */
export async function signIn(services: Services, login: string, password: string): Promise<User> {
  const bad = new WikiError('UNAUTHORIZED', 'The username or password is wrong.');
  const name = login.trim();
  if (!name || !password || password.length > 1024) throw bad;
  const user = name.includes('@')
    ? await services.meta.getUserByEmail(name)
    : await services.meta.getUserByUsername(name);
  decoyHash ??= hashPassword('wikibot-decoy-password');
  const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
  if (!user || !user.passwordHash || !ok || user.disabled) throw bad;
  return user;
}
