import { MysqlIntrospector, sql, type Kysely } from 'kysely';

// Frozen: later changes go in new migrations; imports nothing but kysely. Types are chosen to mean the same on MariaDB 10.11 and SQLite.
// (The binary collation of id columns was added here before any deployment, not in a new migration.)

/** Raw events, per-day viewers, daily rollups, paste state and usage tables. */
export async function up(db: Kysely<any>): Promise<void> {
  // The database's own dialect decides the types that differ.
  const mysql = db.introspection instanceof MysqlIntrospector;
  // Ids and viewer keys compare byte for byte, whatever collation the database was created with:
  // under an operator's *_general_ci default, 'AbC' and 'abc' would be one paste. SQLite compares bytes already.
  const id = mysql ? sql`varchar(64) character set utf8mb4 collate utf8mb4_bin` : sql`varchar(64)`;
  const batchId = mysql ? sql`char(36) character set ascii collate ascii_bin` : sql`char(36)`;
  await db.schema
    .createTable('view_events')
    .addColumn('event_id', id, (c) => c.primaryKey())
    .addColumn('paste_id', id, (c) => c.notNull())
    .addColumn('time_ms', 'bigint', (c) => c.notNull())
    .addColumn('day', 'char(10)', (c) => c.notNull())
    .addColumn('viewer_key', id, (c) => c.notNull())
    .addColumn('referrer_host', 'varchar(255)', (c) => c.notNull())
    .addColumn('bot', 'smallint', (c) => c.notNull())
    .addColumn('received_ms', 'bigint', (c) => c.notNull())
    .addColumn('batch_id', batchId, (c) => c.notNull())
    .execute();
  // Pruning deletes by age.
  await db.schema.createIndex('view_events_time').on('view_events').column('time_ms').execute();

  await db.schema
    .createTable('paste_events')
    .addColumn('event_id', id, (c) => c.primaryKey())
    .addColumn('paste_id', id, (c) => c.notNull())
    .addColumn('kind', 'smallint', (c) => c.notNull())
    .addColumn('time_ms', 'bigint', (c) => c.notNull())
    .addColumn('day', 'char(10)', (c) => c.notNull())
    .addColumn('language', 'varchar(64)', (c) => c.notNull())
    .addColumn('visibility', 'smallint', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('received_ms', 'bigint', (c) => c.notNull())
    .addColumn('batch_id', batchId, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('paste_events_time').on('paste_events').column('time_ms').execute();

  await db.schema
    .createTable('paste_day_viewers')
    .addColumn('paste_id', id, (c) => c.notNull())
    .addColumn('day', 'char(10)', (c) => c.notNull())
    .addColumn('viewer_key', id, (c) => c.notNull())
    .addColumn('batch_id', batchId, (c) => c.notNull())
    .addPrimaryKeyConstraint('paste_day_viewers_pk', ['paste_id', 'day', 'viewer_key'])
    .execute();
  await db.schema.createIndex('paste_day_viewers_day').on('paste_day_viewers').column('day').execute();

  await db.schema
    .createTable('paste_daily_views')
    .addColumn('paste_id', id, (c) => c.notNull())
    .addColumn('day', 'char(10)', (c) => c.notNull())
    .addColumn('views', 'bigint', (c) => c.notNull())
    .addColumn('bot_views', 'bigint', (c) => c.notNull())
    .addColumn('unique_viewers', 'bigint', (c) => c.notNull())
    .addColumn('last_view_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('paste_daily_views_pk', ['paste_id', 'day'])
    .execute();
  // Rankings read a window of days across all pastes.
  await db.schema
    .createIndex('paste_daily_views_day')
    .on('paste_daily_views')
    .columns(['day', 'paste_id', 'views'])
    .execute();

  await db.schema
    .createTable('pastes')
    .addColumn('paste_id', id, (c) => c.primaryKey())
    .addColumn('language', 'varchar(64)', (c) => c.notNull())
    .addColumn('visibility', 'smallint', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('created_ms', 'bigint')
    .addColumn('deleted_ms', 'bigint')
    .addColumn('state_ms', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('usage_daily')
    .addColumn('day', 'char(10)', (c) => c.primaryKey())
    .addColumn('pastes_created', 'bigint', (c) => c.notNull())
    .addColumn('views', 'bigint', (c) => c.notNull())
    .addColumn('bot_views', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('creations_daily')
    .addColumn('day', 'char(10)', (c) => c.notNull())
    .addColumn('dimension', 'varchar(16)', (c) => c.notNull())
    .addColumn('value', 'varchar(64)', (c) => c.notNull())
    .addColumn('pastes_created', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('creations_daily_pk', ['day', 'dimension', 'value'])
    .execute();
}

/** Drops everything `up` made. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'creations_daily',
    'usage_daily',
    'pastes',
    'paste_daily_views',
    'paste_day_viewers',
    'paste_events',
    'view_events',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
