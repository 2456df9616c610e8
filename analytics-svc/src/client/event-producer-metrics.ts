import type { Counter, Gauge, Registry } from 'prom-client';
import { counterOnce, gaugeOnce, type Metrics } from '@pastemesh/kit/observability';

/** Why the producer gave up on events; every loss is counted under one of these. */
export const DROP_REASONS = ['overflow', 'rejected', 'invalid', 'shutdown'] as const;
export type DropReason = (typeof DROP_REASONS)[number];
/** What an event is: a view or a paste event. */
export const EVENT_KINDS = ['view', 'paste'] as const;

/** The producer's metrics, labelled by producer name so several can share a registry. */
export interface EventProducerMetrics {
  /** Events handed to recordView/recordPasteEvent (views before they are merged into counted events). */
  received: Counter<'producer' | 'kind'>;
  /** Events delivered on the first attempt (a view event may stand for several views). */
  sent: Counter<'producer' | 'kind'>;
  /** Events moved to the buffer because analytics-svc was unavailable. */
  buffered: Counter<'producer' | 'kind'>;
  /** Events delivered later from the buffer. */
  redelivered: Counter<'producer' | 'kind'>;
  /** Events lost, by reason. */
  dropped: Counter<'producer' | 'reason'>;
  /** Events waiting in the buffer now. */
  bufferSize: Gauge<'producer' | 'store'>;
  /** Age of the oldest buffered event: how far behind analytics is. */
  lag: Gauge<'producer'>;
  /** 0 closed, 1 half-open, 2 open. */
  breakerState: Gauge<'producer'>;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return counterOnce(registry, { name, help, labelNames });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Gauge<L> {
  return gaugeOnce(registry, { name, help, labelNames });
}

/** Registers (once per registry) and returns the producer metrics. */
export function eventProducerMetrics(metrics: Metrics): EventProducerMetrics {
  const r = metrics.registry;
  return {
    received: counter(
      r,
      'analytics_producer_events_received_total',
      'Views and paste events recorded by this producer (alike views are then sent as one counted event)',
      ['producer', 'kind'],
    ),
    sent: counter(r, 'analytics_producer_events_sent_total', 'Events delivered to analytics-svc on the first attempt', [
      'producer',
      'kind',
    ]),
    buffered: counter(
      r,
      'analytics_producer_events_buffered_total',
      'Events buffered because analytics-svc was unavailable',
      ['producer', 'kind'],
    ),
    redelivered: counter(r, 'analytics_producer_events_redelivered_total', 'Buffered events delivered later', [
      'producer',
      'kind',
    ]),
    dropped: counter(
      r,
      'analytics_producer_events_dropped_total',
      'Events lost: overflow (buffer bound hit, oldest dropped), rejected (analytics-svc refused them), invalid, shutdown (memory buffer at exit)',
      ['producer', 'reason'],
    ),
    bufferSize: gauge(
      r,
      'analytics_producer_buffer_events',
      'Events waiting for redelivery, by store (memory, redis)',
      ['producer', 'store'],
    ),
    lag: gauge(r, 'analytics_producer_lag_seconds', 'Age of the oldest buffered event (0 when the buffer is empty)', [
      'producer',
    ]),
    breakerState: gauge(
      r,
      'analytics_producer_breaker_state',
      'Circuit breaker towards analytics-svc: 0 closed, 1 half-open, 2 open',
      ['producer'],
    ),
  };
}
