import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '@pastemesh/kit/storage';
import type { AnalyticsDatabase } from '../database.js';
import { dayOf } from '../days.js';

/** Rows deleted per table by one pruning pass. */
export type PruneResult = Record<'view_events' | 'paste_events' | 'paste_day_viewers', number>;

/**
 * Deletes raw events older than `cutoffMs` (and per-day viewer rows of days
 * before the cutoff's day) in statements of at most `batchSize` rows, so no
 * statement holds locks for long. Rollups are never pruned. Stops between
 * batches when `shouldStop` says so (shutdown).
 */
export async function pruneExpired(
  db: Kysely<AnalyticsDatabase>,
  dialect: SqlDialect,
  cutoffMs: number,
  batchSize: number,
  shouldStop: () => boolean = () => false,
): Promise<PruneResult> {
  const targets: [keyof PruneResult, string, number | string][] = [
    ['view_events', 'time_ms', cutoffMs],
    ['paste_events', 'time_ms', cutoffMs],
    ['paste_day_viewers', 'day', dayOf(cutoffMs)],
  ];
  const result: PruneResult = { view_events: 0, paste_events: 0, paste_day_viewers: 0 };
  for (const [table, column, bound] of targets) {
    while (!shouldStop()) {
      const deleted = await deleteBatch(db, dialect, table, column, bound, batchSize);
      result[table] += deleted;
      if (deleted < batchSize) break;
      // Let ingestion and queries in between batches.
      await new Promise((r) => setImmediate(r));
    }
  }
  return result;
}

async function deleteBatch(
  db: Kysely<AnalyticsDatabase>,
  dialect: SqlDialect,
  table: keyof PruneResult,
  column: string,
  bound: number | string,
  limit: number,
): Promise<number> {
  const anyDb = db as unknown as Kysely<any>;
  if (dialect === 'mysql') {
    const res = await anyDb.deleteFrom(table).where(column, '<', bound).limit(limit).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
  // SQLite has no DELETE … LIMIT by default; a rowid subquery bounds the batch instead.
  const res =
    await sql`delete from ${sql.table(table)} where rowid in (select rowid from ${sql.table(table)} where ${sql.ref(column)} < ${bound} limit ${limit})`.execute(
      anyDb,
    );
  return Number(res.numAffectedRows ?? 0n);
}
