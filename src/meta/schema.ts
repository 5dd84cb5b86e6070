/**
 * Table types of the metadata database, as Kysely sees them. One definition for every dialect: booleans are
 * integers 0/1 and timestamps ISO 8601 text (UTC, `…Z`), so rows read the same from SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';
import type { CommitMessagePolicy, Role, Tier, TokenScope, Visibility, WikiLinkOrder } from './meta-store.js';

export interface UsersTable {
  id: Generated<number>;
  /** Always lowercase (a check constraint enforces it), so equality is case-insensitive. */
  username: string;
  /** Case kept as given; a unique index on lower(email) makes it case-insensitively unique. */
  email: string;
  name: string | null;
  password_hash: string | null;
  is_admin: Generated<number>;
  tier: Generated<Tier>;
  disabled: Generated<number>;
  created_at: string;
  /** When the person followed a verification link sent to `email`; null: not verified (yet). */
  email_verified_at: string | null;
}

export interface WikisTable {
  id: Generated<number>;
  owner_id: number;
  slug: string;
  name: string;
  purpose: string;
  visibility: Generated<Visibility>;
  /** JSON array of strings. */
  categories: string;
  created_at: string;
  home_page: Generated<string>;
  commit_messages: Generated<CommitMessagePolicy>;
  wikilink_order: Generated<WikiLinkOrder>;
}

export interface GrantsTable {
  wiki_id: number;
  user_id: number;
  role: Role;
}

export interface TokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  hash: string;
  wiki_id: number | null;
  scope: TokenScope;
  expires_at: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface SessionsTable {
  id: Generated<number>;
  user_id: number;
  hash: string;
  user_agent: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface OAuthRecordsTable {
  kind: string;
  id: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  account_id: string | null;
  client_id: string | null;
  expires_at: string | null;
}

export interface OAuthKeysTable {
  kid: string;
  use: 'sig' | 'cookie';
  material: string;
  created_at: string;
  retired_at: string | null;
}

export interface InvitationsTable {
  wiki_id: number;
  /** Case kept as given; a unique index on (wiki_id, lower(email)) keeps one invitation per person and wiki. */
  email: string;
  role: Role;
  created_at: string;
}

export interface IdentitiesTable {
  provider_id: string;
  subject: string;
  user_id: number;
  email: string | null;
  created_at: string;
}

export interface MetaDatabase {
  identities: IdentitiesTable;
  users: UsersTable;
  wikis: WikisTable;
  grants: GrantsTable;
  tokens: TokensTable;
  invitations: InvitationsTable;
  oauth_records: OAuthRecordsTable;
  oauth_keys: OAuthKeysTable;
  sessions: SessionsTable;
  email_tokens: EmailTokensTable;
}

export interface EmailTokensTable {
  id: Generated<number>;
  user_id: number;
  purpose: 'reset' | 'verify' | 'change';
  /** SHA-256 of the token, hex; the token itself only ever travels in the mail. */
  hash: string;
  /**
   * The address the link was sent to: a verification counts only while the account still has it; for `change`, the
   * new address that becomes the account's when the link is followed.
   */
  email: string;
  expires_at: string;
  created_at: string;
}
