/**
 * Raw events, kept for RETENTION_DAYS and then pruned. The primary key on
 * event_id is what makes ingestion idempotent; batch_id marks the rows one
 * ingestion inserted, so it can tell new events from duplicates exactly.
 */

/** One view event as received (bots included, flagged); it may stand for several reads. */
export interface ViewEventTable {
  event_id: string;
  paste_id: string;
  /** Event time, epoch ms. */
  time_ms: number;
  /** UTC day of time_ms, YYYY-MM-DD. */
  day: string;
  viewer_key: string;
  referrer_host: string;
  /** 1 for bots and link-preview fetchers. */
  bot: number;
  /** Reads this event stands for (ViewEvent.count, at least 1). */
  view_count: number;
  /** When analytics-svc stored it, epoch ms. */
  received_ms: number;
  batch_id: string;
}

/** One paste lifecycle event as received. */
export interface PasteEventTable {
  event_id: string;
  paste_id: string;
  /** PasteEventKind number. */
  kind: number;
  time_ms: number;
  day: string;
  language: string;
  /** pastemesh.paste.v1.Visibility number. */
  visibility: number;
  size_bytes: number;
  received_ms: number;
  batch_id: string;
}
