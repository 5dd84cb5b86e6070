/**
 * Browser sessions: created when a person signs in, found again from the cookie, listed and revoked. The cookie
 * carries a random secret; the metadata store keeps only its SHA-256, so a copy of the database opens no session.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { WikiError } from '../errors.js';
import type { SessionRecord, User } from '../meta/meta-store.js';
import { signIn } from './accounts.js';
import type { Services } from './services.js';

/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 14 * 86_400_000;
/** Activity is written back at most this often, so reads stay reads. */
const TOUCH_INTERVAL_MS = 60_000;
const PREFIX = 'wbs_';

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

export interface StartedSession {
  /** The cookie value: shown once, never stored. */
  secret: string;
  session: SessionRecord;
  user: User;
}

/** Checks the login (username or email) and password, then opens a session for that user. */
export async function startSession(services: Services, login: string, password: string, userAgent: string): Promise<StartedSession> {
  return openSession(services, await signIn(services, login, password), userAgent);
}

/** Opens a session for a user who has already proved who they are (a password, an identity provider). */
export async function openSession(services: Services, user: User, userAgent: string): Promise<StartedSession> {
  const secret = PREFIX + randomBytes(32).toString('base64url');
  const session = await services.meta.createSession({
    userId: user.id,
    hash: hashOf(secret),
    userAgent,
    expiresAt: new Date(Date.now() + SESSION_IDLE_MS).toISOString(),
  });
  return { secret, session, user };
}

export interface ResolvedSession {
  actor: Actor;
  session: SessionRecord;
}

/** The signed-in actor behind a cookie value, or null for a missing, expired or revoked session or a disabled user. */
export async function resumeSession(services: Services, secret: string): Promise<ResolvedSession | null> {
  if (!secret.startsWith(PREFIX) || secret.length > 100) return null;
  const session = await services.meta.findSessionByHash(hashOf(secret));
  if (!session) return null;
  const now = Date.now();
  if (Date.parse(session.expiresAt) <= now) {
    await services.meta.revokeSession(session.userId, session.id);
    return null;
  }
  const user = await services.meta.getUserById(session.userId);
  if (!user || user.disabled) return null;
  if (now - Date.parse(session.lastSeenAt) > TOUCH_INTERVAL_MS) {
    await services.meta.touchSession(session.id, new Date(now).toISOString(), new Date(now + SESSION_IDLE_MS).toISOString());
  }
  return { actor: { user, token: null, door: 'web' }, session };
}

/** Ends the session behind a cookie value (signing out); nothing happens for an unknown one. */
export async function endSession(services: Services, secret: string): Promise<void> {
  if (!secret.startsWith(PREFIX)) return;
  const session = await services.meta.findSessionByHash(hashOf(secret));
  if (session) await services.meta.revokeSession(session.userId, session.id);
}

/** The signed-in user's sessions (without their hashes), oldest first. */
export async function listSessions(services: Services, actor: Actor): Promise<Array<Omit<SessionRecord, 'hash'>>> {
  const user = requireUser(actor);
  return (await services.meta.listSessions(user.id)).map(({ hash: _hash, ...rest }) => rest);
}

/** Ends one of the signed-in user's own sessions (e.g. a lost laptop). */
export async function revokeSession(services: Services, actor: Actor, id: number): Promise<void> {
  const user = requireUser(actor);
  if (!(await services.meta.revokeSession(user.id, id))) {
    throw new WikiError('INVALID_INPUT', `You have no session ${id}.`, { id });
  }
}

/** A value derived from the session secret, for forms: proves a post came from a page we served to this session. */
export function sessionCsrfToken(secret: string): string {
  return createHash('sha256').update(`csrf:${secret}`).digest('base64url');
}

function requireUser(actor: Actor): User {
  if (!actor.user) throw new WikiError('UNAUTHORIZED', 'Sign in to see your sessions.');
  return actor.user;
}
