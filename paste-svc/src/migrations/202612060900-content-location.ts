import { MysqlIntrospector, sql, type Kysely } from 'kysely';

// Frozen: change the schema with a new migration. Imports nothing but kysely.

/**
 * Where each content's bytes live: `database` (in `content`, as before) or `store` (in the object store
 * CONTENT_STORE names, keyed by the SHA-256; `content` is empty). A `store` row at refs 0 waits for the sweeper,
 * which deletes its object and leaves refs -1 (a tombstone, purged a grace period later).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const mysql = db.introspection instanceof MysqlIntrospector;
  await db.schema
    .alterTable('paste_contents')
    .addColumn('stored_in', mysql ? sql`varchar(16) character set ascii` : sql`text`, (c) =>
      c.notNull().defaultTo('database'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('paste_contents').dropColumn('stored_in').execute();
}
