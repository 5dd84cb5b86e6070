/**
 * The embedded metadata store: one SQLite file shared by the server and CLI processes (WAL, busy timeout), with the
 * dialect-neutral queries of KyselyMetaStore on top of Kysely's better-sqlite3 dialect.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type SqliteDatabase } from 'kysely';
import { WikiError } from '../errors.js';
import { KyselyMetaStore, type ConstraintViolation } from './kysely-meta-store.js';
import { metaMigrationProvider } from './migrations.js';
import type { MetaDatabase } from './schema.js';

/** Another process holding the write lock makes us wait this long before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;
/** The store issues a fixed set of query shapes; the cap only guards against a caller generating unbounded ones. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; preparing costs more than running these small indexed queries, so keep the
 * statements of the SQL strings we have seen.
 */
function withStatementCache(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText);
      if (!statement) {
        statement = db.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        cache.set(sqlText, statement);
      }
      return statement;
    },
  };
}

function sqliteErrorCode(err: unknown): string | null {
  return err instanceof Database.SqliteError ? err.code : null;
}

export class SqliteMetaStore extends KyselyMetaStore {
  private constructor(
    db: Kysely<MetaDatabase>,
    /** The file this store uses, for messages and tooling. */
    readonly file: string,
  ) {
    super(db);
  }

  /** Opens (creating directories and the database when missing) and brings the schema up to date. */
  static async open(file: string): Promise<SqliteMetaStore> {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new Database(file);
    let kysely: Kysely<MetaDatabase> | undefined;
    try {
      // busy_timeout first: switching to WAL needs a lock another process may briefly hold.
      sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('foreign_keys = ON');
      await migrate(sqlite, new Kysely<MetaDatabase>({ dialect: new SqliteDialect({ database: sqlite }) }));
      kysely = new Kysely<MetaDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
      return new SqliteMetaStore(kysely, file);
    } catch (err) {
      sqlite.close();
      throw err;
    }
  }

  protected override constraintViolation(err: unknown): ConstraintViolation | null {
    switch (sqliteErrorCode(err)) {
      case 'SQLITE_CONSTRAINT_UNIQUE':
      case 'SQLITE_CONSTRAINT_PRIMARYKEY':
        return 'unique';
      case 'SQLITE_CONSTRAINT_FOREIGNKEY':
        return 'foreign-key';
      default:
        return null;
    }
  }
}

/**
 * Runs pending migrations inside one BEGIN IMMEDIATE transaction. Kysely's SQLite adapter takes no lock and no
 * transaction for migrations, so two processes opening a new file at once would both try to create the tables; the
 * immediate transaction makes the second wait (busy_timeout) and then find nothing to do, and a failed migration
 * leaves no half-built schema behind.
 */
async function migrate(sqlite: Database.Database, kysely: Kysely<MetaDatabase>): Promise<void> {
  const migrator = new Migrator({ db: kysely, provider: metaMigrationProvider });
  sqlite.exec('BEGIN IMMEDIATE');
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>>;
  try {
    outcome = await migrator.migrateToLatest();
  } catch (err) {
    outcome = { error: err };
  }
  const { error, results } = outcome;
  if (error !== undefined) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : JSON.stringify(error);
    throw new WikiError(
      'INTERNAL',
      `Could not migrate the metadata database${failed ? ` (migration ${failed})` : ''}: ${reason}`,
      { cause: error },
    );
  }
  sqlite.exec('COMMIT');
}
