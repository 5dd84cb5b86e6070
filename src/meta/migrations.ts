/**
 * Schema migrations of the metadata database, defined in code so the binary needs no migration files on disk.
 * Kysely's schema builder keeps them dialect-neutral; ids never get reused (AUTOINCREMENT in SQLite), so a
 * deleted wiki's or user's id can never be mistaken for a new one in logs, caches or index files.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

export const metaMigrations: Readonly<Record<string, Migration>> = {
  '0001_users_wikis_grants_tokens': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('username', 'text', (c) =>
          c
            .notNull()
            .unique()
            .check(sql`username = lower(username)`),
        )
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('tier', 'text', (c) =>
          c
            .notNull()
            .defaultTo('free')
            .check(sql`tier in ('free', 'premium', 'lapsed')`),
        )
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('users_email_lower')
        .on('users')
        .unique()
        .expression(sql`lower(email)`)
        .execute();

      await db.schema
        .createTable('wikis')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('visibility', 'text', (c) =>
          c
            .notNull()
            .defaultTo('private')
            .check(sql`visibility in ('public', 'private')`),
        )
        .addColumn('categories', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('wikis_owner_slug', ['owner_id', 'slug'])
        .execute();

      await db.schema
        .createTable('grants')
        .addColumn('wiki_id', 'integer', (c) => c.notNull().references('wikis.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('viewer', 'editor')`))
        .addPrimaryKeyConstraint('grants_pk', ['wiki_id', 'user_id'])
        .execute();
      // Cascades from users and "wikis shared with me" look grants up by user.
      await db.schema.createIndex('grants_user').on('grants').column('user_id').execute();

      await db.schema
        .createTable('tokens')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        // Cascade, never SET NULL: a null wiki_id means "every wiki", so a token scoped to a deleted wiki must go.
        .addColumn('wiki_id', 'integer', (c) => c.references('wikis.id').onDelete('cascade'))
        .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('read', 'write')`))
        .addColumn('expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('tokens_user').on('tokens').column('user_id').execute();
      await db.schema.createIndex('tokens_wiki').on('tokens').column('wiki_id').execute();
    },
  },
  '0002_accounts': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Invitations of people who have no account yet; accepted (turned into grants) when they sign up.
      await db.schema
        .createTable('invitations')
        .addColumn('wiki_id', 'integer', (c) => c.notNull().references('wikis.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('viewer', 'editor')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('invitations_wiki_email')
        .on('invitations')
        .unique()
        .expression(sql`wiki_id, lower(email)`)
        .execute();
      await db.schema
        .createIndex('invitations_email')
        .on('invitations')
        .expression(sql`lower(email)`)
        .execute();
    },
  },
  '0003_sessions': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
    },
  },
  // Background jobs (src/jobs) and each wiki's link to an external git remote (external sync, premium).
  '0005_jobs_sync': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('wiki_id', 'integer', (c) => c.references('wikis.id').onDelete('cascade'))
        .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('status', 'text', (c) =>
          c
            .notNull()
            .defaultTo('queued')
            .check(sql`status in ('queued', 'running', 'done', 'failed')`),
        )
        .addColumn('run_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      // The worker asks for the oldest due queued job.
      await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
      await db.schema.createIndex('jobs_wiki').on('jobs').column('wiki_id').execute();

      await db.schema
        .createTable('sync_links')
        .addColumn('wiki_id', 'integer', (c) => c.primaryKey().references('wikis.id').onDelete('cascade'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('username', 'text')
        // AES-256-GCM sealed token (see usecases/git-sync.ts); null when the remote needs no credentials.
        .addColumn('secret', 'text')
        .addColumn('state', 'text', (c) =>
          c
            .notNull()
            .defaultTo('never')
            .check(sql`state in ('never', 'ok', 'needs_attention', 'error')`),
        )
        .addColumn('last_result', 'text')
        .addColumn('our_head', 'text')
        .addColumn('their_head', 'text')
        .addColumn('message', 'text')
        .addColumn('last_run_at', 'text')
        .addColumn('next_run_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sync_links_due').on('sync_links').column('next_run_at').execute();
    },
  },
  '0004_oauth': {
    async up(db: Kysely<unknown>): Promise<void> {
      // oidc-provider's models (sessions, codes, tokens, grants, registered clients), one row each, payload as JSON.
      await db.schema
        .createTable('oauth_records')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('uid', 'text')
        .addColumn('account_id', 'text')
        .addColumn('client_id', 'text')
        .addColumn('expires_at', 'text')
        .addPrimaryKeyConstraint('oauth_records_pk', ['kind', 'id'])
        .execute();
      await db.schema.createIndex('oauth_records_grant').on('oauth_records').column('grant_id').execute();
      await db.schema.createIndex('oauth_records_uid').on('oauth_records').columns(['kind', 'uid']).execute();
      await db.schema.createIndex('oauth_records_account').on('oauth_records').columns(['kind', 'account_id']).execute();
      await db.schema.createIndex('oauth_records_expiry').on('oauth_records').column('expires_at').execute();
      await db.schema
        .createTable('oauth_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('use', 'text', (c) => c.notNull().check(sql`use in ('sig', 'cookie')`))
        .addColumn('material', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text')
        .execute();
    },
  },
  '0007_identities': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Accounts are linked by the provider's subject, never by email: (provider, subject) names one person.
      await db.schema
        .createTable('identities')
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('email', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('identities_pk', ['provider_id', 'subject'])
        .execute();
      await db.schema.createIndex('identities_user').on('identities').column('user_id').execute();
    },
  },
  // One-time links mailed to people (password reset, email verification), and whether an account's email is verified.
  '0006_email_tokens': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('users').addColumn('email_verified_at', 'text').execute();
      await db.schema
        .createTable('email_tokens')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('reset', 'verify')`))
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('email_tokens_user').on('email_tokens').columns(['user_id', 'purpose']).execute();
    },
  },
  // Email changes: a third kind of mailed link, `change`, whose address becomes the account's once followed. The purpose
  // check cannot be altered in place (SQLite), so the table is rebuilt with its rows, ids and index.
  '0009_email_change': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('email_tokens_v2')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('reset', 'verify', 'change')`))
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into email_tokens_v2 (id, user_id, purpose, hash, email, expires_at, created_at)
        select id, user_id, purpose, hash, email, expires_at, created_at from email_tokens`.execute(db);
      await db.schema.dropTable('email_tokens').execute();
      await db.schema.alterTable('email_tokens_v2').renameTo('email_tokens').execute();
      await db.schema.createIndex('email_tokens_user').on('email_tokens').columns(['user_id', 'purpose']).execute();
    },
  },
  // Per-wiki settings Otterwiki has: the page the root shows, whether commit messages are required, and the order of a
  // WikiLink's parts. Defaults keep every existing wiki as it was.
  '0010_wiki_settings': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('wikis')
        .addColumn('home_page', 'text', (c) => c.notNull().defaultTo('Home'))
        .execute();
      await db.schema
        .alterTable('wikis')
        .addColumn('commit_messages', 'text', (c) =>
          c
            .notNull()
            .defaultTo('optional')
            .check(sql`commit_messages in ('optional', 'required', 'disabled')`),
        )
        .execute();
      await db.schema
        .alterTable('wikis')
        .addColumn('wikilink_order', 'text', (c) =>
          c
            .notNull()
            .defaultTo('page-text')
            .check(sql`wikilink_order in ('page-text', 'text-page')`),
        )
        .execute();
    },
  },
};

/** Hands the migrations above to Kysely's `Migrator`. */
export const metaMigrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(metaMigrations),
};
