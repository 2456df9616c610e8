import DataLoader from 'dataloader';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { CallOptions, Client } from '@connectrpc/connect';
import type { AnalyticsService, PasteStats } from '@pastemesh/gen/analytics';
import type { ReadThroughCache } from '../graphql/read-through.js';

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
 * At most one BatchGetPasteStats per request tick. A `totals` loader leaves viewsPerDay empty (the resolver
 * picks one when the query does not select it) and answers from the totals cache when it can: statistics are
 * eventually consistent anyway, and a hot listing then skips its second hop.
 */
export function createStatsLoader(
  analytics: Client<typeof AnalyticsService>,
  options: CallOptions,
  totals?: ReadThroughCache<StatsView>,
) {
  const fetch = async (pasteIds: string[]) => {
    const res = await analytics.batchGetPasteStats({ pasteIds, ...(totals ? { readMask: TOTALS_MASK } : {}) }, options);
    return new Map(res.stats.map((s) => [s.pasteId, toStatsView(s)]));
  };
  return new DataLoader<string, StatsView>(
    async (ids) => {
      const byId = totals ? await totals.load(ids, fetch) : await fetch([...ids]);
      return ids.map((id) => byId.get(id) ?? ZERO);
    },
    { maxBatchSize: 500 },
  );
}
