import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely, type Transaction } from 'kysely';
import { createLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { MYSQL_TEST_URL, requireMysql } from '../testing/storage.js';
import { dropMysqlDatabase, openDatabase, SQLITE_PAGE_CACHE_KIB, type ServiceDatabase } from './database.js';
import { inTransaction } from './transactions.js';

describe('the embedded SQLite database', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-kit-db-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs in WAL mode with a page cache bounded for a service’s memory budget', async () => {
    const opened = await openDatabase<object>({
      sqliteFile: path.join(dir, 'x.db'),
      migrations: () => ({}),
      logger: createLogger('t', 'silent'),
    });
    try {
      const pragma = async (name: string) =>
        Object.values((await sql.raw(`pragma ${name}`).execute(opened.db)).rows[0] as object)[0];
      expect(await pragma('journal_mode')).toBe('wal');
      // better-sqlite3's build default is -16000 (16 MiB per connection).
      expect(await pragma('cache_size')).toBe(-SQLITE_PAGE_CACHE_KIB);
      expect(SQLITE_PAGE_CACHE_KIB).toBeLessThanOrEqual(4096);
    } finally {
      await opened.close();
    }
  });
});

describe('a MySQL database opened with an isolation level', () => {
  const name = `kit_isolation_${randomBytes(4).toString('hex')}`;
  const url = new URL(MYSQL_TEST_URL);
  url.pathname = `/${name}`;
  const metrics = createMetrics('kit-isolation-test');
  let opened: ServiceDatabase<object>;
  const statements = async (operation: string) =>
    (await metrics.dbQueryDuration.get()).values
      .filter((v) => v.metricName === 'db_query_duration_seconds_count' && v.labels['operation'] === operation)
      .reduce((sum, v) => sum + v.value, 0);
  /**
   * The level InnoDB runs this transaction at: innodb_trx lists it once it has written, in a snapshot InnoDB
   * refreshes when it is more than 100 ms old.
   */
  const transactionLevel = async (trx: Transaction<object>) => {
    await sql`insert into notes (id) values (1)`.execute(trx);
    await new Promise((r) => setTimeout(r, 150));
    const { rows } = await sql<{ level: string }>`
      select trx_isolation_level as level from information_schema.innodb_trx
      where trx_mysql_thread_id = connection_id()`.execute(trx);
    return rows[0]?.level;
  };

  beforeAll(async () => {
    await requireMysql();
    opened = await openDatabase<object>({
      url: url.toString(),
      sqliteFile: ':memory:',
      migrations: () => ({
        '0001-notes': {
          up: (db: Kysely<unknown>) => db.schema.createTable('notes').addColumn('id', 'integer').execute(),
        },
      }),
      logger: createLogger('kit-isolation-test', 'silent'),
      metrics,
      poolSize: 3,
      isolation: 'read committed',
    });
  });
  afterAll(async () => {
    await opened?.close();
    await dropMysqlDatabase(url.toString());
  });

  it('runs every connection at it, and its transactions at it without a SET TRANSACTION of their own', async () => {
    const setsBefore = await statements('set');
    // Three at once: each on a connection of its own.
    const levels = await Promise.all(
      [1, 2, 3].map(() => inTransaction(opened.db, transactionLevel, { isolation: 'read committed' })),
    );
    expect(levels).toEqual(['READ COMMITTED', 'READ COMMITTED', 'READ COMMITTED']);
    expect(await statements('set')).toBe(setsBefore);
    const { rows } = await sql<{ level: string }>`select @@tx_isolation as level`.execute(opened.db);
    expect(rows[0]?.level).toBe('READ-COMMITTED');
  });

  it('still sets another level a transaction asks for, for that transaction only', async () => {
    expect(await inTransaction(opened.db, transactionLevel, { isolation: 'serializable' })).toBe('SERIALIZABLE');
    expect(await inTransaction(opened.db, transactionLevel, { isolation: 'read committed' })).toBe('READ COMMITTED');
  });
});
