import DataLoader from 'dataloader';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Client } from '@connectrpc/connect';
import type { AnalyticsService, PasteStats } from '@pastemesh/gen/analytics';

/** A paste's statistics as GraphQL shows them. */
export interface StatsView {
  totalViews: number;
  uniqueViewers: number;
  viewsPerDay: { day: string; count: number }[];
  lastViewedAt: Date | null;
}

function toStatsView(stats: PasteStats): StatsView {
  return {
    totalViews: Number(stats.totalViews),
    uniqueViewers: Number(stats.uniqueViewers),
    viewsPerDay: stats.viewsPerDay.map((d) => ({ day: d.day, count: Number(d.count) })),
    lastViewedAt: stats.lastViewTime ? timestampDate(stats.lastViewTime) : null,
  };
}

const ZERO: StatsView = { totalViews: 0, uniqueViewers: 0, viewsPerDay: [], lastViewedAt: null };

/** What a listing shows: BatchGetPasteStats then skips its per-day query and 30 entries per paste. */
const TOTALS_MASK = { paths: ['total_views', 'unique_viewers', 'last_view_time'] };

/**
 * One BatchGetPasteStats per request tick. `totalsOnly` loaders leave
 * viewsPerDay empty: the resolver picks one when the query does not select it.
 */
export function createStatsLoader(analytics: Client<typeof AnalyticsService>, totalsOnly = false) {
  return new DataLoader<string, StatsView>(
    async (ids) => {
      const res = await analytics.batchGetPasteStats({ pasteIds: [...ids], ...(totalsOnly ? { readMask: TOTALS_MASK } : {}) });
      const byId = new Map(res.stats.map((s) => [s.pasteId, toStatsView(s)]));
      return ids.map((id) => byId.get(id) ?? ZERO);
    },
    { maxBatchSize: 500 },
  );
}
