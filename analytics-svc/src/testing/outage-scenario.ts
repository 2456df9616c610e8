import { randomUUID } from 'node:crypto';
import { createEventProducer, type EventProducer } from '../client/index.js';
import { createLogger, createMetrics, type Metrics } from '@pastemesh/kit/observability';
import { createRedis, redisReady, type Redis } from '@pastemesh/kit/storage';
import { createTestStorage, type StorageMode } from '@pastemesh/kit/testing';
import { startTestAnalytics, type TestAnalytics } from './analytics-test-app.js';

/** The outage drill: analytics-svc stops while reads go on, then restarts on the same port. */
export interface OutageScenarioOptions {
  mode: StorageMode;
  /** How long analytics-svc is down (the issue: 30 s; `npm test`: a few seconds). */
  outageMs: number;
  /** Views recorded through the producer during the outage, spread evenly (the issue: 5,000). */
  reads: number;
  /** Give up waiting for convergence after this long (the issue: 30 s). */
  convergeWithinMs: number;
  /** Views recorded (and counted) before the outage. */
  readsBefore?: number;
  /** The producer's breaker reset timeout; the default matches production. */
  resetTimeoutMs?: number;
}

/** What the drill measured. */
export interface OutageScenarioResult {
  expected: bigint;
  /** Total views analytics-svc reports at the end. */
  counted: bigint;
  /** From the restart until the count was exact; Infinity if it never was within the limit. */
  convergedAfterMs: number;
  /** Cost of recordView during the outage, in microseconds (wall clock, so preemption shows in the tail). */
  recordViewMicros: { mean: number; p50: number; p99: number; max: number };
  buffered: number;
  redelivered: number;
  dropped: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function counter(metrics: Metrics, name: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  return metric ? (await metric.get()).values.reduce((n, v) => n + v.value, 0) : 0;
}

function summarize(micros: number[]): OutageScenarioResult['recordViewMicros'] {
  const sorted = [...micros].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const mean = sorted.reduce((n, v) => n + v, 0) / Math.max(1, sorted.length);
  return { mean, p50: at(0.5), p99: at(0.99), max: at(1) };
}

/** Runs the drill on fresh storage (Redis buffer in mysql mode, memory buffer embedded) and cleans up. */
export async function runOutageScenario(options: OutageScenarioOptions): Promise<OutageScenarioResult> {
  const readsBefore = options.readsBefore ?? 100;
  const storage = await createTestStorage(options.mode, 'analytics_outage');
  const logger = createLogger('outage-drill', 'silent');
  const metrics = createMetrics('outage-producer');
  let first: TestAnalytics | undefined;
  let second: TestAnalytics | undefined;
  let redis: Redis | undefined;
  let producer: EventProducer | undefined;
  try {
    first = await startTestAnalytics(storage);
    if (storage.redisUrl) {
      redis = createRedis(storage.redisUrl, logger, 'outage-producer');
      await redisReady(redis);
    }
    producer = createEventProducer({
      analytics: `127.0.0.1:${first.ports.grpc}`,
      redis,
      logger,
      metrics,
      name: `outage-${randomUUID()}`,
      flushIntervalMs: 50,
      redeliverIntervalMs: 250,
      resetTimeoutMs: options.resetTimeoutMs ?? 1_000,
    });
    const pasteId = randomUUID();
    const took: number[] = [];
    const record = (i: number) => {
      const started = process.hrtime.bigint();
      producer!.recordView({ pasteId, viewerKey: `viewer-${i % 50}` });
      took.push(Number(process.hrtime.bigint() - started) / 1e3);
    };

    for (let i = 0; i < readsBefore; i++) record(i);
    await producer.flush();
    await first.stop();

    // The outage: reads keep coming, spread evenly over it.
    took.length = 0;
    const outageStarted = Date.now();
    const ticks = Math.max(1, Math.floor(options.outageMs / 10));
    let done = 0;
    for (let t = 1; t <= ticks; t++) {
      const target = Math.round((options.reads * t) / ticks);
      while (done < target) record(done++);
      await sleep(outageStarted + t * 10 - Date.now());
    }
    await sleep(outageStarted + options.outageMs - Date.now());

    second = await startTestAnalytics(storage, { env: { GRPC_PORT: String(first.ports.grpc) } });
    const restarted = Date.now();
    const expected = BigInt(readsBefore + options.reads);
    let counted = 0n;
    let convergedAfterMs = Number.POSITIVE_INFINITY;
    while (Date.now() - restarted < options.convergeWithinMs) {
      counted = (await second.client.getPasteStats({ pasteId })).stats!.totalViews;
      if (counted >= expected) {
        convergedAfterMs = Date.now() - restarted;
        break;
      }
      await sleep(100);
    }
    // Exactly: nothing more arrives once everything is flushed.
    await producer.flush();
    counted = (await second.client.getPasteStats({ pasteId })).stats!.totalViews;
    return {
      expected,
      counted,
      convergedAfterMs,
      recordViewMicros: summarize(took),
      buffered: await counter(metrics, 'analytics_producer_events_buffered_total'),
      redelivered: await counter(metrics, 'analytics_producer_events_redelivered_total'),
      dropped: await counter(metrics, 'analytics_producer_events_dropped_total'),
    };
  } finally {
    await producer?.close();
    redis?.disconnect();
    await second?.stop();
    await first?.stop();
    await storage.cleanup();
  }
}
