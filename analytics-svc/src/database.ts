import type { PasteEventTable, ViewEventTable } from './events/event.table.js';
import type {
  CreationsDailyTable,
  PasteDailyViewsTable,
  PasteDayViewerTable,
  PasteTable,
  UsageDailyTable,
} from './stats/stats.table.js';

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
