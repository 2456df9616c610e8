import { describe, expect, it, beforeAll, afterAll, afterEach } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { Code, type ServiceImpl } from '@connectrpc/connect';
import { AnalyticsService, ViewEventSchema } from '@pastemesh/gen/analytics';
import { createServiceHost, type ServiceHost } from '@pastemesh/kit/server';
import { createMetrics, type Metrics } from '@pastemesh/kit/observability';
import { createLogger } from '@pastemesh/kit/observability';
import { createRedis, redisReady, type Redis } from '@pastemesh/kit/storage';
import { Reason, appError, invalidArgument } from '@pastemesh/kit/rpc';
import {
  createEventProducer,
  eventBufferKey,
  isBotUserAgent,
  viewerKey,
  type EventProducer,
} from './event-producer.js';
import { createRedisBuffer, type BufferedEvent } from './event-buffer.js';
import { REDIS_TEST_URL, eventually, requireRedis } from '@pastemesh/kit/testing';

const logger = createLogger('producer-test', 'silent');

/** What the fake stored per event id: the paste, the event time and how many views the event stands for. */
type SeenEvent = {
  pasteId: string;
  timeMs: number;
  count: number;
  viewerKey?: string;
  bot?: boolean;
  referrerHost?: string;
};

/** A real AnalyticsService that dedupes by event id like analytics-svc, and can be told to fail. */
function countingImpl(state: {
  mode: 'ok' | 'unavailable' | 'invalid';
  calls: number[];
  seen: Map<string, SeenEvent>;
}) {
  const impl: ServiceImpl<typeof AnalyticsService> = {
    async recordViews(req) {
      if (state.mode === 'unavailable')
        throw appError(Code.Unavailable, Reason.SERVICE_UNAVAILABLE, 'down for the test');
      if (state.mode === 'invalid') throw invalidArgument('events[0].paste_id', 'events[0].paste_id: required');
      state.calls.push(req.events.length);
      let accepted = 0;
      for (const e of req.events) {
        if (state.seen.has(e.eventId)) continue;
        state.seen.set(e.eventId, {
          pasteId: e.pasteId,
          timeMs: e.time ? timestampMs(e.time) : 0,
          count: e.count || 1,
          viewerKey: e.viewerKey,
          bot: e.bot,
          referrerHost: e.referrerHost,
        });
        accepted++;
      }
      return { accepted, duplicates: req.events.length - accepted };
    },
    async recordPasteEvents(req) {
      for (const e of req.events) state.seen.set(e.eventId, { pasteId: e.pasteId, timeMs: 0, count: 1 });
      return { accepted: req.events.length, duplicates: 0 };
    },
    // The producer calls only the Record* RPCs.
    getPasteStats: async () => ({}),
    batchGetPasteStats: async () => ({ stats: [] }),
    topPastes: async () => ({ pastes: [] }),
    usageSummary: async () => ({ days: [], breakdown: [], botShare: 0 }),
  };
  return impl;
}

async function metricValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((n, v) => n + v.value, 0);
}

function startHost(state: Parameters<typeof countingImpl>[0], metrics: Metrics, grpcPort = 0): ServiceHost {
  return createServiceHost({
    name: 'analytics-fake',
    logger,
    metrics,
    host: '127.0.0.1',
    services: [{ service: AnalyticsService, impl: countingImpl(state) }],
    grpcPort,
    connectPort: 0,
    adminPort: 0,
    shutdownTimeoutMs: 500,
  });
}

