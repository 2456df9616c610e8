import type { Kysely, Transaction } from 'kysely';
import { inTransaction, type SqlDialect } from '@pastemesh/kit/storage';
import { PasteEventKind } from '@pastemesh/gen/analytics';
import { VisibilitySchema } from '@pastemesh/gen/paste';
import type { AnalyticsDatabase } from '../database.js';
import type { PasteTable } from '../stats/stats.table.js';
import { dayOf } from '../days.js';
import { upsertRows } from '../upsert.js';
import type { IngestResult } from './view-event.repository.js';
import { insertNewEvents } from './event-insert.js';

/** A validated paste lifecycle event, ready to store. */
export interface NewPasteEvent {
  eventId: string;
  pasteId: string;
  kind: PasteEventKind;
  timeMs: number;
  language: string;
  visibility: number;
  sizeBytes: number;
}

/** "VISIBILITY_PUBLIC" for 1, as the contract names breakdown values. */
export function visibilityName(value: number): string {
  return VisibilitySchema.values.find((v) => v.number === value)?.name ?? String(value);
}

/**
 * Stores paste events once each (same batch-id method as views), applies the
 * new ones to each paste's state and counts creations per day, language and
 * visibility. Events may arrive out of order after an outage: attributes come
 * from the latest event by time, and deletion is final.
 */
export async function ingestPasteEvents(
  db: Kysely<AnalyticsDatabase>,
  dialect: SqlDialect,
  events: NewPasteEvent[],
  receivedMs: number,
): Promise<IngestResult> {
  if (events.length === 0) return { accepted: 0, duplicates: 0 };
  return inTransaction(db, async (trx) => {
    const inserted = await insertNewEvents(trx, 'paste_events', events, (e) => ({
      paste_id: e.pasteId,
      kind: e.kind,
      time_ms: e.timeMs,
      day: dayOf(e.timeMs),
      language: e.language,
      visibility: e.visibility,
      size_bytes: e.sizeBytes,
      received_ms: receivedMs,
    }));
    // Oldest first, so the latest event by time decides each paste's attributes.
    const fresh = inserted.fresh.sort((a, b) => a.timeMs - b.timeMs);
    if (fresh.length === 0) return { accepted: 0, duplicates: events.length };

    await applyToPastes(trx, dialect, fresh);
    await countCreations(trx, dialect, fresh);
    return { accepted: fresh.length, duplicates: events.length - fresh.length };
  });
}

async function applyToPastes(
  trx: Transaction<AnalyticsDatabase>,
  dialect: SqlDialect,
  fresh: NewPasteEvent[],
): Promise<void> {
  const ids = [...new Set(fresh.map((e) => e.pasteId))].sort();
  let query = trx.selectFrom('pastes').selectAll().where('paste_id', 'in', ids);
  // Lock the rows read, so a concurrent batch about the same paste waits instead of overwriting.
  if (dialect === 'mysql') query = query.forUpdate();
  const state = new Map<string, PasteTable>((await query.execute()).map((r) => [r.paste_id, { ...r }]));
  for (const e of fresh) {
    const s = state.get(e.pasteId) ?? {
      paste_id: e.pasteId,
      language: '',
      visibility: 0,
      size_bytes: 0,
      created_ms: null,
      deleted_ms: null,
      state_ms: -1,
    };
    const earliest = (a: number | null) => (a === null ? e.timeMs : Math.min(Number(a), e.timeMs));
    if (e.kind === PasteEventKind.CREATED) s.created_ms = earliest(s.created_ms);
    if (e.kind === PasteEventKind.DELETED) s.deleted_ms = earliest(s.deleted_ms);
    else if (e.timeMs >= Number(s.state_ms)) {
      s.language = e.language;
      s.visibility = e.visibility;
      s.size_bytes = e.sizeBytes;
      s.state_ms = e.timeMs;
    }
    state.set(e.pasteId, s);
  }
  const rows = ids.map((id) => state.get(id)!);
  await upsertRows(trx, dialect, 'pastes', ['paste_id'], rows as never, {
    language: 'replace',
    visibility: 'replace',
    size_bytes: 'replace',
    created_ms: 'replace',
    deleted_ms: 'replace',
    state_ms: 'replace',
  });
}

async function countCreations(
  trx: Transaction<AnalyticsDatabase>,
  dialect: SqlDialect,
  fresh: NewPasteEvent[],
): Promise<void> {
  const perDay = new Map<string, { day: string; pastes_created: number; views: number; bot_views: number }>();
  const breakdown = new Map<string, { day: string; dimension: string; value: string; pastes_created: number }>();
  const add = (day: string, dimension: string, value: string) => {
    const key = `${day}\n${dimension}\n${value}`;
    const row = breakdown.get(key) ?? { day, dimension, value, pastes_created: 0 };
    row.pastes_created++;
    breakdown.set(key, row);
  };
  for (const e of fresh) {
    if (e.kind !== PasteEventKind.CREATED) continue;
    const day = dayOf(e.timeMs);
    const usage = perDay.get(day) ?? { day, pastes_created: 0, views: 0, bot_views: 0 };
    usage.pastes_created++;
    perDay.set(day, usage);
    // The paste contract: an empty language means "auto".
    add(day, 'language', e.language || 'auto');
    add(day, 'visibility', visibilityName(e.visibility));
  }
  await upsertRows(trx, dialect, 'usage_daily', ['day'], [...perDay.values()], { pastes_created: 'add' });
  await upsertRows(trx, dialect, 'creations_daily', ['day', 'dimension', 'value'], [...breakdown.values()], {
    pastes_created: 'add',
  });
}
