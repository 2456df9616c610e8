import type { Kysely } from 'kysely';
import { Visibility } from '@pastemesh/gen/paste';
import type { AnalyticsDatabase } from '../database.js';

/** Totals of one paste over all its days. */
export interface PasteTotalsRow {
  paste_id: string;
  total_views: unknown;
  unique_viewers: unknown;
  last_view_ms: unknown;
}

/** Counted views of one paste on one day. */
export interface PasteDayRow {
  paste_id: string;
  day: string;
  views: unknown;
}

/** All-time totals for `pasteIds` (pastes never viewed have no row). */
export async function findPasteTotals(db: Kysely<AnalyticsDatabase>, pasteIds: string[]): Promise<PasteTotalsRow[]> {
  if (pasteIds.length === 0) return [];
  return db
    .selectFrom('paste_daily_views')
    .select((eb) => [
      'paste_id',
      eb.fn.sum<string | number | bigint | null>('views').as('total_views'),
      eb.fn.sum<string | number | bigint | null>('unique_viewers').as('unique_viewers'),
      eb.fn.max<string | number | bigint | null>('last_view_ms').as('last_view_ms'),
    ])
    .where('paste_id', 'in', pasteIds)
    .groupBy('paste_id')
    .execute();
}

/** Per-day counted views for `pasteIds` between two days inclusive. */
export async function findPasteDays(
  db: Kysely<AnalyticsDatabase>,
  pasteIds: string[],
  firstDay: string,
  lastDay: string,
): Promise<PasteDayRow[]> {
  if (pasteIds.length === 0) return [];
  return db
    .selectFrom('paste_daily_views')
    .select(['paste_id', 'day', 'views'])
    .where('paste_id', 'in', pasteIds)
    .where('day', '>=', firstDay)
    .where('day', '<=', lastDay)
    .where('views', '>', 0)
    .execute();
}

/** The most viewed pastes since `firstDay`, among pastes known to be PUBLIC and not deleted. */
export async function findTopPastes(
  db: Kysely<AnalyticsDatabase>,
  firstDay: string,
  limit: number,
): Promise<{ paste_id: string; views: unknown }[]> {
  return db
    .selectFrom('paste_daily_views as v')
    .innerJoin('pastes as p', 'p.paste_id', 'v.paste_id')
    .select((eb) => ['v.paste_id', eb.fn.sum<string | number | bigint | null>('v.views').as('views')])
    .where('v.day', '>=', firstDay)
    .where('p.visibility', '=', Visibility.PUBLIC)
    .where('p.deleted_ms', 'is', null)
    .groupBy('v.paste_id')
    .having((eb) => eb.fn.sum('v.views'), '>', 0)
    .orderBy((eb) => eb.fn.sum('v.views'), 'desc')
    .orderBy('v.paste_id')
    .limit(limit)
    .execute();
}

/** Daily usage rows and creation breakdowns between two days inclusive. */
export async function findUsage(db: Kysely<AnalyticsDatabase>, firstDay: string, lastDay: string) {
  const [days, breakdown] = await Promise.all([
    db
      .selectFrom('usage_daily')
      .selectAll()
      .where('day', '>=', firstDay)
      .where('day', '<=', lastDay)
      .orderBy('day')
      .execute(),
    db
      .selectFrom('creations_daily')
      .selectAll()
      .where('day', '>=', firstDay)
      .where('day', '<=', lastDay)
      .orderBy('day')
      .orderBy('dimension')
      .orderBy('value')
      .execute(),
  ]);
  return { days, breakdown };
}
