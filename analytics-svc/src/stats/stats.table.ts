/**
 * Rollups and derived state, kept forever (they are small: one row per paste
 * per day viewed). Raw events feed them once, at ingestion.
 */

/** Views of one paste on one UTC day. */
export interface PasteDailyViewsTable {
  paste_id: string;
  day: string;
  /** Counted views (bots excluded). */
  views: number;
  bot_views: number;
  /** Distinct viewer keys that day (exact: see paste_day_viewers). */
  unique_viewers: number;
  /** Latest counted view that day, epoch ms; 0 when only bots came. */
  last_view_ms: number;
}

/** One row per (paste, day, viewer key): the unique key makes unique viewers exact. Pruned with raw events. */
export interface PasteDayViewerTable {
  paste_id: string;
  day: string;
  viewer_key: string;
  batch_id: string;
}

/** A paste's latest known attributes, from its lifecycle events; ranking needs visibility and deletion. */
export interface PasteTable {
  paste_id: string;
  language: string;
  visibility: number;
  size_bytes: number;
  created_ms: number | null;
  deleted_ms: number | null;
  /** Time of the event the attributes came from, so late events do not overwrite newer state. */
  state_ms: number;
}

/** Totals per UTC day for operators. */
export interface UsageDailyTable {
  day: string;
  pastes_created: number;
  views: number;
  bot_views: number;
}

/** Pastes created per UTC day by one attribute ("language" or "visibility"). */
export interface CreationsDailyTable {
  day: string;
  dimension: string;
  value: string;
  pastes_created: number;
}
