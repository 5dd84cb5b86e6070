/**
 * The metadata port: users, wikis, roles and access tokens. Async so that the same interface serves the embedded
 * SQLite store and a PostgreSQL one when wikis are spread over several nodes.
 */

export type Tier = 'free' | 'premium' | 'lapsed';
export type Role = 'viewer' | 'editor';
export type Visibility = 'public' | 'private';
export type TokenScope = 'read' | 'write';
/** Whether saves need a commit message: `optional` (a default is made up), `required`, or `disabled` (always the default). */
export type CommitMessagePolicy = 'optional' | 'required' | 'disabled';
/** Which side of a WikiLink's pipe names the page: `[[Page|Text]]` (`page-text`) or Otterwiki's `[[Text|Page]]` (`text-page`). */
export type WikiLinkOrder = 'page-text' | 'text-page';

export interface User {
  id: number;
  username: string;
  email: string;
  /** Display name; null shows the username. */
  name: string | null;
  /** scrypt hash (see auth/passwords), null for accounts without a password. */
  passwordHash: string | null;
  isAdmin: boolean;
  tier: Tier;
  disabled: boolean;
  createdAt: string;
  /** When the person proved they read mail at `email` (a followed verification link); null: not verified. */
  emailVerifiedAt: string | null;
}

export interface Wiki {
  id: number;
  ownerId: number;
  /** Owner's username: the first part of the wiki's address. */
  owner: string;
  slug: string;
  name: string;
  purpose: string;
  visibility: Visibility;
  categories: string[];
  createdAt: string;
  /** The page the wiki's root address shows (a page path; it need not exist). */
  homePage: string;
  commitMessages: CommitMessagePolicy;
  wikilinkOrder: WikiLinkOrder;
}

export interface Grant {
  wikiId: number;
  userId: number;
  username: string;
  role: Role;
}

