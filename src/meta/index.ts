/**
 * What the metadata folder offers: the MetaStore port and its types, the SQLite store, and the dialect-neutral
 * pieces (queries, schema, migrations) a PostgreSQL store will reuse.
 */
export type * from './meta-store.js';
export type * from './schema.js';
export { KyselyMetaStore, type ConstraintViolation } from './kysely-meta-store.js';
export { SqliteMetaStore } from './sqlite-meta-store.js';
export { metaMigrations, metaMigrationProvider } from './migrations.js';
