import type { Kysely } from 'kysely';
import { inTransaction, type SqlDialect } from '@pastemesh/kit/storage';
import type { AnalyticsDatabase } from '../database.js';
import { dayOf } from '../days.js';
import { upsertRows } from '../upsert.js';
import { insertNewEvents } from './event-insert.js';

/** A validated view event, ready to store. */
export interface NewViewEvent {
  eventId: string;
  pasteId: string;
  timeMs: number;
  viewerKey: string;
  referrerHost: string;
  bot: boolean;
  /** Reads this event stands for (at least 1). */
  count: number;
}

/** What one ingestion changed. */
export interface IngestResult {
  /** Events stored for the first time. */
  accepted: number;
  /** Events whose id was already stored. */
  duplicates: number;
}

/**
 * Stores view events once each (an event may stand for several reads, its
 * count) and folds the new ones into the daily rollups, all in one
 * transaction: INSERT IGNORE by event id, then read back the rows tagged
 * with this call's batch id, so only events this call inserted count,
 * even when the same batch arrives twice at once. Unique viewers are exact:
 * a (paste, day, viewer key) row is inserted the same way and only new rows add.
 */
export async function ingestViewEvents(
  db: Kysely<AnalyticsDatabase>,
  dialect: SqlDialect,
  events: NewViewEvent[],
  receivedMs: number,
): Promise<IngestResult> {
  if (events.length === 0) return { accepted: 0, duplicates: 0 };
  return inTransaction(db, async (trx) => {
    const { fresh, batchId } = await insertNewEvents(trx, 'view_events', events, (e) => ({
      paste_id: e.pasteId,
      time_ms: e.timeMs,
      day: dayOf(e.timeMs),
      viewer_key: e.viewerKey,
      referrer_host: e.referrerHost,
      bot: e.bot ? 1 : 0,
      view_count: e.count,
      received_ms: receivedMs,
    }));
    if (fresh.length === 0) return { accepted: 0, duplicates: events.length };

    const uniques = await insertViewers(trx, fresh, batchId);
    const perPasteDay = new Map<
      string,
      { paste_id: string; day: string; views: number; bot_views: number; unique_viewers: number; last_view_ms: number }
    >();
    const perDay = new Map<string, { day: string; pastes_created: number; views: number; bot_views: number }>();
    for (const e of fresh) {
      const day = dayOf(e.timeMs);
      const key = `${e.pasteId}\n${day}`;
      const row = perPasteDay.get(key) ?? {
        paste_id: e.pasteId,
        day,
        views: 0,
        bot_views: 0,
        unique_viewers: uniques.get(key) ?? 0,
        last_view_ms: 0,
      };
      const usage = perDay.get(day) ?? { day, pastes_created: 0, views: 0, bot_views: 0 };
      if (e.bot) {
        row.bot_views += e.count;
        usage.bot_views += e.count;
      } else {
        row.views += e.count;
        usage.views += e.count;
        row.last_view_ms = Math.max(row.last_view_ms, e.timeMs);
      }
      perPasteDay.set(key, row);
      perDay.set(day, usage);
    }
    await upsertRows(trx, dialect, 'paste_daily_views', ['paste_id', 'day'], [...perPasteDay.values()], {
      views: 'add',
      bot_views: 'add',
      unique_viewers: 'add',
      last_view_ms: 'max',
    });
    await upsertRows(trx, dialect, 'usage_daily', ['day'], [...perDay.values()], { views: 'add', bot_views: 'add' });
    return { accepted: fresh.length, duplicates: events.length - fresh.length };
  });
}

/** Inserts (paste, day, viewer) rows for counted views; returns how many were new per "paste\nday". */
async function insertViewers(
  trx: Kysely<AnalyticsDatabase>,
  fresh: NewViewEvent[],
  batchId: string,
): Promise<Map<string, number>> {
  const rows = new Map<string, { paste_id: string; day: string; viewer_key: string; batch_id: string }>();
  for (const e of fresh) {
    // A view without a viewer key (the producer could not compute one) counts as a view, not as a viewer.
    if (e.bot || !e.viewerKey) continue;
    const day = dayOf(e.timeMs);
    rows.set(`${e.pasteId}\n${day}\n${e.viewerKey}`, {
      paste_id: e.pasteId,
      day,
      viewer_key: e.viewerKey,
      batch_id: batchId,
    });
  }
  const counts = new Map<string, number>();
  if (rows.size === 0) return counts;
  const values = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  await trx.insertInto('paste_day_viewers').ignore().values(values).execute();
  const inserted = await trx
    .selectFrom('paste_day_viewers')
    .select(['paste_id', 'day'])
    .where('batch_id', '=', batchId)
    .where((eb) =>
      eb(
        eb.refTuple('paste_id', 'day', 'viewer_key'),
        'in',
        values.map((v) => eb.tuple(v.paste_id, v.day, v.viewer_key)),
      ),
    )
    .execute();
  for (const r of inserted) {
    const key = `${r.paste_id}\n${r.day}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