export interface TokenRecord {
  id: number;
  userId: number;
  name: string;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  hash: string;
  /** Null: every wiki the user may access. */
  wikiId: number | null;
  scope: TokenScope;
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

/** A wiki a user reaches: one they own, or one they were granted a role on. */
export interface WikiMembership {
  wiki: Wiki;
  role: Role | 'owner';
}

export interface NewUser {
  username: string;
  email: string;
  name?: string | null;
  passwordHash: string | null;
  isAdmin?: boolean;
  tier?: Tier;
}

export interface NewWiki {
  ownerId: number;
  slug: string;
  name: string;
  purpose: string;
  visibility?: Visibility;
  categories: string[];
}

export interface NewToken {
  userId: number;
  name: string;
  hash: string;
  wikiId: number | null;
  scope: TokenScope;
  expiresAt: string | null;
}

/** A browser session: the cookie holds a random secret, the store only its SHA-256. */
export interface SessionRecord {
  id: number;
  userId: number;
  /** SHA-256 of the session secret, hex. */
  hash: string;
  /** What the browser said it was when signing in, for the user's list of sessions. */
  userAgent: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export interface NewSession {
  userId: number;
  hash: string;
  userAgent: string;
  expiresAt: string;
}

/** One object of the OAuth authorization server (an oidc-provider model instance), its payload kept as JSON. */
export interface OAuthRecord {
  /** The model: `Session`, `AuthorizationCode`, `AccessToken`, `RefreshToken`, `Grant`, `Client`, … */
  kind: string;
  id: string;
  /** JSON of the model's payload. */
  payload: string;
  /** The grant the record belongs to: revoking a grant deletes every record carrying it. */
  grantId: string | null;
  uid: string | null;
  accountId: string | null;
  clientId: string | null;
  /** ISO time after which the record is dead; null: never. */
  expiresAt: string | null;
}

/** A key of the OAuth server: a private signing JWK (`sig`) or a cookie-signing secret (`cookie`). */
export interface OAuthKey {
  kid: string;
  use: 'sig' | 'cookie';
  /** JSON of the private JWK, or the secret. */
  material: string;
  createdAt: string;
  /** When a newer key replaced it; null for the current key. */
  retiredAt: string | null;
}

/** A pending invitation: an email without an account, granted `role` on the wiki when that person signs up. */
export interface Invitation {
  wikiId: number;
  /** Case kept as given; matched case-insensitively. */
  email: string;
  role: Role;
  createdAt: string;
}

/** An account at an OpenID Connect provider linked to a user: `(providerId, subject)` is unique. */
export interface Identity {
  providerId: string;
  /** The provider's `sub` claim: stable for the person at that provider. */
  subject: string;
  userId: number;
  /** The email the provider gave when linking, shown on the account page only (never used to match accounts). */
  email: string | null;
  createdAt: string;
}

/** Account fields an operator (or the account's owner) may change; omitted fields stay as they are. */
export interface UserPatch {
  tier?: Tier;
  disabled?: boolean;
  isAdmin?: boolean;
  /** A new scrypt hash (changing the password); null leaves the account without one. */
  passwordHash?: string | null;
  /** When the email was verified; null marks it unverified again. */
  emailVerifiedAt?: string | null;
  /** A new email address (a confirmed change); USER_EXISTS when another account has it (case-insensitive). */
  email?: string;
}

/** What a link mailed to a person is for: a password reset, verifying the account's email, or confirming a new one. */
export type EmailTokenPurpose = 'reset' | 'verify' | 'change';

/** A one-time link mailed to a person (password reset, email verification); only the token's hash is stored. */
export interface EmailToken {
  id: number;
  userId: number;
  purpose: EmailTokenPurpose;
  /** SHA-256 of the token, hex. */
  hash: string;
  /** The address it was sent to (for `change`, the new address it confirms). */
  email: string;
  expiresAt: string;
  createdAt: string;
}

/** Wiki settings that may change after creation; omitted fields stay as they are. */
export interface WikiPatch {
  name?: string;
  purpose?: string;
  visibility?: Visibility;
  categories?: string[];
  homePage?: string;
  commitMessages?: CommitMessagePolicy;
  wikilinkOrder?: WikiLinkOrder;
}

export interface MetaStore {
  /** Throws WikiError USER_EXISTS when the username or email is taken (case-insensitive). */
  createUser(input: NewUser): Promise<User>;
  getUserById(id: number): Promise<User | null>;
  /** Case-insensitive. */
  getUserByUsername(username: string): Promise<User | null>;
  getUserByEmail(email: string): Promise<User | null>;
  countUsers(): Promise<number>;
  /** Removes the user with their wikis, grants and tokens. Deleting a missing user does nothing. */
  deleteUser(id: number): Promise<void>;

  /** Throws WikiError WIKI_EXISTS when the owner already has that slug. */
  createWiki(input: NewWiki): Promise<Wiki>;
  getWiki(owner: string, slug: string): Promise<Wiki | null>;
  getWikiById(id: number): Promise<Wiki | null>;
  listWikis(): Promise<Wiki[]>;
  listWikisOwnedBy(userId: number): Promise<Wiki[]>;
  /** The wikis the user owns or holds a role on, ordered by owner, then slug. */
  listWikisForUser(userId: number): Promise<WikiMembership[]>;
  deleteWiki(id: number): Promise<void>;

  getRole(wikiId: number, userId: number): Promise<Role | null>;
  setRole(wikiId: number, userId: number, role: Role): Promise<void>;
  removeRole(wikiId: number, userId: number): Promise<void>;
  listGrants(wikiId: number): Promise<Grant[]>;

  createToken(input: NewToken): Promise<TokenRecord>;
  findTokenByHash(hash: string): Promise<TokenRecord | null>;
  touchToken(id: number, at: string): Promise<void>;
  listTokens(userId: number): Promise<TokenRecord[]>;
  revokeToken(userId: number, id: number): Promise<boolean>;

  /** Throws USER_NOT_FOUND when the user does not exist. */
  createSession(input: NewSession): Promise<SessionRecord>;
  /** Returns the session whatever its expiry: the caller decides. */
  findSessionByHash(hash: string): Promise<SessionRecord | null>;
  /** Records activity and slides the expiry forward. */
  touchSession(id: number, lastSeenAt: string, expiresAt: string): Promise<void>;
  /** The user's sessions, oldest first. */
  listSessions(userId: number): Promise<SessionRecord[]>;
  /** Deletes the session only if it belongs to `userId`; false when there was no such session of theirs. */
  revokeSession(userId: number, id: number): Promise<boolean>;


