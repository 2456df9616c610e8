import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely, type Migration } from 'kysely';
import { createLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { startMariadbPair, type MariadbPair } from '../testing/mariadb-pair.js';
import { openDatabase, type ServiceDatabase } from './database.js';
import { gtidCovers } from './replica-lag.js';

interface Db {
  notes: { id: number; body: string };
}

const migrations = (): Record<string, Migration> => ({
  '0001-notes': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('notes')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('body', 'varchar(100)')
        .execute();
    },
  },
});

const withDatabase = (serverUrl: string, name: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

describe('openDatabase with a replica', () => {
  let pair: MariadbPair;
  let opened: ServiceDatabase<Db>;
  const metrics = createMetrics('kit-replica-test');
  const queriesObserved = async () =>
    (await metrics.dbQueryDuration.get()).values
      .filter((v) => v.metricName === 'db_query_duration_seconds_count')
      .reduce((sum, v) => sum + v.value, 0);

  beforeAll(async () => {
    pair = await startMariadbPair({ label: 'kit-db' });
    // Paused first: whatever the replica has then, it got by replication, not from openDatabase.
    await pair.pauseReplication();
    opened = await openDatabase<Db>({
      url: withDatabase(pair.primary.url, 'kit_replica'),
      replicaUrl: withDatabase(pair.replica.url, 'kit_replica'),
      sqliteFile: ':memory:',
      migrations,
      logger: createLogger('kit-replica-test', 'silent'),
      metrics,
    });
  }, 60_000);
  afterAll(async () => {
    await opened?.close();
    await pair?.close();
  });

  it('runs migrations on the primary only; the replica gets the schema by replication', async () => {
    expect(await pair.replica.query("SHOW DATABASES LIKE 'kit_replica'")).toEqual([]);
    await pair.resumeReplication();
    await pair.waitForReplica();
    await opened.db.insertInto('notes').values({ id: 1, body: 'hello' }).execute();
    await pair.waitForReplica();
    expect(await opened.replica!.selectFrom('notes').selectAll().execute()).toEqual([{ id: 1, body: 'hello' }]);
  });

  it('refuses writes on the replica even for root, whom read_only lets write', async () => {
    // Not the server's --read-only (root holds READ ONLY ADMIN) but the session's READ ONLY.
    await expect(opened.replica!.insertInto('notes').values({ id: 2, body: 'forked' }).execute()).rejects.toThrow(
      /READ ONLY transaction/,
    );
    expect(await pair.replica.query('SELECT COUNT(*) AS n FROM kit_replica.notes')).toEqual([{ n: 1 }]);
  });

  it('times replica queries into the same metrics as the primary’s', async () => {
    const before = await queriesObserved();
    await sql`select 1`.execute(opened.replica!);
    expect(await queriesObserved()).toBe(before + 1);
  });

  it('tells from GTID positions whether the replica has everything the primary wrote', async () => {
    await pair.waitForReplica();
    let positions = await opened.replicaPositions();
    expect(positions.primary.size).toBeGreaterThan(0);
    expect(gtidCovers(positions.replica, positions.primary)).toBe(true);

    await pair.pauseReplication();
    await opened.db.insertInto('notes').values({ id: 3, body: 'later' }).execute();
    positions = await opened.replicaPositions();
    expect(gtidCovers(positions.replica, positions.primary)).toBe(false);
    await pair.resumeReplication();
    await pair.waitForReplica();
    positions = await opened.replicaPositions();
    expect(gtidCovers(positions.replica, positions.primary)).toBe(true);
  });

  it('opens while the replica is down, and does not need it to answer the readiness ping', async () => {
    const replicaUrl = withDatabase(pair.replica.url, 'kit_replica');
    await pair.stopReplica();
    try {
      const again = await openDatabase<Db>({
        url: withDatabase(pair.primary.url, 'kit_replica'),
        replicaUrl,
        sqliteFile: ':memory:',
        migrations,
        logger: createLogger('kit-replica-test', 'silent'),
      });
      await again.ping();
      await expect(again.replica!.selectFrom('notes').selectAll().execute()).rejects.toThrow();
      await again.close();
    } finally {
      await pair.startReplica();
    }
  });

  it('closes the replica’s pool with the primary’s', async () => {
    const again = await openDatabase<Db>({
      url: withDatabase(pair.primary.url, 'kit_replica'),
      replicaUrl: withDatabase(pair.replica.url, 'kit_replica'),
      sqliteFile: ':memory:',
      migrations,
      logger: createLogger('kit-replica-test', 'silent'),
    });
    await sql`select 1`.execute(again.replica!);
    await again.close();
    await expect(sql`select 1`.execute(again.replica!)).rejects.toThrow();
  });

  it('refuses a replica without a MySQL primary (SQLite has none)', async () => {
    await expect(
      openDatabase<Db>({
        replicaUrl: pair.replica.url,
        sqliteFile: ':memory:',
        migrations,
        logger: createLogger('kit-replica-test', 'silent'),
      }),
    ).rejects.toThrow(/a replica needs a MySQL primary/);
  });
});
