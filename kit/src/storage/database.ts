import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, MysqlDialect, SqliteDialect, sql, type IsolationLevel, type Migration } from 'kysely';
import { createPool, type Pool } from 'mysql2';
import Database from 'better-sqlite3';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import { queryObserver } from './query-tracing.js';
import { readReplicaPositions, type ReplicaPositions } from './replica-lag.js';
import { markSessionIsolation } from './transactions.js';

/** SQLite's own page cache per connection, in KiB. */
export const SQLITE_PAGE_CACHE_KIB = 4096;

/** Which SQL engine a database runs on; migrations branch on it where types differ. */
export type SqlDialect = 'mysql' | 'sqlite';

/** Where a service keeps its data. */
export interface DatabaseOptions {
  /** `mysql://user:pass@host:port/db`; unset means SQLite at `sqliteFile`. */
  url?: string | undefined;
  /**
   * A MySQL/MariaDB replica of `url` to read from (`mysql://…/db`, the same database). Opened lazily, so a
   * replica that is down does not stop the service; never migrated (it gets the schema by replication).
   */
  replicaUrl?: string | undefined;
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
  /**
   * MySQL: the isolation level every connection of the primary runs at (SET SESSION TRANSACTION ISOLATION LEVEL
   * as each one connects, before its first query), for a service whose transactions all ask for one level:
   * `inTransaction` asking for it then sends no SET TRANSACTION of its own, a round trip fewer per transaction.
   * Statements outside transactions run at it too. SQLite has one behaviour whatever is asked.
   */
  isolation?: IsolationLevel;
}

/** A service's open database. */
export interface ServiceDatabase<DB> {
  db: Kysely<DB>;
  /**
   * The replica, when `replicaUrl` was given: every session on it is READ ONLY, so a write sent there fails
   * instead of forking the data. Its queries are timed and traced like the primary's (with its address).
   */
  replica: Kysely<DB> | undefined;
  dialect: SqlDialect;
  /** A cheap round trip to the primary, for readiness checks (the replica is not part of readiness). */
  ping(): Promise<void>;
  /**
   * The primary's and the replica's GTID positions (MariaDB), two `@@variable` reads: the cheap way to tell
   * how far behind the replica is (see createReplicaLagTracker). Rejects without a replica.
   */
  replicaPositions(): Promise<ReplicaPositions>;
  /** Closes the primary's pool and the replica's. */
  close(): Promise<void>;
}

/** How long a connection attempt to the replica may take; a replica that is down must fail fast, not hang reads. */
const REPLICA_CONNECT_TIMEOUT_MS = 2_000;

/**
 * Opens the service's database (creating the MySQL schema or the SQLite file if
 * missing), runs pending migrations, and times every query into `metrics`.
 */
export async function openDatabase<DB>(options: DatabaseOptions): Promise<ServiceDatabase<DB>> {
  const dialect: SqlDialect = options.url ? 'mysql' : 'sqlite';
  if (options.replicaUrl && !options.url) throw new Error('a replica needs a MySQL primary (url); SQLite has none');
  const observe = (url: string | undefined) =>
    queryObserver({
      dialect,
      database: url ? decodeURIComponent(new URL(url).pathname.slice(1)) : path.basename(options.sqliteFile),
      ...(url ? { server: serverOf(url) } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.tracing ? { tracing: options.tracing } : {}),
    });
  const log = observe(options.url);
  let db: Kysely<DB>;
  let replica: Kysely<DB> | undefined;
  if (options.url) {
    await createMysqlDatabaseIfMissing(options.url);
    const pool = mysqlPool(options.url, options.poolSize);
    if (options.isolation) setSessionIsolation(pool, options.isolation, options.logger);
    db = new Kysely<DB>({ dialect: new MysqlDialect({ pool }), ...(log ? { log } : {}) });
    if (options.isolation) markSessionIsolation(db, options.isolation);
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
  if (options.replicaUrl) {
    const pool = mysqlPool(options.replicaUrl, options.poolSize, REPLICA_CONNECT_TIMEOUT_MS);
    // Queued on each new connection before its first use. READ ONLY binds even a user with SUPER, whom
    // the server's read_only lets write.
    pool.on('connection', (connection) => connection.query('SET SESSION TRANSACTION READ ONLY'));
    const replicaLog = observe(options.replicaUrl);
    replica = new Kysely<DB>({ dialect: new MysqlDialect({ pool }), ...(replicaLog ? { log: replicaLog } : {}) });
  }
  return {
    db,
    replica,
    dialect,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async replicaPositions() {
      if (!replica) throw new Error('no replica configured');
      return readReplicaPositions(db, replica);
    },
    async close() {
      await Promise.all([db.destroy(), replica?.destroy()]);
    },
  };
}

function mysqlPool(uri: string, connectionLimit = 10, connectTimeout?: number) {
  return createPool({
    uri,
    connectionLimit,
    timezone: 'Z',
    supportBigNumbers: true,
    charset: 'utf8mb4',
    ...(connectTimeout === undefined ? {} : { connectTimeout }),
  });
}

/**
 * Queues SET SESSION TRANSACTION ISOLATION LEVEL on each new connection, before anything its first user sends.
 * A connection on which it fails is destroyed: it must never run a transaction at another level.
 */
function setSessionIsolation(pool: Pool, level: IsolationLevel, logger: Logger): void {
  const statement = `SET SESSION TRANSACTION ISOLATION LEVEL ${level.toUpperCase()}`;
  pool.on('connection', (connection) => {
    connection.query(statement, (err) => {
      if (!err) return;
      logger.warn({ err: err.message }, 'could not set the session isolation level: connection dropped');
      connection.destroy();
    });
  });
}

/** A server's address for spans (server.address, server.port), so replica reads are told apart. */
function serverOf(url: string): { address: string; port: number } {
  const parsed = new URL(url);
  return { address: parsed.hostname, port: parsed.port === '' ? 3306 : Number(parsed.port) };
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