  /** Creates or replaces one stored object of the OAuth server (kind + id). */
  saveOAuthRecord(record: OAuthRecord): Promise<void>;
  /** Returns the record whatever its expiry: the caller decides. */
  findOAuthRecord(kind: string, id: string): Promise<OAuthRecord | null>;
  /** The record of `kind` carrying this uid (oidc-provider finds sessions by uid). */
  findOAuthRecordByUid(kind: string, uid: string): Promise<OAuthRecord | null>;
  deleteOAuthRecord(kind: string, id: string): Promise<void>;
  /** Deletes every record of one grant (codes, access and refresh tokens, the grant itself); returns how many. */
  deleteOAuthGrant(grantId: string): Promise<number>;
  /** Records of `kind` belonging to an account (e.g. its grants), ordered by id. */
  listOAuthRecords(kind: string, accountId: string): Promise<OAuthRecord[]>;
  /** Deletes records that expired before `before` (ISO); returns how many. */
  purgeOAuthRecords(before: string): Promise<number>;
  /** Signing keys and cookie secrets, oldest first. Throws INTERNAL when the kid exists. */
  addOAuthKey(key: OAuthKey): Promise<void>;
  listOAuthKeys(): Promise<OAuthKey[]>;
  /** Marks a key retired at `at` (no longer used to sign; still published until its tokens expire). */
  retireOAuthKey(kid: string, at: string): Promise<void>;
  deleteOAuthKey(kid: string): Promise<void>;
  /** Changes the given account fields; returns the updated user, or null when there is no such user. */
  updateUser(id: number, patch: UserPatch): Promise<User | null>;
  /** Changes the given wiki settings; returns the updated wiki, or null when there is no such wiki. */
  updateWiki(id: number, patch: WikiPatch): Promise<Wiki | null>;

  /** Invites `email` (case-insensitive) as `role`, or changes the role of a pending invitation. WIKI_NOT_FOUND if no wiki. */
  putInvitation(wikiId: number, email: string, role: Role): Promise<Invitation>;
  /** Pending invitations of a wiki, ordered by email. */
  listInvitations(wikiId: number): Promise<Invitation[]>;
  /** Pending invitations addressed to `email` (case-insensitive), oldest first. */
  listInvitationsForEmail(email: string): Promise<Invitation[]>;
  /** False when there was no such invitation. */
  deleteInvitation(wikiId: number, email: string): Promise<boolean>;

  /** Stores a one-time mailed token. USER_NOT_FOUND for a missing user. */
  createEmailToken(input: Omit<EmailToken, 'id' | 'createdAt'>): Promise<EmailToken>;
  /** Deletes and returns the token of this purpose and hash, whatever its expiry (the caller decides): each works once. */
  takeEmailToken(purpose: EmailTokenPurpose, hash: string): Promise<EmailToken | null>;
  /** Deletes a user's tokens of one purpose (a reset used or superseded); returns how many. */
  deleteEmailTokens(userId: number, purpose: EmailTokenPurpose): Promise<number>;
  /** A user's tokens of one purpose, whatever their expiry, oldest first (e.g. a pending email change). */
  listEmailTokens(userId: number, purpose: EmailTokenPurpose): Promise<EmailToken[]>;

  /** Links a provider account to a user. USER_EXISTS when that (provider, subject) is linked already; USER_NOT_FOUND for a missing user. */
  addIdentity(input: Omit<Identity, 'createdAt'>): Promise<Identity>;
  findIdentity(providerId: string, subject: string): Promise<Identity | null>;
  /** The user's linked provider accounts, oldest first. */
  listIdentities(userId: number): Promise<Identity[]>;
  /** Unlinks one of the user's identities; false when the user had no such identity. */
  removeIdentity(userId: number, providerId: string, subject: string): Promise<boolean>;

  /** Throws when the store cannot be used (readiness check). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
