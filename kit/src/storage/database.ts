import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, MysqlDialect, SqliteDialect, sql, type Migration } from 'kysely';
import { createPool } from 'mysql2';
import Database from 'better-sqlite3';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import { queryObserver } from './query-tracing.js';

/** SQLite's own page cache per connection, in KiB. */
export const SQLITE_PAGE_CACHE_KIB = 4096;

/** Which SQL engine a database runs on; migrations branch on it where types differ. */
export type SqlDialect = 'mysql' | 'sqlite';

/** Where a service keeps its data. */
export interface DatabaseOptions {
  /** `mysql://user:pass@host:port/db`; unset means SQLite at `sqliteFile`. */
  url?: string | undefined;
  /** The embedded default, e.g. `./data/paste-svc.db`; `:memory:` works too. */
  sqliteFile: string;
  /** Migrations by timestamp-prefixed name, run in name order at start-up. */
  migrations: (dialect: SqlDialect) => Record<string, Migration>;
  logger: Logger;
  metrics?: Metrics;
  /** Spans for queries made while serving a traced request. */
  tracing?: Tracing;
  /** MySQL pool size. */
  poolSize?: number;
}

/** A service's open database. */
export interface ServiceDatabase<DB> {
  db: Kysely<DB>;
  dialect: SqlDialect;
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the service's database (creating the MySQL schema or the SQLite file if
 * missing), runs pending migrations, and times every query into `metrics`.
 */
export async function openDatabase<DB>(options: DatabaseOptions): Promise<ServiceDatabase<DB>> {
  const dialect: SqlDialect = options.url ? 'mysql' : 'sqlite';
  const log = queryObserver({
    dialect,
    database: options.url
      ? decodeURIComponent(new URL(options.url).pathname.slice(1))
      : path.basename(options.sqliteFile),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
  });
  let db: Kysely<DB>;
  if (options.url) {
    await createMysqlDatabaseIfMissing(options.url);
    db = new Kysely<DB>({
      dialect: new MysqlDialect({
        pool: createPool({
          uri: options.url,
          connectionLimit: options.poolSize ?? 10,
          timezone: 'Z',
          supportBigNumbers: true,
          charset: 'utf8mb4',
        }),
      }),
      ...(log ? { log } : {}),
    });
  } else {
    if (options.sqliteFile !== ':memory:') fs.mkdirSync(path.dirname(options.sqliteFile), { recursive: true });
    const sqlite = new Database(options.sqliteFile);
    // WAL lets readers proceed during writes; busy_timeout waits out a sibling process's lock.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    // better-sqlite3 builds SQLite with a 16 MiB page cache per connection, a tenth of a service's memory
    // budget; the OS page cache holds the file anyway, so a small one costs a pread on a miss, not a disk read.
    sqlite.pragma(`cache_size = -${SQLITE_PAGE_CACHE_KIB}`);
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }), ...(log ? { log } : {}) });
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => options.migrations(dialect) } });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) options.logger.info({ migration: r.migrationName, status: r.status }, 'migration');
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  return {
    db,
    dialect,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Creates the database named in a mysql:// URL if it does not exist (utf8mb4). */
export async function createMysqlDatabaseIfMissing(url: string): Promise<void> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new Error(`MYSQL_URL: database name "${name}" must be letters, digits and _`);
  parsed.pathname = '/';
  const pool = createPool({ uri: parsed.toString(), connectionLimit: 1 });
  try {
    await pool.promise().query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await pool.promise().end();
  }
}

/** Drops the database named in a mysql:// URL (tests clean up with it). */
export async function dropMysqlDatabase(url: string): Promise<void> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  parsed.pathname = '/';
  const pool = createPool({ uri: parsed.toString(), connectionLimit: 1 });
  try {
    await pool.promise().query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await pool.promise().end();
  }
}

/** Derives one service's database URL from a shared server URL, e.g. mysql://root@host/ → mysql://root@host/pastemesh_paste. */
export function serviceDatabaseUrl(serverUrl: string | undefined, database: string): string | undefined {
  if (!serverUrl) return undefined;
  const parsed = new URL(serverUrl);
  if (parsed.pathname && parsed.pathname !== '/') return serverUrl;
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
