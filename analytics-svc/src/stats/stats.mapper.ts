import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { PasteStatsSchema, UsageSummaryResponseSchema } from '@pastemesh/gen/analytics';
import type { CreationsDailyTable, UsageDailyTable } from './stats.table.js';
import type { PasteDayRow, PasteTotalsRow } from './stats.repository.js';
import { invalidArgument } from '@pastemesh/kit/rpc';
import { toBigInt } from '../days.js';

/** PasteStats fields a BatchGetPasteStats read_mask may name. */
const STATS_FIELDS = ['paste_id', 'total_views', 'unique_viewers', 'views_per_day', 'last_view_time'] as const;
export type StatsFields = ReadonlySet<(typeof STATS_FIELDS)[number]>;
export const ALL_STATS_FIELDS: StatsFields = new Set(STATS_FIELDS);

/** The fields a read_mask asks for (AIP-157: none named means all); an unknown path is InvalidArgument. */
export function checkReadMask(paths: string[]): StatsFields {
  if (paths.length === 0) return ALL_STATS_FIELDS;
  const known: ReadonlySet<string> = ALL_STATS_FIELDS;
  const unknown = paths.find((p) => !known.has(p));
  if (unknown !== undefined) {
    throw invalidArgument(
      'read_mask',
      `read_mask: unknown field "${unknown.slice(0, 64)}" (one of ${STATS_FIELDS.join(', ')})`,
    );
  }
  return new Set(paths) as StatsFields;
}

/** One paste's statistics (the fields asked for); zeros (and no last view) when it was never viewed. */
export function toPasteStats(
  pasteId: string,
  totals: PasteTotalsRow | undefined,
  dayRows: PasteDayRow[],
  days: string[],
  fields: StatsFields = ALL_STATS_FIELDS,
): MessageInitShape<typeof PasteStatsSchema> {
  const perDay = new Map(dayRows.map((r) => [r.day, toBigInt(r.views)]));
  const lastViewMs = Number(toBigInt(totals?.last_view_ms));
  return {
    // The id is always filled: callers match answers to their ids with it.
    pasteId,
    ...(fields.has('total_views') ? { totalViews: toBigInt(totals?.total_views) } : {}),
    ...(fields.has('unique_viewers') ? { uniqueViewers: toBigInt(totals?.unique_viewers) } : {}),
    ...(fields.has('views_per_day') ? { viewsPerDay: days.map((day) => ({ day, count: perDay.get(day) ?? 0n })) } : {}),
    ...(fields.has('last_view_time') && lastViewMs > 0 ? { lastViewTime: timestampFromMs(lastViewMs) } : {}),
  };
}

/** The operator report: every day in `days` (zeros included), breakdowns, and the bot share. */
export function toUsageSummary(
  days: string[],
  usage: UsageDailyTable[],
  breakdown: CreationsDailyTable[],
): MessageInitShape<typeof UsageSummaryResponseSchema> {
  const byDay = new Map(usage.map((u) => [u.day, u]));
  let views = 0n;
  let botViews = 0n;
  const rows = days.map((day) => {
    const u = byDay.get(day);
    const row = {
      day,
      pastesCreated: toBigInt(u?.pastes_created),
      views: toBigInt(u?.views),
      botViews: toBigInt(u?.bot_views),
    };
    views += row.views;
    botViews += row.botViews;
    return row;
  });
  const all = views + botViews;
  return {
    days: rows,
    breakdown: breakdown.map((b) => ({
      day: b.day,
      dimension: b.dimension,
      value: b.value,
      pastesCreated: toBigInt(b.pastes_created),
    })),
    botShare: all === 0n ? 0 : Number(botViews) / Number(all),
  };
}
