import { randomUUID } from 'node:crypto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { TimestampSchema, timestampFromMs, timestampMs, timestampNow } from '@bufbuild/protobuf/wkt';
import type { Client } from '@connectrpc/connect';
import { AnalyticsService, PasteEventSchema, ViewEventSchema, type ViewEvent } from '@pastemesh/gen/analytics';
import { createServiceClient, type ServiceClient } from '@pastemesh/kit/rpc';
import { beginLinkedWork, callOptions, contextFromHeaders } from '@pastemesh/kit/rpc';
import { createMemoryBuffer, createRedisBuffer, Deque, type BufferedEvent, type EventBuffer } from './event-buffer.js';
import { DROP_REASONS, EVENT_KINDS, eventProducerMetrics, type DropReason } from './event-producer-metrics.js';
import { createDeliveryBreaker, isRetryable } from './event-breaker.js';
import {
  SpanKind,
  linkTo,
  recordFailure,
  type Link,
  type Logger,
  type Metrics,
  type Tracing,
} from '@pastemesh/kit/observability';
import type { Redis } from '@pastemesh/kit/storage';

export { viewerKey, isBotUserAgent, utcDay, VIEWER_KEY_LENGTH } from './viewer-key.js';
export { eventBufferKey, type BufferedEvent } from './event-buffer.js';

/** How a process sends analytics events. */
export interface EventProducerOptions {
  /** analytics-svc's gRPC address (the producer owns that connection), or a client someone else owns. */
  analytics: string | Client<typeof AnalyticsService>;
  /** Buffer in a Redis list (survives restarts) when given; in memory otherwise. */
  redis?: Redis | undefined;
  logger: Logger;
  metrics: Metrics;
  /** Names the Redis list and labels the metrics, e.g. "gateway"; replicas may share it. Default "default". */
  name?: string;
  /** Events per RPC, 1 to 1,000. Default 500: analytics-svc spends about a third less CPU per event than in batches of 200 (bench/README.md). */
  batchSize?: number;
  /** A partial batch waits at most this long, in ms. Default 250. */
  flushIntervalMs?: number;
  /** Bound of the buffer; past it the oldest events are dropped and counted. Default 100,000. */
  maxBuffered?: number;
  /** How often the buffer is retried, in ms. Default 1,000. */
  redeliverIntervalMs?: number;
  /** How long the breaker stays open before one trial call, in ms. Default 5,000. */
  resetTimeoutMs?: number;
  /** Deadline of each RPC, in ms. Default 2,000. */
  callTimeoutMs?: number;
  /** When recording, each batch sent for sampled requests is traced, linked to their spans. */
  tracing?: Tracing;
}

/** Fire-and-forget analytics events: recording never waits and never throws. */
export interface EventProducer {
  /**
   * Queues a view (fills eventId and time when missing), or counts it on a queued
   * view alike in all but time when both ids were made here. Synchronous, O(1).
   */
  recordView(init: MessageInitShape<typeof ViewEventSchema>): void;
  /** Queues a paste lifecycle event (fills eventId and time when missing). Synchronous, O(1). */
  recordPasteEvent(init: MessageInitShape<typeof PasteEventSchema>): void;
  /** Sends everything queued (undeliverable events go to the buffer) and retries the buffer once. */
  flush(): Promise<void>;
  /** Flushes, then stops timers and closes the connection it owns (the Redis connection is the caller's). */
  close(): Promise<void>;
}

const MAX_IN_FLIGHT = 4;
/** The contract's bound on ViewEvent.count. */
const MAX_VIEWS_PER_EVENT = 1_000_000;
const DAY_MS = 86_400_000;
/** Redelivery uses the contract's largest batch to catch up quickly. */
const REDELIVER_BATCH = 1_000;

/**
 * What makes two views alike: paste, viewer key and referrer (as the contract
 * clips them), bot flag and UTC day. Only valid views are ever stored under a
 * key, so a view that finds one is valid too.
 */
function mergeKey(init: MessageInitShape<typeof ViewEventSchema>, ms: number): string {
  return `${init.pasteId}\n${(init.viewerKey ?? '').slice(0, 64)}\n${(init.referrerHost ?? '').slice(0, 255)}\n${init.bot ? 1 : 0}\n${Math.floor(ms / DAY_MS)}`;
}