describe('event producer', () => {
  const state = {
    mode: 'ok' as 'ok' | 'unavailable' | 'invalid',
    calls: [] as number[],
    seen: new Map<string, SeenEvent>(),
  };
  let host: ServiceHost;
  let address: string;
  let producer: EventProducer | undefined;
  let metrics: Metrics;

  beforeAll(async () => {
    host = startHost(state, createMetrics('analytics-fake'));
    address = `127.0.0.1:${(await host.start()).grpc}`;
  });
  afterAll(async () => {
    await host.stop();
  });
  afterEach(async () => {
    await producer?.close();
    producer = undefined;
    state.mode = 'ok';
    state.calls.length = 0;
    state.seen.clear();
  });

  const make = (options: Partial<Parameters<typeof createEventProducer>[0]> = {}) => {
    metrics = createMetrics('producer-test');
    producer = createEventProducer({
      analytics: address,
      logger,
      metrics,
      flushIntervalMs: 30,
      redeliverIntervalMs: 40,
      resetTimeoutMs: 100,
      ...options,
    });
    return producer;
  };
  /** Views stored for a paste (an event may stand for several). */
  const seenFor = (pasteId: string) =>
    [...state.seen.values()].filter((e) => e.pasteId === pasteId).reduce((n, e) => n + e.count, 0);
  const eventsFor = (pasteId: string) => [...state.seen.values()].filter((e) => e.pasteId === pasteId);

  it('sends full batches at once, without waiting for the flush interval', async () => {
    // The interval is a minute away: whatever arrives before it came without waiting for it.
    const p = make({ batchSize: 100, flushIntervalMs: 60_000 });
    for (let i = 0; i < 250; i++) p.recordView({ pasteId: 'batched', viewerKey: `v${i}` });
    await eventually(() => state.calls.length === 2, 10_000, 5);
    expect(state.calls).toEqual([100, 100]);
    // The partial batch waits for the interval (or a flush).
    await p.flush();
    expect(state.calls).toEqual([100, 100, 50]);
    expect(seenFor('batched')).toBe(250);
  });

  it('sends a partial batch on the flush interval, without a flush', async () => {
    make({ batchSize: 100, flushIntervalMs: 30 }).recordView({ pasteId: 'partial', viewerKey: 'v' });
    await eventually(() => state.calls.length === 1, 10_000, 5);
    expect(state.calls).toEqual([1]);
    expect(seenFor('partial')).toBe(1);
  });

  it('fills the event id and time when missing and keeps them when given', async () => {
    const p = make();
    const before = Date.now();
    p.recordView({ pasteId: 'filled' });
    p.recordView({ pasteId: 'given', eventId: 'my-id' });
    await p.flush();
    const [id, filled] = [...state.seen.entries()].find(([, e]) => e.pasteId === 'filled')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(filled.timeMs).toBeGreaterThanOrEqual(before - 1);
    expect(state.seen.get('my-id')?.pasteId).toBe('given');
  });

  it('sends alike views as one counted event, and keeps apart views that differ or carry their own id', async () => {
    const p = make();
    const day = Date.UTC(2026, 10, 23);
    for (let i = 0; i < 1_000; i++)
      p.recordView({ pasteId: 'hot', viewerKey: 'a', time: timestampFromMs(day + 1_000 + i) });
    for (let i = 0; i < 10; i++) p.recordView({ pasteId: 'hot', viewerKey: 'b', time: timestampFromMs(day + 2_000) });
    for (let i = 0; i < 5; i++)
      p.recordView({ pasteId: 'hot', viewerKey: 'a', bot: true, time: timestampFromMs(day + 2_000) });
    for (let i = 0; i < 3; i++)
      p.recordView({ pasteId: 'hot', viewerKey: 'a', referrerHost: 'example.org', time: timestampFromMs(day + 2_000) });
    // The next UTC day is another event: rollups are per day.
    for (let i = 0; i < 4; i++)
      p.recordView({ pasteId: 'hot', viewerKey: 'a', time: timestampFromMs(day + 86_400_000 + i) });
    // A caller's own id is a delivery unit: a repeat is a duplicate, not a second view.
    p.recordView({ pasteId: 'hot', viewerKey: 'a', eventId: 'own-1', time: timestampFromMs(day + 3_000) });
    p.recordView({ pasteId: 'hot', viewerKey: 'a', eventId: 'own-1', time: timestampFromMs(day + 3_000) });
    await p.flush();

    const events = eventsFor('hot');
    const summary = events
      .map(
        (e) =>
          `${e.viewerKey}/${e.bot ? 'bot' : 'human'}/${e.referrerHost || '-'}/${new Date(e.timeMs).toISOString().slice(0, 10)}:${e.count}`,
      )
      .sort();
    expect(summary).toEqual([
      'a/bot/-/2026-11-23:5',
      'a/human/-/2026-11-23:1',
      'a/human/-/2026-11-23:1000',
      'a/human/-/2026-11-24:4',
      'a/human/example.org/2026-11-23:3',
      'b/human/-/2026-11-23:10',
    ]);
    // The merged event carries its latest view's time (last_view_time stays exact).
    expect(events.find((e) => e.count === 1_000)?.timeMs).toBe(day + 1_999);
    expect(seenFor('hot')).toBe(1_023);
    expect(await metricValue(metrics, 'analytics_producer_events_received_total', { kind: 'view' })).toBe(1_024);
    expect(await metricValue(metrics, 'analytics_producer_events_sent_total', { kind: 'view' })).toBe(7);
  });

  it('counts every view exactly once while batches leave, fail, buffer and are redelivered', async () => {
    const p = make({ batchSize: 3 });
    let recorded = 0;
    for (let round = 0; round < 40; round++) {
      // An outage in the middle: merged events must neither lose nor double views when they are buffered.
      state.mode = round >= 10 && round < 25 ? 'unavailable' : 'ok';
      for (let i = 0; i < 25; i++) {
        p.recordView({ pasteId: 'exact', viewerKey: `v${i % 4}` });
        recorded++;
      }
      await new Promise((resolve) => setTimeout(resolve, round % 3 === 0 ? 0 : 15));
    }
    state.mode = 'ok';
    await eventually(() => seenFor('exact') === recorded, 20_000, 10);
    await p.flush();
    expect(seenFor('exact')).toBe(recorded);
    expect(await metricValue(metrics, 'analytics_producer_events_dropped_total', {})).toBe(0);
    expect(eventsFor('exact').length).toBeLessThan(recorded / 5);
  });

  it('returns from recordView at once, without waiting, while analytics is down', async () => {
    state.mode = 'unavailable';
    const p = make();
    const n = 10_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) p.recordView({ pasteId: 'fast', viewerKey: 'k' });
    const meanMicros = Number(process.hrtime.bigint() - started) / 1e3 / n;
    // ~5 µs measured in a warm process; a network round trip is ≥ 100 µs, so the bound still proves "no await".
    expect(meanMicros).toBeLessThan(100);
  });

  it('buffers while analytics is unavailable, opens the breaker, and redelivers every event once', async () => {
    state.mode = 'unavailable';
    const p = make({ batchSize: 50 });
    for (let i = 0; i < 500; i++) p.recordView({ pasteId: 'outage', viewerKey: `v${i}` });
    await p.flush();
    expect(await metricValue(metrics, 'analytics_producer_events_buffered_total', {})).toBe(500);
    expect(await metricValue(metrics, 'analytics_producer_breaker_state', {})).toBe(2);
    expect(await metricValue(metrics, 'analytics_producer_buffer_events', { store: 'memory' })).toBe(500);
    state.mode = 'ok';
    await eventually(() => seenFor('outage') === 500, 20_000, 10);
    await eventually(
      async () => (await metricValue(metrics, 'analytics_producer_events_redelivered_total', {})) === 500,
      20_000,
      10,
    );
    expect(await metricValue(metrics, 'analytics_producer_events_dropped_total', {})).toBe(0);
    expect(await metricValue(metrics, 'analytics_producer_breaker_state', {})).toBe(0);
  });

  it('does not open the breaker on InvalidArgument and counts the refused events as dropped', async () => {
    state.mode = 'invalid';
    const p = make({ batchSize: 10 });
    for (let i = 0; i < 60; i++) p.recordView({ pasteId: 'refused', viewerKey: `v${i}` });
    await p.flush();
    expect(await metricValue(metrics, 'analytics_producer_events_dropped_total', { reason: 'rejected' })).toBe(60);
    expect(await metricValue(metrics, 'analytics_producer_breaker_state', {})).toBe(0);
    state.mode = 'ok';
    p.recordView({ pasteId: 'accepted' });
    await p.flush();
    expect(seenFor('accepted')).toBe(1);
  });

  it('drops the oldest events past maxBuffered, counts them, and redelivers the newest', async () => {
    state.mode = 'unavailable';
    const p = make({ batchSize: 25, maxBuffered: 100 });
    for (let i = 0; i < 250; i++) p.recordView({ pasteId: 'bounded', eventId: `bounded-${i}` });
    await p.flush();
    expect(await metricValue(metrics, 'analytics_producer_events_dropped_total', { reason: 'overflow' })).toBe(150);
    state.mode = 'ok';
    await eventually(() => seenFor('bounded') === 100, 20_000, 10);
    expect(state.seen.has('bounded-149')).toBe(false);
    expect(state.seen.has('bounded-150')).toBe(true);
    expect(state.seen.has('bounded-249')).toBe(true);
  });

  describe('with Redis', () => {
    let redis: Redis;
    const name = `producer-test-${randomUUID()}`;
    beforeAll(async () => {
      await requireRedis();
      redis = createRedis(REDIS_TEST_URL, logger, 'producer-test');
      await redisReady(redis);
    });
    afterAll(async () => {
      await redis.del(eventBufferKey(name), eventBufferKey(`${name}-shared`));
      redis.disconnect();
    });

    it('hands each buffered event to exactly one of the replicas sharing a name, oldest first, and takes a put-back batch first', async () => {
      const views: BufferedEvent[] = Array.from({ length: 3_000 }, (_, i) => ({
        kind: 'view',
        event: create(ViewEventSchema, { eventId: `shared-${i}`, pasteId: 'shared' }),
      }));
      const index = (e: BufferedEvent) => Number(e.event.eventId.slice('shared-'.length));
      const [a, b] = [
        createRedisBuffer(redis, `${name}-shared`, 10_000),
        createRedisBuffer(redis, `${name}-shared`, 10_000),
      ];
      for (let i = 0; i < views.length; i += 200) await (i % 400 ? a : b).push(views.slice(i, i + 200));
      const first = await a.take(100);
      expect(first.map(index)).toEqual([...Array(100).keys()]);
      await a.putBack(first);
      const drain = async (buffer: typeof a) => {
        const got: number[][] = [];
        for (let batch = await buffer.take(250); batch.length > 0; batch = await buffer.take(250))
          got.push(batch.map(index));
        return got;
      };
      const [fromA, fromB] = await Promise.all([drain(a), drain(b)]);
      const all = [...fromA, ...fromB].flat();
      expect(all.length).toBe(views.length);
      expect(new Set(all).size).toBe(views.length);
      for (const batch of [...fromA, ...fromB]) expect(batch).toEqual([...batch].sort((x, y) => x - y));
      expect(Math.min(...[...fromA, ...fromB].map((batch) => batch[0]!))).toBe(0);
    });

    it('keeps buffered events in a Redis list that a restarted producer redelivers', async () => {
      // Nothing listens on this port yet: a real outage.
      const down = createServiceHost({
        name: 'probe',
        logger,
        metrics: createMetrics('probe'),
        host: '127.0.0.1',
        services: [],
        grpcPort: 0,
        connectPort: 0,
        adminPort: 0,
      });
      const port = (await down.start()).grpc;
      await down.stop();
      const first = make({ analytics: `127.0.0.1:${port}`, redis, name, batchSize: 100 });
      for (let i = 0; i < 300; i++) first.recordView({ pasteId: 'restart', viewerKey: `v${i}` });
      await first.close();
      producer = undefined;
      expect(await redis.llen(eventBufferKey(name))).toBe(300);

      const restarted = startHost(state, createMetrics('analytics-fake-2'), port);
      await restarted.start();
      try {
        make({ analytics: `127.0.0.1:${port}`, redis, name });
        await eventually(() => seenFor('restart') === 300, 20_000, 10);
        await eventually(async () => (await redis.llen(eventBufferKey(name))) === 0, 20_000, 10);
      } finally {
        await (producer as EventProducer | undefined)?.close();
        producer = undefined;
        await restarted.stop();
      }
    });

    it('bounds the Redis list with LTRIM and counts what it drops', async () => {
      state.mode = 'unavailable';
      const p = make({ redis, name, batchSize: 20, maxBuffered: 50 });
      for (let i = 0; i < 120; i++) p.recordView({ pasteId: 'redis-bounded', viewerKey: `v${i}` });
      await p.flush();
      expect(await redis.llen(eventBufferKey(name))).toBe(50);
      expect(await metricValue(metrics, 'analytics_producer_events_dropped_total', { reason: 'overflow' })).toBe(70);
      state.mode = 'ok';
      await eventually(() => seenFor('redis-bounded') === 50, 20_000, 10);
    });
  });
});

