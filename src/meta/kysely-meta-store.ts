/**
 * The metadata store's queries, written once with Kysely's query builder so SQLite and PostgreSQL share them. A
 * concrete store supplies the Kysely instance and says how its driver reports constraint violations.
 */
import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import { WikiError } from '../errors.js';
import type { OAuthKey, OAuthRecord } from './meta-store.js';
import type { OAuthRecordsTable } from './schema.js';
import type { Grant, MetaStore, NewSession, NewToken, NewUser, NewWiki, Role, SessionRecord, TokenRecord, User, Wiki, WikiMembership } from './meta-store.js';
import type { MetaDatabase, SessionsTable, TokensTable, UsersTable, WikisTable } from './schema.js';

import type { Invitation, UserPatch, WikiPatch } from './meta-store.js';
import type { InvitationsTable } from './schema.js';
import type { EmailToken } from './meta-store.js';
import type { EmailTokensTable } from './schema.js';
import type { Identity } from './meta-store.js';
import type { IdentitiesTable } from './schema.js';

function toIdentity(row: Selectable<IdentitiesTable>): Identity {
  return { providerId: row.provider_id, subject: row.subject, userId: row.user_id, email: row.email, createdAt: row.created_at };
}

export type ConstraintViolation = 'unique' | 'foreign-key';

function toOAuthRecord(row: Selectable<OAuthRecordsTable>): OAuthRecord {
  return {
    kind: row.kind,
    id: row.id,
    payload: row.payload,
    grantId: row.grant_id,
    uid: row.uid,
    accountId: row.account_id,
    clientId: row.client_id,
    expiresAt: row.expires_at,
  };
}

type WikiRow = Selectable<WikisTable> & { owner: string };

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    isAdmin: row.is_admin !== 0,
    tier: row.tier,
    disabled: row.disabled !== 0,
    createdAt: row.created_at,
    emailVerifiedAt: row.email_verified_at,
  };
}

function toEmailToken(row: Selectable<EmailTokensTable>): EmailToken {
  return { id: row.id, userId: row.user_id, purpose: row.purpose, hash: row.hash, email: row.email, expiresAt: row.expires_at, createdAt: row.created_at };
}

function parseCategories(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string') : [];
}

function toWiki(row: WikiRow): Wiki {
  return {
    id: row.id,
    ownerId: row.owner_id,
    owner: row.owner,
    slug: row.slug,
    name: row.name,
    purpose: row.purpose,
    visibility: row.visibility,
    categories: parseCategories(row.categories),
    createdAt: row.created_at,
    homePage: row.home_page,
    commitMessages: row.commit_messages,
    wikilinkOrder: row.wikilink_order,
  };
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    hash: row.hash,
    userAgent: row.user_agent,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}

function toToken(row: Selectable<TokensTable>): TokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    hash: row.hash,
    wikiId: row.wiki_id,
    scope: row.scope,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

function toInvitation(row: Selectable<InvitationsTable>): Invitation {
  return { wikiId: row.wiki_id, email: row.email, role: row.role, createdAt: row.created_at };
}

export abstract class KyselyMetaStore implements MetaStore {
  protected constructor(protected readonly db: Kysely<MetaDatabase>) {}

  /**
   * The connection (SQLite) or pool (PostgreSQL) these queries run on, for the stores whose tables live in the same
   * database (the job store), so that a process holds one. It stays this store's: `close` ends it.
   */
  get connection(): Kysely<MetaDatabase> {
    return this.db;
  }

  /** How this dialect's driver reports a broken constraint; null for any other error. */
  protected abstract constraintViolation(err: unknown): ConstraintViolation | null;

