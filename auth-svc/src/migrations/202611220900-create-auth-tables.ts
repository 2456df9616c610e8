import { MysqlIntrospector, type Kysely } from 'kysely';

// Frozen in time: imports nothing but kysely. Timestamps are epoch milliseconds (BIGINT) on both engines.

/** Users, refresh-token families and tokens, and API keys. */
export async function up(db: Kysely<any>): Promise<void> {
  // The database's own dialect decides the types that differ.
  const mysql = db.introspection instanceof MysqlIntrospector;
  const id = mysql ? 'varchar(36)' : 'text';
  const hash = mysql ? 'char(64)' : 'text';

  await db.schema
    .createTable('users')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
    .addColumn('display_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // A family is one sign-in and every refresh token rotated from it; revoking it ends the session.
  await db.schema
    .createTable('refresh_families')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('user_id', id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('refresh_families_user').on('refresh_families').column('user_id').execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('family_id', id, (c) => c.notNull().references('refresh_families.id').onDelete('cascade'))
    .addColumn('token_hash', hash, (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('spent_at', 'bigint')
    .execute();
  await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
  await db.schema.createIndex('refresh_tokens_expires').on('refresh_tokens').column('expires_at').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('user_id', id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('prefix', 'varchar(16)', (c) => c.notNull())
    .addColumn('key_hash', hash, (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_user_created').on('api_keys').columns(['user_id', 'created_at']).execute();
}

/** Drops everything `up` made. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_keys').execute();
  await db.schema.dropTable('refresh_tokens').execute();
  await db.schema.dropTable('refresh_families').execute();
  await db.schema.dropTable('users').execute();
}
