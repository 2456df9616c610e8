import type { Counter, Histogram } from 'prom-client';
import { counterOnce, histogramOnce, type Metrics } from '@pastemesh/kit/observability';

/** analytics-svc's own metrics, beside the kit's RPC and SQL metrics. */
export interface AnalyticsMetrics {
  /** Events in Record* requests, by kind (view, view_bot, paste). */
  received: Counter<'kind'>;
  /** Events ignored because their id was stored before. */
  deduplicated: Counter<'kind'>;
  /** Events refused because they are older than the retention window (their id may already be pruned). */
  tooOld: Counter<'kind'>;
  /** Time from an event to its ingestion: the consumer lag as the service sees it. */
  ingestLag: Histogram<'kind'>;
  /** Raw rows deleted by retention pruning, by table. */
  pruned: Counter<'table'>;
}

/** Registers (once per registry) and returns analytics-svc's metrics. */
export function createAnalyticsMetrics({ registry }: Metrics): AnalyticsMetrics {
  const metrics: AnalyticsMetrics = {
    received: counterOnce(registry, {
      name: 'analytics_events_received_total',
      help: 'Events received in Record* calls, by kind (view, paste)',
      labelNames: ['kind'],
    }),
    deduplicated: counterOnce(registry, {
      name: 'analytics_events_deduplicated_total',
      help: 'Events ignored because their event id was seen before',
      labelNames: ['kind'],
    }),
    tooOld: counterOnce(registry, {
      name: 'analytics_events_too_old_total',
      help: 'Events refused for being older than RETENTION_DAYS',
      labelNames: ['kind'],
    }),
    ingestLag: histogramOnce(registry, {
      name: 'analytics_ingest_lag_seconds',
      help: 'Time from an event to its ingestion (includes producer batching and any outage buffering)',
      labelNames: ['kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400],
    }),
    pruned: counterOnce(registry, {
      name: 'analytics_pruned_rows_total',
      help: 'Raw rows deleted by retention pruning',
      labelNames: ['table'],
    }),
  };
  // The ingest panel's counters at 0 for both kinds from the start, so rate() sees the first events.
  for (const kind of ['view', 'paste']) for (const c of [metrics.received, metrics.deduplicated]) c.inc({ kind }, 0);
  return metrics;
}
