import { MysqlIntrospector, sql, type Kysely } from 'kysely';

// Frozen: change the schema with a new migration. Imports nothing but kysely.

/** Column types by engine: the database's own dialect decides (SQLite compares bytes anyway). */
function types(db: Kysely<any>) {
  const mysql = db.introspection instanceof MysqlIntrospector;
  return {
    // Ids are case-sensitive base62, so MySQL columns holding them use a binary collation.
    id: mysql ? sql`varchar(16) character set ascii collate ascii_bin` : sql`text`,
    hex: mysql ? sql`char(64) character set ascii collate ascii_bin` : sql`text`,
    text: (n: number) => (mysql ? sql`varchar(${sql.raw(String(n))})` : sql`text`),
    // TEXT/BLOB hold 64 KiB on MySQL; MEDIUMBLOB holds 16 MiB. SQLite's BLOB has no such limit.
    blob: mysql ? sql`mediumblob` : sql`blob`,
    small: mysql ? sql`tinyint` : sql`integer`,
  };
}

/** Pastes, their versions, and content stored once per SHA-256. */
export async function up(db: Kysely<any>): Promise<void> {
  const { id, hex, text, blob, small } = types(db);
  await db.schema
    .createTable('pastes')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('owner_id', text(64))
    .addColumn('visibility', small, (c) => c.notNull())
    .addColumn('burn_after_read', small, (c) => c.notNull().defaultTo(0))
    .addColumn('title', text(200), (c) => c.notNull())
    .addColumn('language', text(32), (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', hex, (c) => c.notNull())
    .addColumn('latest_version', 'integer', (c) => c.notNull())
    .addColumn('delete_token_hash', hex)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .execute();
  // Recent public pastes and a user's pastes page by (created_at, id); the sweeper finds expired ones.
  await db.schema
    .createIndex('pastes_visibility_created')
    .on('pastes')
    .columns(['visibility', 'created_at', 'id'])
    .execute();
  await db.schema.createIndex('pastes_owner_created').on('pastes').columns(['owner_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('pastes_expires').on('pastes').column('expires_at').execute();

  await db.schema
    .createTable('paste_versions')
    .addColumn('paste_id', id, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('title', text(200), (c) => c.notNull())
    .addColumn('language', text(32), (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', hex, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('paste_versions_pk', ['paste_id', 'version'])
    .execute();
  await db.schema.createIndex('paste_versions_sha256').on('paste_versions').column('sha256').execute();

  await db.schema
    .createTable('paste_contents')
    .addColumn('sha256', hex, (c) => c.primaryKey())
    .addColumn('content', blob, (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('refs', 'integer', (c) => c.notNull())
    .addColumn('touched_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('paste_contents_refs').on('paste_contents').columns(['refs', 'touched_at']).execute();
}

/** Drops everything `up` made. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('paste_contents').execute();
  await db.schema.dropTable('paste_versions').execute();
  await db.schema.dropTable('pastes').execute();
}