/** A span's limit on links (the SDK's default): a batch of 1,000 links to its first 128 sampled causes. */
const MAX_LINKS = 128;

/** Links to the requests whose events a batch carries (events of sampled requests carry their traceparent). */
function linksOf(batch: BufferedEvent[]): Link[] {
  const links: Link[] = [];
  for (const { event } of batch) {
    const link = event.traceparent ? linkTo(event.traceparent) : undefined;
    if (link && links.push(link) >= MAX_LINKS) break;
  }
  return links;
}

/** Builds the producer: batches by count and time, sends through a breaker, buffers and redelivers. */
export function createEventProducer(options: EventProducerOptions): EventProducer {
  const name = options.name ?? 'default';
  const batchSize = Math.min(1_000, Math.max(1, options.batchSize ?? 500));
  const maxBuffered = Math.max(1, options.maxBuffered ?? 100_000);
  const callTimeoutMs = options.callTimeoutMs ?? 2_000;
  const { logger } = options;
  const tracing = options.tracing?.mode === 'recording' ? options.tracing : undefined;
  const m = eventProducerMetrics(options.metrics);
  const label = { producer: name };
  // Every series at 0 from the start, so rate() and increase() see an alert's first burst (PastemeshAnalyticsEventsDropped).
  for (const reason of DROP_REASONS) m.dropped.inc({ ...label, reason }, 0);
  for (const kind of EVENT_KINDS)
    for (const counter of [m.received, m.sent, m.buffered, m.redelivered]) counter.inc({ ...label, kind }, 0);
  // Bound once: prom-client hashes a label object on every inc, and every view is counted.
  const receivedView = m.received.labels({ ...label, kind: 'view' });

  let owned: ServiceClient<typeof AnalyticsService> | undefined;
  const connect = (address: string) =>
    createServiceClient(AnalyticsService, {
      address,
      metrics: options.metrics,
      defaultTimeoutMs: callTimeoutMs,
      ...(tracing ? { tracing } : {}),
    });
  if (typeof options.analytics === 'string') owned = connect(options.analytics);
  let client = owned ? owned.client : (options.analytics as Client<typeof AnalyticsService>);

  const memory = createMemoryBuffer(maxBuffered);
  const durable: EventBuffer | undefined = options.redis
    ? createRedisBuffer(options.redis, name, maxBuffered)
    : undefined;
  const pending = new Deque<BufferedEvent>();
  /**
   * Views this producer made that still wait in `pending`, by what makes two
   * views alike (paste, viewer, referrer, bot flag, UTC day): a new view adds
   * to one instead of queueing, so a hot paste costs analytics one event per
   * batch. Cleared whenever events leave `pending`, so no event changes once
   * it may have been sent or buffered.
   */
  const coalescable = new Map<string, ViewEvent>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;
  let redelivering: Promise<void> | undefined;
  let redisFailing = false;

  const breaker = createDeliveryBreaker(`analytics-${name}`, deliver, options.resetTimeoutMs ?? 5_000);
  breaker.on('open', () => {
    m.breakerState.set(label, 2);
    logger.warn({ producer: name }, 'analytics unavailable: buffering events');
  });
  breaker.on('halfOpen', () => {
    m.breakerState.set(label, 1);
    // A fresh channel, so the trial is not stuck behind grpc-js's exponential reconnect backoff.
    if (owned && typeof options.analytics === 'string') {
      const old = owned;
      owned = connect(options.analytics);
      client = owned.client;
      old.close();
    }
  });
  breaker.on('close', () => {
    m.breakerState.set(label, 0);
    logger.info({ producer: name }, 'analytics reachable again: redelivering');
  });
  m.breakerState.set(label, 0);

  async function deliver(batch: BufferedEvent[]): Promise<void> {
    const kind = batch[0]?.kind === 'view' ? 'RecordViews' : 'RecordPasteEvents';
    // A batch serves many requests: it carries a request id of its own and, when some of its events came from
    // sampled requests, a trace of its own linked to theirs (the RPC's spans follow it into analytics-svc).
    const work = tracing
      ? beginLinkedWork(tracing, `analytics send ${kind}`, SpanKind.PRODUCER, linksOf(batch), {
          'messaging.system': 'pastemesh',
          'messaging.operation.type': 'send',
          'messaging.batch.message_count': batch.length,
        })
      : undefined;
    const options = callOptions({ trace: work ?? contextFromHeaders(() => undefined), timeoutMs: callTimeoutMs });
    try {
      if (kind === 'RecordViews') await client.recordViews({ events: batch.map((e) => e.event) as never }, options);
      else await client.recordPasteEvents({ events: batch.map((e) => e.event) as never }, options);
    } catch (err) {
      if (work?.span) recordFailure(work.span, err);
      throw err;
    } finally {
      work?.span?.end();
    }
  }

  function drop(reason: DropReason, count: number): void {
    if (count <= 0) return;
    m.dropped.inc({ ...label, reason }, count);
    if (reason !== 'overflow') logger.warn({ producer: name, reason, count }, 'analytics events dropped');
  }

  /** One kind per RPC: splits a mixed batch, keeping order within each kind. */
  function byKind(batch: BufferedEvent[]): BufferedEvent[][] {
    const views = batch.filter((e) => e.kind === 'view');
    const pastes = batch.filter((e) => e.kind === 'paste');
    return [views, pastes].filter((g) => g.length > 0);
  }

  async function send(group: BufferedEvent[]): Promise<'ok' | 'retry' | 'rejected'> {
    if (breaker.opened) return 'retry';
    try {
      await breaker.fire(group);
      return 'ok';
    } catch (err) {
      if (isRetryable(err)) return 'retry';
      logger.error({ err, producer: name, count: group.length }, 'analytics refused events');
      return 'rejected';
    }
  }

  async function toBuffer(entries: BufferedEvent[]): Promise<void> {
    if (durable) {
      try {
        drop('overflow', await durable.push(entries));
        redisFailing = false;
        return;
      } catch (err) {
        if (!redisFailing)
          logger.warn({ err: String(err), producer: name }, 'redis buffer unavailable: buffering in memory');
        redisFailing = true;
      }
    }
    drop('overflow', await memory.push(entries));
  }

  async function sendNew(batch: BufferedEvent[]): Promise<void> {
    for (const group of byKind(batch)) {
      const kind = group[0]!.kind;
      const outcome = await send(group);
      if (outcome === 'ok') m.sent.inc({ ...label, kind }, group.length);
      else if (outcome === 'rejected') drop('rejected', group.length);
      else {
        m.buffered.inc({ ...label, kind }, group.length);
        await toBuffer(group);
      }
    }
  }

  /** Starts sends while there is room; partial batches wait for the timer unless `all`. */
  function pump(all: boolean): void {
    while (pending.length > 0 && inFlight.size < MAX_IN_FLIGHT && (all || pending.length >= batchSize)) {
      coalescable.clear();
      const batch: BufferedEvent[] = [];
      while (batch.length < batchSize && pending.length > 0) batch.push(pending.shift()!);
      const p: Promise<void> = sendNew(batch)
        .catch((err: unknown) => logger.error({ err, producer: name }, 'analytics send failed'))
        .finally(() => {
          inFlight.delete(p);
          pump(false);
        });
      inFlight.add(p);
    }
  }

  let pumpScheduled = false;
  function enqueue(entry: BufferedEvent): void {
    m.received.inc({ ...label, kind: entry.kind });
    if (closed) {
      drop('shutdown', 1);
      return;
    }
    pending.push(entry);
    if (pending.length > maxBuffered) {
      coalescable.clear();
      pending.shift();
      drop('overflow', 1);
    }
    if (pending.length >= batchSize && !pumpScheduled) {
      pumpScheduled = true;
      setImmediate(() => {
        pumpScheduled = false;
        pump(false);
      });
    }
  }

  /** Drains the buffers (memory first, it is the fallback) while deliveries succeed. */
  async function redeliver(): Promise<void> {
    for (const buffer of durable ? [memory, durable] : [memory]) {
      for (;;) {
        if (breaker.opened) return;
        let batch: BufferedEvent[];
        try {
          batch = await buffer.take(REDELIVER_BATCH);
        } catch {
          break; // Redis down: try again next tick.
        }
        if (batch.length === 0) break;
        const groups = byKind(batch);
        for (const [i, group] of groups.entries()) {
          const outcome = await send(group);
          if (outcome === 'ok') m.redelivered.inc({ ...label, kind: group[0]!.kind }, group.length);
          else if (outcome === 'rejected') drop('rejected', group.length);
          else {
            const rest = groups.slice(i).flat();
            drop('overflow', await buffer.putBack(rest).catch(() => memory.putBack(rest)));
            return;
          }
        }
      }
    }
  }

  async function updateGauges(): Promise<void> {
    const sizes = await Promise.all([memory.size(), durable ? durable.size().catch(() => 0) : 0]);
    m.bufferSize.set({ ...label, store: 'memory' }, sizes[0]);
    if (durable) m.bufferSize.set({ ...label, store: 'redis' }, sizes[1]);
    const oldest = await Promise.all([memory.oldestTime(), durable?.oldestTime().catch(() => undefined)]);
    const times = oldest.filter((t): t is number => t !== undefined && t > 0);
    m.lag.set(label, times.length ? Math.max(0, (Date.now() - Math.min(...times)) / 1000) : 0);
  }

  function redeliverOnce(): Promise<void> {
    redelivering ??= redeliver()
      .then(updateGauges)
      .catch((err: unknown) => logger.warn({ err: String(err), producer: name }, 'redelivery failed'))
      .finally(() => (redelivering = undefined));
    return redelivering;
  }

  const flushTimer = setInterval(() => pump(true), options.flushIntervalMs ?? 250);
  const redeliverTimer = setInterval(() => void redeliverOnce(), options.redeliverIntervalMs ?? 1_000);
  flushTimer.unref();
  redeliverTimer.unref();

  function complete<T extends { eventId?: string; time?: unknown }>(init: T): T & { eventId: string } {
    return { ...init, eventId: init.eventId || randomUUID(), time: init.time ?? timestampNow() };
  }

  async function flush(): Promise<void> {
    while (pending.length > 0 || inFlight.size > 0) {
      pump(true);
      await Promise.all([...inFlight]);
    }
    await redeliverOnce();
  }

  return {
    recordView(init) {
      try {
        const given = init.time ? create(TimestampSchema, init.time) : undefined;
        const ms = given ? timestampMs(given) : Date.now();
        // A caller's own event id may be a retry of one sent before: only ids made here are safe to merge.
        const key = init.eventId || (init.count ?? 0) > 1 || closed ? undefined : mergeKey(init, ms);
        const same = key === undefined ? undefined : coalescable.get(key);
        if (same && same.count < MAX_VIEWS_PER_EVENT) {
          // The common case on a hot paste: no message, timestamp or event id is made.
          receivedView.inc();
          same.count++;
          if (ms > timestampMs(same.time!)) same.time = given ?? timestampFromMs(ms);
          return;
        }
        const event = create(ViewEventSchema, complete({ ...init, time: given ?? timestampFromMs(ms) }));
        if (!event.pasteId || event.pasteId.length > 64 || event.eventId.length > 64) return drop('invalid', 1);
        // The contract's limits, enforced here so one odd event cannot make analytics-svc refuse a batch.
        event.viewerKey = event.viewerKey.slice(0, 64);
        event.referrerHost = event.referrerHost.slice(0, 255);
        if (key !== undefined) {
          event.count = 1;
          coalescable.set(key, event);
        }
        enqueue({ kind: 'view', event });
      } catch (err) {
        logger.warn({ err: String(err), producer: name }, 'view event not recorded');
        drop('invalid', 1);
      }
    },
    recordPasteEvent(init) {
      try {
        const event = create(PasteEventSchema, complete(init));
        if (!event.pasteId || event.pasteId.length > 64 || event.eventId.length > 64 || event.kind === 0)
          return drop('invalid', 1);
        event.language = event.language.slice(0, 64);
        enqueue({ kind: 'paste', event });
      } catch (err) {
        logger.warn({ err: String(err), producer: name }, 'paste event not recorded');
        drop('invalid', 1);
      }
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(flushTimer);
      clearInterval(redeliverTimer);
      await flush();
      const left = await memory.take(maxBuffered);
      if (left.length > 0 && durable) {
        // Keep what only memory held (Redis was down earlier) where a restart finds it.
        await durable.push(left).then(
          (n) => drop('overflow', n),
          () => drop('shutdown', left.length),
        );
      } else drop('shutdown', left.length);
      await updateGauges().catch(() => {});
      breaker.shutdown();
      owned?.close();
    },
  };
}
