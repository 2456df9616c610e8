import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { PasteStatsSchema, UsageSummaryResponseSchema } from '@pastemesh/gen/analytics';
import type { CreationsDailyTable, UsageDailyTable } from './stats.table.js';
import type { PasteDayRow, PasteTotalsRow } from './stats.repository.js';
import { toBigInt } from '../days.js';

/** One paste's statistics; zeros (and no last view) when it was never viewed. */
export function toPasteStats(
  pasteId: string,
  totals: PasteTotalsRow | undefined,
  dayRows: PasteDayRow[],
  days: string[],
): MessageInitShape<typeof PasteStatsSchema> {
  const perDay = new Map(dayRows.map((r) => [r.day, toBigInt(r.views)]));
  const lastViewMs = Number(toBigInt(totals?.last_view_ms));
  return {
    pasteId,
    totalViews: toBigInt(totals?.total_views),
    uniqueViewers: toBigInt(totals?.unique_viewers),
    viewsPerDay: days.map((day) => ({ day, count: perDay.get(day) ?? 0n })),
    ...(lastViewMs > 0 ? { lastViewTime: timestampFromMs(lastViewMs) } : {}),
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
    const row = { day, pastesCreated: toBigInt(u?.pastes_created), views: toBigInt(u?.views), botViews: toBigInt(u?.bot_views) };
    views += row.views;
    botViews += row.botViews;
    return row;
  });
  const all = views + botViews;
  return {
    days: rows,
    breakdown: breakdown.map((b) => ({ day: b.day, dimension: b.dimension, value: b.value, pastesCreated: toBigInt(b.pastes_created) })),
    botShare: all === 0n ? 0 : Number(botViews) / Number(all),
  };
}