describe('viewerKey', () => {
  it('is stable within a day, changes across days and secrets, and never contains the IP', () => {
    const key = viewerKey('203.0.113.7', 'Mozilla/5.0', 'secret', '2026-11-20');
    expect(viewerKey('203.0.113.7', 'Mozilla/5.0', 'secret', new Date('2026-11-20T23:59:59Z'))).toBe(key);
    expect(viewerKey('203.0.113.7', 'Mozilla/5.0', 'secret', '2026-11-21')).not.toBe(key);
    expect(viewerKey('203.0.113.7', 'Mozilla/5.0', 'other', '2026-11-20')).not.toBe(key);
    expect(viewerKey('203.0.113.8', 'Mozilla/5.0', 'secret', '2026-11-20')).not.toBe(key);
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(key).not.toContain('203');
  });
});

describe('isBotUserAgent', () => {
  it.each([
    ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', true],
    ['Twitterbot/1.0', true],
    ['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', true],
    ['Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)', true],
    ['TelegramBot (like TwitterBot)', true],
    ['WhatsApp/2.23.20.0', true],
    ['LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)', true],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', true],
    ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', true],
    ['Mozilla/5.0 (compatible; SomeNewCrawler/0.1; +https://example.com/about)', true],
    // Previewers that burned pastes before isbot's list was used.
    ['Mattermost-Bot/1.1', true],
    ['Synapse (bot; +https://github.com/matrix-org/synapse)', true],
    ['Mozilla/5.0 (compatible; Viber/1.0)', true],
    ['Snapchat/12.0 (like Safari/604.1)', true],
    ['Zulip', true],
    ['Rocket.Chat/6.5.0', true],
    ['Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.12026; Pro)', true],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0 OneOutlook/1.2024',
      true,
    ],
    ['Go-http-client/1.1', true],
    ['curl/8.5.0', false],
    ['HTTPie/3.2.2', false],
    ['Wget/1.21.4', false],
    ['python-requests/2.31.0', true],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', false],
    ['Mozilla/5.0 (Linux; Android 12; CUBOT NOTE 20) AppleWebKit/537.36 Chrome/119.0 Mobile Safari/537.36', false],
    ['', false],
  ])('classifies %j as bot=%s', (ua, bot) => {
    expect(isBotUserAgent(ua)).toBe(bot);
  });

  it('answers the same when it remembers a user agent, after forgetting it, and for huge ones', () => {
    const bot = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';
    const person = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';
    const answers = () => [isBotUserAgent(bot), isBotUserAgent(person), isBotUserAgent('curl/8.5.0')];
    expect(answers()).toEqual([true, false, false]);
    expect(answers()).toEqual([true, false, false]);
    // More distinct user agents than it keeps: it forgets these three and asks isbot again.
    for (let i = 0; i < 2_500; i++) expect(isBotUserAgent(`Mozilla/5.0 (compatible; Crawler${i}/1.0)`)).toBe(true);
    expect(answers()).toEqual([true, false, false]);
    // Too long to remember, answered all the same.
    expect(isBotUserAgent(`${'x'.repeat(600)} Googlebot/2.1`)).toBe(true);
    expect(isBotUserAgent(`${person} ${'y'.repeat(600)}`)).toBe(false);
  });
});
