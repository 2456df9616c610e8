import type { Migration } from 'kysely';
import type { SqlDialect } from '@pastemesh/kit';
import type { PasteEventTable, ViewEventTable } from './events/event.table.js';
import type { CreationsDailyTable, PasteDailyViewsTable, PasteDayViewerTable, PasteTable, UsageDailyTable } from './stats/stats.table.js';
import { createAnalyticsTables } from './migrations/202611231000-create-analytics-tables.js';
import { addViewEventCount } from './migrations/202611231400-view-event-count.js';

/** analytics-svc's own database. */
export interface AnalyticsDatabase {
  view_events: ViewEventTable;
  paste_events: PasteEventTable;
  paste_day_viewers: PasteDayViewerTable;
  paste_daily_views: PasteDailyViewsTable;
  pastes: PasteTable;
  usage_daily: UsageDailyTable;
  creations_daily: CreationsDailyTable;
}

/** Migrations by name, in the order they run. */
export function analyticsMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '202611231000-create-analytics-tables': createAnalyticsTables(dialect),
    '202611231400-view-event-count': addViewEventCount(),
  };
}
