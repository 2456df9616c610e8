import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AnalyticsDatabase } from '../database.js';

/** The first event per id: a batch may repeat one, and only one copy can be new. */
export function uniqueById<T extends { eventId: string }>(events: T[]): T[] {
  const seen = new Map<string, T>();
  for (const e of events) if (!seen.has(e.eventId)) seen.set(e.eventId, e);
  return [...seen.values()];
}

/**
 * Inserts events once each (INSERT IGNORE by event id) and returns the ones
 * this call inserted: when the database inserted fewer rows than given, the
 * rows are read back by the fresh batch id they were tagged with, so a batch
 * delivered twice at the same moment still counts once.
 * Rows are written in event-id order, so concurrent batches lock in one order.
 */
export async function insertNewEvents<E extends { eventId: string }>(
  trx: Transaction<AnalyticsDatabase>,
  table: 'view_events' | 'paste_events',
  events: E[],
  toRow: (event: E) => Record<string, unknown>,
): Promise<{ fresh: E[]; batchId: string }> {
  const batchId = randomUUID();
  const sorted = uniqueById(events).sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
  // One statement for either table; the row shape is checked where toRow is written.
  const result = await trx
    .insertInto(table)
    .ignore()
    .values(sorted.map((e) => ({ ...toRow(e), event_id: e.eventId, batch_id: batchId })) as never)
    .executeTakeFirst();
  // Every row inserted (the usual case: redelivery is rare): all are new, and nothing needs reading back.
  if (Number(result.numInsertedOrUpdatedRows ?? -1) === sorted.length) return { fresh: sorted, batchId };
  const inserted = await trx
    .selectFrom(table)
    .select('event_id')
    .where('batch_id', '=', batchId)
    .where(
      'event_id',
      'in',
      sorted.map((e) => e.eventId),
    )
    .execute();
  const isNew = new Set(inserted.map((r) => r.event_id));
  return { fresh: sorted.filter((e) => isNew.has(e.eventId)), batchId };
}
