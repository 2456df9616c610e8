import fs from 'node:fs';
import Database from 'better-sqlite3';
import {
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  Kysely,
  MIGRATION_LOCK_ID,
  MysqlDialect,
  SqliteDialect,
  sql,
} from 'kysely';
import { createPool } from 'mysql2';
import { openDatabase, type DatabaseOptions, type ServiceDatabase, type SqlDialect } from '../storage/database.js';
import { createLogger } from '../observability/logger.js';
import { STORAGE_MODES, createTestStorage } from './storage.js';

/** Where a test's database is: a TestStorage, or any MySQL URL / SQLite file pair. */
export interface TestDatabaseLocation {
  /** Set for MySQL; unset means the SQLite file. */
  mysqlUrl: string | undefined;
  sqliteFile: string;
}

/**
 * One database's schema as its engine states it: each table's and index's DDL by name (MySQL's
 * `SHOW CREATE TABLE`, SQLite's `sqlite_master.sql`), and the migrations kysely's Migrator records as run.
 * Two databases with equal dumps have the same tables, columns, types, collations, keys and indexes.
 */
export interface SchemaDump {
  /** DDL by table name (SQLite: indexes as `index <name>`), kysely's own two tables included. */
  ddl: Record<string, string>;
  /** The names in `kysely_migration`, in name order. */
  migrations: string[];
}

/** A service's schema on both engines, kept in a JSON file beside its tests. */
export interface SchemaSnapshot {
  /** What made it, e.g. the commit whose code created the databases. */
  madeBy: string;
  mysql: SchemaDump;
  sqlite: SchemaDump;
}

/** Reads a snapshot file (e.g. `new URL('../testing/existing-schema.json', import.meta.url)`). */
export function readSchemaSnapshot(file: URL | string): SchemaSnapshot {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SchemaSnapshot;
}

/** The engine a test database runs on. */
export const dialectOf = (storage: TestDatabaseLocation): SqlDialect => (storage.mysqlUrl ? 'mysql' : 'sqlite');

/** States `db`'s schema (see SchemaDump). */
export async function dumpSchema(db: Kysely<any>, dialect: SqlDialect): Promise<SchemaDump> {
  const ddl: Record<string, string> = {};
  if (dialect === 'mysql') {
    const { rows } = await sql<{
      name: string;
    }>`select table_name as name from information_schema.tables where table_schema = database() order by table_name`.execute(
      db,
    );
    for (const { name } of rows) {
      const { rows: created } = await sql<Record<string, string>>`show create table ${sql.id(name)}`.execute(db);
      // The auto-increment counter is data, not schema.
      ddl[name] = created[0]!['Create Table']!.replace(/ AUTO_INCREMENT=\d+/, '');
    }
  } else {
    const { rows } = await sql<{
      type: string;
      name: string;
      sql: string;
    }>`select type, name, sql from sqlite_master where sql is not null order by type desc, name`.execute(db);
    for (const row of rows) ddl[row.type === 'table' ? row.name : `${row.type} ${row.name}`] = row.sql;
  }
  const migrations = ddl[DEFAULT_MIGRATION_TABLE]
    ? await db.selectFrom(DEFAULT_MIGRATION_TABLE).select('name').orderBy('name').execute()
    : [];
  return { ddl, migrations: migrations.map((m) => String(m.name)) };
}

/**
 * Recreates a dumped database in the empty `db`: every table and index exactly as the dump states it, and
 * kysely's record of the migrations that ran, as if the code that made the dump had created it.
 */
export async function restoreSchema(db: Kysely<any>, dialect: SqlDialect, dump: SchemaDump): Promise<void> {
  const entries = Object.entries(dump.ddl);
  // Tables before indexes. A foreign key may name a table created later: MySQL checks are off meanwhile,
  // and SQLite checks only when rows change.
  const ordered = [
    ...entries.filter(([name]) => !name.startsWith('index ')),
    ...entries.filter(([name]) => name.startsWith('index ')),
  ];
  await db.connection().execute(async (conn) => {
    if (dialect === 'mysql') await sql`set foreign_key_checks = 0`.execute(conn);
    try {
      for (const [, statement] of ordered) await sql.raw(statement).execute(conn);
    } finally {
      if (dialect === 'mysql') await sql`set foreign_key_checks = 1`.execute(conn);
    }
    // kysely lists executed migrations by timestamp, then name: one timestamp keeps name order.
    const timestamp = new Date(0).toISOString();
    if (dump.migrations.length > 0)
      await conn
        .insertInto(DEFAULT_MIGRATION_TABLE)
        .values(dump.migrations.map((name) => ({ name, timestamp })))
        .execute();
    if (dump.ddl[DEFAULT_MIGRATION_LOCK_TABLE])
      await conn.insertInto(DEFAULT_MIGRATION_LOCK_TABLE).values({ id: MIGRATION_LOCK_ID, is_locked: 0 }).execute();
  });
}

/** Opens the test database (MySQL, or its SQLite file) as a service's start-up does, running `migrations`. */
export function openTestDatabase(
  storage: TestDatabaseLocation,
  migrations: DatabaseOptions['migrations'],
): Promise<ServiceDatabase<any>> {
  return openDatabase<any>({
    url: storage.mysqlUrl,
    sqliteFile: storage.sqliteFile,
    migrations,
    logger: createLogger('schema-test', 'silent'),
  });
}

/** Restores `dump` into the test's empty database, on a connection of its own that is closed afterwards. */
export async function restoreTestDatabase(storage: TestDatabaseLocation, dump: SchemaDump): Promise<void> {
  // Not through openDatabase: its Migrator would create kysely's tables before the dump's own.
  const bare = new Kysely<any>({
    dialect: storage.mysqlUrl
      ? new MysqlDialect({ pool: createPool({ uri: storage.mysqlUrl, connectionLimit: 1, charset: 'utf8mb4' }) })
      : new SqliteDialect({ database: new Database(storage.sqliteFile) }),
  });
  try {
    await restoreSchema(bare, dialectOf(storage), dump);
  } finally {
    await bare.destroy();
  }
}

/** Wraps `migrations` so that the names of those that run are pushed to `ran`. */
export function trackMigrationRuns(migrations: DatabaseOptions['migrations']): {
  migrations: DatabaseOptions['migrations'];
  ran: string[];
} {
  const ran: string[] = [];
  return {
    ran,
    migrations: (dialect) =>
      Object.fromEntries(
        Object.entries(migrations(dialect)).map(([name, migration]) => [
          name,
          {
            ...migration,
            async up(db: Kysely<any>) {
              ran.push(name);
              await migration.up(db);
            },
          },
        ]),
      ),
  };
}

/**
 * A service's schema on both engines after `migrations` ran on empty databases (on the real MariaDB and in
 * SQLite), for its `src/testing/existing-schema.json`: `JSON.stringify(await makeSchemaSnapshot(…), null, 2)`.
 */
export async function makeSchemaSnapshot(
  migrations: DatabaseOptions['migrations'],
  madeBy: string,
): Promise<SchemaSnapshot> {
  const dumps: Partial<Record<SqlDialect, SchemaDump>> = {};
  for (const mode of STORAGE_MODES) {
    const storage = await createTestStorage(mode, 'schema_snapshot');
    try {
      const database = await openTestDatabase(storage, migrations);
      dumps[database.dialect] = await dumpSchema(database.db, database.dialect);
      await database.close();
    } finally {
      await storage.cleanup();
    }
  }
  return { madeBy, mysql: dumps.mysql!, sqlite: dumps.sqlite! };
}