  /** Usernames are stored lowercase; the rules (auth/names) refuse uppercase before it gets here. */
  async createUser(input: NewUser): Promise<User> {
    const username = input.username.toLowerCase();
    try {
      const row = await this.db
        .insertInto('users')
        .values({
          username,
          email: input.email,
          name: input.name ?? null,
          password_hash: input.passwordHash,
          is_admin: input.isAdmin === true ? 1 : 0,
          tier: input.tier ?? 'free',
          created_at: new Date().toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    } catch (err) {
      if (this.constraintViolation(err) !== 'unique') throw err;
      if (await this.getUserByUsername(username)) {
        throw new WikiError('USER_EXISTS', `The username "${username}" is already taken.`, { field: 'username' });
      }
      throw new WikiError('USER_EXISTS', `An account with the email "${input.email}" already exists.`, {
        field: 'email',
      });
    }
  }

  async getUserById(id: number): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async getUserByUsername(username: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username.toLowerCase())
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async getUserByEmail(email: string): Promise<User | null> {
    // lower() on both sides, so the comparison (and the lower(email) index) follow the database's own case folding.
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async countUsers(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Foreign keys cascade: the user's wikis (with their grants and tokens), grants and tokens go too. */
  async deleteUser(id: number): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }

  /** Slugs are stored lowercase; the rules (auth/names) refuse uppercase before it gets here. */
  async createWiki(input: NewWiki): Promise<Wiki> {
    const slug = input.slug.toLowerCase();
    let id: number;
    try {
      const row = await this.db
        .insertInto('wikis')
        .values({
          owner_id: input.ownerId,
          slug,
          name: input.name,
          purpose: input.purpose,
          visibility: input.visibility ?? 'private',
          categories: JSON.stringify(input.categories),
          created_at: new Date().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = row.id;
    } catch (err) {
      const violation = this.constraintViolation(err);
      if (violation === 'unique') {
        const owner = await this.getUserById(input.ownerId);
        const address = `${owner?.username ?? input.ownerId}/${slug}`;
        throw new WikiError('WIKI_EXISTS', `A wiki named "${address}" already exists.`, { field: 'slug' });
      }
      if (violation === 'foreign-key') {
        throw new WikiError('USER_NOT_FOUND', `No user with id ${input.ownerId} to own the wiki.`);
      }
      throw err;
    }
    const wiki = await this.getWikiById(id);
    if (!wiki) throw new WikiError('INTERNAL', `Wiki ${id} vanished right after it was created.`);
    return wiki;
  }

  private selectWikis() {
    return this.db
      .selectFrom('wikis')
      .innerJoin('users', 'users.id', 'wikis.owner_id')
      .selectAll('wikis')
      .select('users.username as owner');
  }

  /** Case-insensitive, so an address typed with capitals finds the wiki (the result has the stored spelling). */
  async getWiki(owner: string, slug: string): Promise<Wiki | null> {
    const row = await this.selectWikis()
      .where('users.username', '=', owner.toLowerCase())
      .where('wikis.slug', '=', slug.toLowerCase())
      .executeTakeFirst();
    return row ? toWiki(row) : null;
  }

  async getWikiById(id: number): Promise<Wiki | null> {
    const row = await this.selectWikis().where('wikis.id', '=', id).executeTakeFirst();
    return row ? toWiki(row) : null;
  }

  /** Ordered by owner, then slug. */
  async listWikis(): Promise<Wiki[]> {
    const rows = await this.selectWikis().orderBy('users.username').orderBy('wikis.slug').execute();
    return rows.map(toWiki);
  }

  /** Ordered by slug. */
  async listWikisOwnedBy(userId: number): Promise<Wiki[]> {
    const rows = await this.selectWikis().where('wikis.owner_id', '=', userId).orderBy('wikis.slug').execute();
    return rows.map(toWiki);
  }

  /** Owned wikis and granted ones in one query, ordered by owner, then slug. */
  async listWikisForUser(userId: number): Promise<WikiMembership[]> {
    const rows = await this.selectWikis()
      .leftJoin('grants', (join) => join.onRef('grants.wiki_id', '=', 'wikis.id').on('grants.user_id', '=', userId))
      .select('grants.role')
      .where((eb) => eb.or([eb('wikis.owner_id', '=', userId), eb('grants.user_id', '=', userId)]))
      .orderBy('users.username')
      .orderBy('wikis.slug')
      .execute();
    return rows.map(({ role, ...row }) => ({ wiki: toWiki(row), role: row.owner_id === userId ? 'owner' : (role ?? 'viewer') }));
  }

  /** Also removes the wiki's grants and the tokens scoped to it. Deleting a missing wiki does nothing. */
  async deleteWiki(id: number): Promise<void> {
    await this.db.deleteFrom('wikis').where('id', '=', id).execute();
  }

  async getRole(wikiId: number, userId: number): Promise<Role | null> {
    const row = await this.db
      .selectFrom('grants')
      .select('role')
      .where('wiki_id', '=', wikiId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role ?? null;
  }

  /** Grants or changes a role. Throws WIKI_NOT_FOUND / USER_NOT_FOUND when either does not exist. */
  async setRole(wikiId: number, userId: number, role: Role): Promise<void> {
    try {
      await this.db
        .insertInto('grants')
        .values({ wiki_id: wikiId, user_id: userId, role })
        .onConflict((oc) => oc.columns(['wiki_id', 'user_id']).doUpdateSet({ role }))
        .execute();
    } catch (err) {
      if (this.constraintViolation(err) !== 'foreign-key') throw err;
      if (!(await this.getWikiById(wikiId))) throw new WikiError('WIKI_NOT_FOUND', `No wiki with id ${wikiId}.`);
      throw new WikiError('USER_NOT_FOUND', `No user with id ${userId}.`);
    }
  }

  async removeRole(wikiId: number, userId: number): Promise<void> {
    await this.db.deleteFrom('grants').where('wiki_id', '=', wikiId).where('user_id', '=', userId).execute();
  }

  /** Ordered by username. */
  async listGrants(wikiId: number): Promise<Grant[]> {
    const rows = await this.db
      .selectFrom('grants')
      .innerJoin('users', 'users.id', 'grants.user_id')
      .select(['grants.wiki_id', 'grants.user_id', 'grants.role', 'users.username'])
      .where('grants.wiki_id', '=', wikiId)
      .orderBy('users.username')
      .execute();
    return rows.map((r) => ({ wikiId: r.wiki_id, userId: r.user_id, username: r.username, role: r.role }));
  }

  /** Throws USER_NOT_FOUND / WIKI_NOT_FOUND when the owner or the scoped wiki does not exist. */
  async createToken(input: NewToken): Promise<TokenRecord> {
    try {
      const row = await this.db
        .insertInto('tokens')
        .values({
          user_id: input.userId,
          name: input.name,
          hash: input.hash,
          wiki_id: input.wikiId,
          scope: input.scope,
          expires_at: input.expiresAt,
          created_at: new Date().toISOString(),
          last_used_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toToken(row);
    } catch (err) {
      const violation = this.constraintViolation(err);
      if (violation === 'unique') {
        // Only a hash collision or a token stored twice gets here; neither is the caller's input error.
        throw new WikiError('INTERNAL', 'A token with this hash already exists.');
      }
      if (violation !== 'foreign-key') throw err;
      if (!(await this.getUserById(input.userId))) {
        throw new WikiError('USER_NOT_FOUND', `No user with id ${input.userId}.`);
      }
      throw new WikiError('WIKI_NOT_FOUND', `No wiki with id ${String(input.wikiId)}.`);
    }
  }

  /** Returns the token whatever its expiry: the caller decides, and can then say "expired" instead of "unknown". */
  async findTokenByHash(hash: string): Promise<TokenRecord | null> {
    const row = await this.db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row ? toToken(row) : null;
  }

  async touchToken(id: number, at: string): Promise<void> {
    await this.db.updateTable('tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  /** Ordered by id (creation order). */
  async listTokens(userId: number): Promise<TokenRecord[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    return rows.map(toToken);
  }

  /** Deletes the token only if it belongs to `userId`; false when there was no such token of theirs. */
  async revokeToken(userId: number, id: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('tokens')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async createSession(input: NewSession): Promise<SessionRecord> {
    const now = new Date().toISOString();
    try {
      const row = await this.db
        .insertInto('sessions')
        .values({ user_id: input.userId, hash: input.hash, user_agent: input.userAgent.slice(0, 512), created_at: now, last_seen_at: now, expires_at: input.expiresAt })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toSession(row);
    } catch (err) {
      const violation = this.constraintViolation(err);
      if (violation === 'unique') throw new WikiError('INTERNAL', 'A session with this hash already exists.');
      if (violation === 'foreign-key') throw new WikiError('USER_NOT_FOUND', `No user with id ${input.userId}.`);
      throw err;
    }
  }

  async findSessionByHash(hash: string): Promise<SessionRecord | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async touchSession(id: number, lastSeenAt: string, expiresAt: string): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: lastSeenAt, expires_at: expiresAt }).where('id', '=', id).execute();
  }

  async listSessions(userId: number): Promise<SessionRecord[]> {
    const rows = await this.db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    return rows.map(toSession);
  }

  async revokeSession(userId: number, id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('sessions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async saveOAuthRecord(r: OAuthRecord): Promise<void> {
    const row = {
      kind: r.kind,
      id: r.id,
      payload: r.payload,
      grant_id: r.grantId,
      uid: r.uid,
      account_id: r.accountId,
      client_id: r.clientId,
      expires_at: r.expiresAt,
    };
    const { kind: _k, id: _i, ...changes } = row;
    await this.db
      .insertInto('oauth_records')
      .values(row)
      .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet(changes))
      .execute();
  }

  async findOAuthRecord(kind: string, id: string): Promise<OAuthRecord | null> {
    const row = await this.db.selectFrom('oauth_records').selectAll().where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
    return row ? toOAuthRecord(row) : null;
  }

  async findOAuthRecordByUid(kind: string, uid: string): Promise<OAuthRecord | null> {
    const row = await this.db.selectFrom('oauth_records').selectAll().where('kind', '=', kind).where('uid', '=', uid).executeTakeFirst();
    return row ? toOAuthRecord(row) : null;
  }

  async deleteOAuthRecord(kind: string, id: string): Promise<void> {
    await this.db.deleteFrom('oauth_records').where('kind', '=', kind).where('id', '=', id).execute();
  }

  async deleteOAuthGrant(grantId: string): Promise<number> {
    const result = await this.db
      .deleteFrom('oauth_records')
      .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('kind', '=', 'Grant'), eb('id', '=', grantId)])]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listOAuthRecords(kind: string, accountId: string): Promise<OAuthRecord[]> {
    const rows = await this.db
      .selectFrom('oauth_records')
      .selectAll()
      .where('kind', '=', kind)
      .where('account_id', '=', accountId)
      .orderBy('id')
      .execute();
    return rows.map(toOAuthRecord);
  }

  async purgeOAuthRecords(before: string): Promise<number> {
    const result = await this.db.deleteFrom('oauth_records').where('expires_at', 'is not', null).where('expires_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async addOAuthKey(key: OAuthKey): Promise<void> {
    try {
      await this.db
        .insertInto('oauth_keys')
        .values({ kid: key.kid, use: key.use, material: key.material, created_at: key.createdAt, retired_at: key.retiredAt })
        .execute();
    } catch (err) {
      if (this.constraintViolation(err) === 'unique') throw new WikiError('INTERNAL', `An OAuth key with kid ${key.kid} already exists.`);
      throw err;
    }
  }

  async listOAuthKeys(): Promise<OAuthKey[]> {
    const rows = await this.db.selectFrom('oauth_keys').selectAll().orderBy('created_at').orderBy('kid').execute();
    return rows.map((r) => ({ kid: r.kid, use: r.use, material: r.material, createdAt: r.created_at, retiredAt: r.retired_at }));
  }

  async retireOAuthKey(kid: string, at: string): Promise<void> {
    await this.db.updateTable('oauth_keys').set({ retired_at: at }).where('kid', '=', kid).where('retired_at', 'is', null).execute();
  }

  async deleteOAuthKey(kid: string): Promise<void> {
    await this.db.deleteFrom('oauth_keys').where('kid', '=', kid).execute();
  }

  async updateUser(id: number, patch: UserPatch): Promise<User | null> {
    const set: { tier?: UserPatch['tier']; disabled?: number; is_admin?: number; password_hash?: string | null; email_verified_at?: string | null; email?: string } = {};
    if (patch.tier !== undefined) set.tier = patch.tier;
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.emailVerifiedAt !== undefined) set.email_verified_at = patch.emailVerifiedAt;
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
    if (patch.isAdmin !== undefined) set.is_admin = patch.isAdmin ? 1 : 0;
    if (Object.keys(set).length === 0) return this.getUserById(id);
    try {
      await this.db.updateTable('users').set(set).where('id', '=', id).execute();
    } catch (err) {
      // The only unique column a patch can touch is the email (unique case-insensitively).
      if (patch.email === undefined || this.constraintViolation(err) !== 'unique') throw err;
      throw new WikiError('USER_EXISTS', `An account with the email "${patch.email}" already exists.`, { field: 'email' });
    }
    return this.getUserById(id);
  }

  async updateWiki(id: number, patch: WikiPatch): Promise<Wiki | null> {
    const set: Updateable<WikisTable> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.homePage !== undefined) set.home_page = patch.homePage;
    if (patch.commitMessages !== undefined) set.commit_messages = patch.commitMessages;
    if (patch.wikilinkOrder !== undefined) set.wikilink_order = patch.wikilinkOrder;
    if (patch.purpose !== undefined) set.purpose = patch.purpose;
    if (patch.visibility !== undefined) set.visibility = patch.visibility;
    if (patch.categories !== undefined) set.categories = JSON.stringify(patch.categories);
    if (Object.keys(set).length > 0) await this.db.updateTable('wikis').set(set).where('id', '=', id).execute();
    return this.getWikiById(id);
  }

  /** One invitation per wiki and email (case-insensitive): inviting again changes the role and keeps the first spelling. */
  async putInvitation(wikiId: number, email: string, role: Invitation['role']): Promise<Invitation> {
    const existing = await this.db
      .selectFrom('invitations')
      .selectAll()
      .where('wiki_id', '=', wikiId)
      .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
      .executeTakeFirst();
    if (existing) {
      await this.db
        .updateTable('invitations')
        .set({ role })
        .where('wiki_id', '=', wikiId)
        .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
        .execute();
      return toInvitation({ ...existing, role });
    }
    try {
      const row = await this.db
        .insertInto('invitations')
        .values({ wiki_id: wikiId, email, role, created_at: new Date().toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toInvitation(row);
    } catch (err) {
      if (this.constraintViolation(err) === 'foreign-key') throw new WikiError('WIKI_NOT_FOUND', `No wiki with id ${wikiId}.`);
      throw err;
    }
  }

  async listInvitations(wikiId: number): Promise<Invitation[]> {
    const rows = await this.db.selectFrom('invitations').selectAll().where('wiki_id', '=', wikiId).orderBy(sql`lower(email)`).execute();
    return rows.map(toInvitation);
  }

  async listInvitationsForEmail(email: string): Promise<Invitation[]> {
    const rows = await this.db
      .selectFrom('invitations')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
      .orderBy('created_at')
      .orderBy('wiki_id')
      .execute();
    return rows.map(toInvitation);
  }

  async addIdentity(input: Omit<Identity, 'createdAt'>): Promise<Identity> {
    try {
      const row = await this.db
        .insertInto('identities')
        .values({ provider_id: input.providerId, subject: input.subject, user_id: input.userId, email: input.email, created_at: new Date().toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toIdentity(row);
    } catch (err) {
      const violation = this.constraintViolation(err);
      if (violation === 'unique') throw new WikiError('USER_EXISTS', `This ${input.providerId} account is already linked to an account.`, { providerId: input.providerId });
      if (violation === 'foreign-key') throw new WikiError('USER_NOT_FOUND', `No user with id ${input.userId}.`);
      throw err;
    }
  }

  async findIdentity(providerId: string, subject: string): Promise<Identity | null> {
    const row = await this.db.selectFrom('identities').selectAll().where('provider_id', '=', providerId).where('subject', '=', subject).executeTakeFirst();
    return row ? toIdentity(row) : null;
  }

  async listIdentities(userId: number): Promise<Identity[]> {
    const rows = await this.db.selectFrom('identities').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('provider_id').execute();
    return rows.map(toIdentity);
  }

  async removeIdentity(userId: number, providerId: string, subject: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('identities')
      .where('user_id', '=', userId)
      .where('provider_id', '=', providerId)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async createEmailToken(input: Omit<EmailToken, 'id' | 'createdAt'>): Promise<EmailToken> {
    try {
      const row = await this.db
        .insertInto('email_tokens')
        .values({ user_id: input.userId, purpose: input.purpose, hash: input.hash, email: input.email, expires_at: input.expiresAt, created_at: new Date().toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toEmailToken(row);
    } catch (err) {
      if (this.constraintViolation(err) !== 'foreign-key') throw err;
      throw new WikiError('USER_NOT_FOUND', `There is no user ${input.userId}.`, { id: input.userId });
    }
  }

  /** One statement that deletes and returns: two clicks on the same link at once cannot both get the token. */
  async takeEmailToken(purpose: EmailToken['purpose'], hash: string): Promise<EmailToken | null> {
    const row = await this.db.deleteFrom('email_tokens').where('purpose', '=', purpose).where('hash', '=', hash).returningAll().executeTakeFirst();
    return row ? toEmailToken(row) : null;
  }

  async deleteEmailTokens(userId: number, purpose: EmailToken['purpose']): Promise<number> {
    const result = await this.db.deleteFrom('email_tokens').where('user_id', '=', userId).where('purpose', '=', purpose).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listEmailTokens(userId: number, purpose: EmailToken['purpose']): Promise<EmailToken[]> {
    const rows = await this.db.selectFrom('email_tokens').selectAll().where('user_id', '=', userId).where('purpose', '=', purpose).orderBy('id').execute();
    return rows.map(toEmailToken);
  }

  async deleteInvitation(wikiId: number, email: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('invitations')
      .where('wiki_id', '=', wikiId)
      .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
