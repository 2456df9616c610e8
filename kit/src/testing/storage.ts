// Each test's own storage on the real MariaDB and Redis, or the embedded SQLite default.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createPool } from 'mysql2';
import { Redis } from 'ioredis';
import { createMysqlDatabaseIfMissing, dropMysqlDatabase } from '../storage/database.js';

/** The MariaDB server tests use; override with MYSQL_TEST_URL. */
export const MYSQL_TEST_URL = process.env['MYSQL_TEST_URL'] ?? 'mysql://root@127.0.0.1:3306/';
/** The Redis server tests use; override with REDIS_TEST_URL. */
export const REDIS_TEST_URL = process.env['REDIS_TEST_URL'] ?? 'redis://127.0.0.1:6379';

const START_MARIADB =
  'start it with: mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld && start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql';
const START_REDIS =
  'start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';

/** Fails (never skips) with a message saying how to start MariaDB when it is unreachable. */
export async function requireMysql(serverUrl = MYSQL_TEST_URL): Promise<void> {
  const pool = createPool({ uri: serverUrl, connectionLimit: 1, connectTimeout: 3_000 });
  try {
    await pool.promise().query('select 1');
  } catch (err) {
    throw new Error(`MariaDB is not reachable at ${serverUrl} (${String(err)}); ${START_MARIADB}`);
  } finally {
    await pool
      .promise()
      .end()
      .catch(() => {});
  }
}

/** Fails (never skips) with a message saying how to start Redis when it is unreachable. */
export async function requireRedis(): Promise<void> {
  const redis = new Redis(REDIS_TEST_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3_000,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis is not reachable at ${REDIS_TEST_URL} (${String(err)}); ${START_REDIS}`);
  } finally {
    redis.disconnect();
  }
}

/** The two storage set-ups every integration suite runs on. */
export type StorageMode = 'mysql' | 'embedded';
export const STORAGE_MODES: StorageMode[] = ['mysql', 'embedded'];

/** One test's private storage: a fresh MySQL database (or SQLite file) and the shared Redis. */
export interface TestStorage {
  mode: StorageMode;
  /** Set in mysql mode. */
  mysqlUrl: string | undefined;
  /** Set in mysql mode. */
  redisUrl: string | undefined;
  /** The SQLite file in embedded mode (under a fresh temp dir). */
  sqliteFile: string;
  /** Env vars for a service's config: MYSQL_URL/REDIS_URL or DATA_DIR. */
  env: Record<string, string>;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** Options of createTestStorage. */
export interface TestStorageOptions {
  /** The MariaDB server for mysql mode (default MYSQL_TEST_URL), e.g. the primary of a startMariadbPair. */
  mysqlServerUrl?: string;
}

/**
 * Gives a test its own storage for `mode`: in mysql mode a fresh database
 * named after `label` on the real MariaDB plus the real Redis (both checked
 * first); in embedded mode a temp directory for SQLite files.
 */
export async function createTestStorage(
  mode: StorageMode,
  label: string,
  options: TestStorageOptions = {},
): Promise<TestStorage> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `pm-${label}-`));
  const sqliteFile = path.join(dataDir, `${label}.db`);
  if (mode === 'embedded') {
    return {
      mode,
      mysqlUrl: undefined,
      redisUrl: undefined,
      sqliteFile,
      dataDir,
      env: { DATA_DIR: dataDir },
      async cleanup() {
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const server = options.mysqlServerUrl ?? MYSQL_TEST_URL;
  await Promise.all([requireMysql(server), requireRedis()]);
  const name = `pmtest_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  const mysqlUrl = url.toString();
  await createMysqlDatabaseIfMissing(mysqlUrl);
  return {
    mode,
    mysqlUrl,
    redisUrl: REDIS_TEST_URL,
    sqliteFile,
    dataDir,
    env: { MYSQL_URL: mysqlUrl, REDIS_URL: REDIS_TEST_URL, DATA_DIR: dataDir },
    async cleanup() {
      await dropMysqlDatabase(mysqlUrl);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
