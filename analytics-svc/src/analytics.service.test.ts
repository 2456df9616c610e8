import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { PasteEventKind, TopWindow, type ViewEventSchema } from '@pastemesh/gen/analytics';
import { Visibility } from '@pastemesh/gen/paste';
import { errorDetail, withBearer } from '@pastemesh/kit/rpc';
import {
  STORAGE_MODES,
  createTestIssuer,
  createTestStorage,
  type TestIssuer,
  type TestStorage,
} from '@pastemesh/kit/testing';
import { startTestAnalytics, type TestAnalytics } from './testing/analytics-test-app.js';

const DAY = 86_400_000;
// A fixed clock at noon UTC, so day boundaries are deterministic.
const NOON = Date.UTC(2026, 10, 20, 12, 0, 0);

function view(
  pasteId: string,
  init: { viewerKey?: string; bot?: boolean; at?: number } = {},
): MessageInitShape<typeof ViewEventSchema> {
  const { at = NOON, viewerKey = randomUUID().slice(0, 22), bot = false } = init;
  return { eventId: randomUUID(), pasteId, time: timestampFromMs(at), viewerKey, bot };
}

describe.each(STORAGE_MODES)('analytics-svc on %s storage', (mode) => {
  let storage: TestStorage;
  let svc: TestAnalytics;
  let issuer: TestIssuer;
  let clock = NOON;

  beforeAll(async () => {
    storage = await createTestStorage(mode, 'analytics');
    issuer = await createTestIssuer();
    svc = await startTestAnalytics(storage, { now: () => clock, issuer, env: { PRUNE_BATCH_SIZE: '7' } });
  });
  afterAll(async () => {
    await svc?.stop();
    await storage?.cleanup();
  });

  const totalViews = async (pasteId: string) => (await svc.client.getPasteStats({ pasteId })).stats!.totalViews;

  async function createPaste(pasteId: string, visibility: Visibility, language = 'python', at = NOON - DAY * 10) {
    await svc.client.recordPasteEvents({
      events: [
        {
          eventId: randomUUID(),
          pasteId,
          kind: PasteEventKind.CREATED,
          time: timestampFromMs(at),
          language,
          visibility,
          sizeBytes: 100n,
        },
      ],
    });
  }

  it('counts an event id delivered twice once', async () => {
    const p = randomUUID();
    const [a, b, c] = [view(p), view(p), view(p)];
    expect(await svc.client.recordViews({ events: [a, b, a] })).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(await svc.client.recordViews({ events: [a, b, c] })).toMatchObject({ accepted: 1, duplicates: 2 });
    expect(await totalViews(p)).toBe(3n);
  });

  it('ignores a traceparent that is not one (garbage, oversized, all zeros) and still records the view', async () => {
    const p = randomUUID();
    const bad = ['garbage', 'x'.repeat(10_000), `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`, '\u0000'];
    const events = bad.map((traceparent) => ({ ...view(p), traceparent }));
    expect(await svc.client.recordViews({ events })).toMatchObject({ accepted: 4, duplicates: 0 });
    expect(await totalViews(p)).toBe(4n);
  });

  it('counts the same batch delivered concurrently once', async () => {
    const p = randomUUID();
    const events = Array.from({ length: 50 }, () => view(p));
    const results = await Promise.all(Array.from({ length: 4 }, () => svc.client.recordViews({ events })));
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(50);
    expect(await totalViews(p)).toBe(50n);
  });

  it('counts an event that stands for several views (count) as that many, once, and one viewer', async () => {
    const p = randomUUID();
    const merged = { ...view(p, { viewerKey: 'alice', at: NOON + 5_000 }), count: 250 };
    const bots = { ...view(p, { viewerKey: 'crawler', bot: true }), count: 7 };
    expect(await svc.client.recordViews({ events: [merged, view(p, { viewerKey: 'bob' }), bots] })).toMatchObject({
      accepted: 3,
      duplicates: 0,
    });
    // A redelivery of the merged event adds nothing.
    expect(await svc.client.recordViews({ events: [merged] })).toMatchObject({ accepted: 0, duplicates: 1 });
    const stats = (await svc.client.getPasteStats({ pasteId: p })).stats!;
    expect(stats.totalViews).toBe(251n);
    expect(stats.uniqueViewers).toBe(2n);
    expect(stats.viewsPerDay.at(-1)).toMatchObject({ day: '2026-11-20', count: 251n });
    expect(timestampMs(stats.lastViewTime!)).toBe(NOON + 5_000);
  });

  it('records bot views without counting them as views or viewers', async () => {
    const p = randomUUID();
    await svc.client.recordViews({
      events: [view(p), view(p), view(p), view(p, { bot: true }), view(p, { bot: true })],
    });
    const stats = (await svc.client.getPasteStats({ pasteId: p })).stats!;
    expect(stats.totalViews).toBe(3n);
    expect(stats.uniqueViewers).toBe(3n);
  });

  it('rolls views up per UTC day with exact unique viewers and 30 days oldest first', async () => {
    const p = randomUUID();
    await svc.client.recordViews({
      events: [
        view(p, { viewerKey: 'alice' }),
        view(p, { viewerKey: 'alice', at: NOON + 1000 }),
        view(p, { viewerKey: 'alice' }),
        view(p, { viewerKey: 'bob' }),
        view(p, { viewerKey: 'alice', at: NOON - DAY }),
        view(p, { viewerKey: 'alice', at: NOON - DAY - 1000 }),
      ],
    });
    const stats = (await svc.client.getPasteStats({ pasteId: p })).stats!;
    expect(stats.totalViews).toBe(6n);
    expect(stats.uniqueViewers).toBe(3n); // alice and bob today, alice (a new key day) yesterday
    expect(stats.viewsPerDay).toHaveLength(30);
    expect(stats.viewsPerDay[0]!.day).toBe('2026-10-22');
    expect(stats.viewsPerDay.slice(-2).map((d) => [d.day, d.count])).toEqual([
      ['2026-11-19', 2n],
      ['2026-11-20', 4n],
    ]);
    expect(stats.viewsPerDay.slice(0, 28).every((d) => d.count === 0n)).toBe(true);
    expect(timestampMs(stats.lastViewTime!)).toBe(NOON + 1000);
  });

  it('answers BatchGetPasteStats with one entry per distinct id and zeros for unviewed pastes', async () => {
    const p = randomUUID();
    const never = randomUUID();
    await svc.client.recordViews({ events: [view(p), view(p)] });
    const res = await svc.client.batchGetPasteStats({ pasteIds: [p, never, p] });
    expect(res.stats.map((s) => [s.pasteId, s.totalViews])).toEqual([
      [p, 2n],
      [never, 0n],
    ]);
    expect(res.stats[1]!.lastViewTime).toBeUndefined();
    expect(res.stats[1]!.viewsPerDay).toHaveLength(30);
  });

  it('fills only the read_mask fields of BatchGetPasteStats (totals without the 30 days) and refuses unknown paths', async () => {
    const p = randomUUID();
    await svc.client.recordViews({ events: [view(p), view(p, { viewerKey: 'other' })] });
    const full = (await svc.client.batchGetPasteStats({ pasteIds: [p] })).stats[0]!;
    const totals = (
      await svc.client.batchGetPasteStats({ pasteIds: [p], readMask: { paths: ['total_views', 'unique_viewers'] } })
    ).stats[0]!;
    expect([totals.pasteId, totals.totalViews, totals.uniqueViewers]).toEqual([p, full.totalViews, full.uniqueViewers]);
    expect(full.totalViews).toBe(2n);
    expect([totals.viewsPerDay, totals.lastViewTime]).toEqual([[], undefined]);
    const days = (await svc.client.batchGetPasteStats({ pasteIds: [p], readMask: { paths: ['views_per_day'] } }))
      .stats[0]!;
    expect([days.viewsPerDay, days.totalViews]).toEqual([full.viewsPerDay, 0n]);
    const bad = await svc.client
      .batchGetPasteStats({ pasteIds: [p], readMask: { paths: ['content'] } })
      .catch((e: unknown) => ConnectError.from(e));
    expect((bad as ConnectError).code).toBe(Code.InvalidArgument);
    expect(errorDetail(bad)?.field).toBe('read_mask');
    expect((bad as ConnectError).rawMessage).toContain('unknown field "content"');
  });

  it('ranks only public pastes that are not deleted, by window', async () => {
    const [pub1, pub2, unlisted, priv, deleted, unknown, madePrivate] = Array.from(
      { length: 7 },
      () => `top-${randomUUID()}`,
    );
    await createPaste(pub1!, Visibility.PUBLIC);
    await createPaste(pub2!, Visibility.PUBLIC);
    await createPaste(unlisted!, Visibility.UNLISTED);
    await createPaste(priv!, Visibility.PRIVATE);
    await createPaste(deleted!, Visibility.PUBLIC);
    await createPaste(madePrivate!, Visibility.PUBLIC);
    await svc.client.recordPasteEvents({
      events: [
        // Lifecycle changes, one of them stale (older than the update before it): the latest by time wins.
        {
          eventId: randomUUID(),
          pasteId: deleted,
          kind: PasteEventKind.DELETED,
          time: timestampFromMs(NOON - 1000),
          visibility: Visibility.PUBLIC,
        },
        {
          eventId: randomUUID(),
          pasteId: madePrivate,
          kind: PasteEventKind.UPDATED,
          time: timestampFromMs(NOON - 2000),
          visibility: Visibility.PRIVATE,
        },
        {
          eventId: randomUUID(),
          pasteId: madePrivate,
          kind: PasteEventKind.UPDATED,
          time: timestampFromMs(NOON - DAY * 5),
          visibility: Visibility.PUBLIC,
        },
      ],
    });
    const many = (p: string, n: number, at = NOON) => Array.from({ length: n }, () => view(p, { at }));
    await svc.client.recordViews({
      events: [
        ...many(pub1!, 50),
        ...many(pub2!, 30),
        ...many(pub2!, 100, NOON - DAY * 5),
        ...many(unlisted!, 60),
        ...many(priv!, 60),
        ...many(deleted!, 60),
        ...many(unknown!, 60),
        ...many(madePrivate!, 60),
      ],
    });
    const top = async (window: TopWindow, limit = 100) =>
      (await svc.client.topPastes({ window, limit })).pastes
        .filter((t) => t.pasteId.startsWith('top-'))
        .map((t) => [t.pasteId, t.views]);
    expect(await top(TopWindow.DAY)).toEqual([
      [pub1, 50n],
      [pub2, 30n],
    ]);
    expect(await top(TopWindow.WEEK)).toEqual([
      [pub2, 130n],
      [pub1, 50n],
    ]);
    expect((await svc.client.topPastes({ window: TopWindow.MONTH, limit: 1 })).pastes).toHaveLength(1);
  });

  it('reports creations per day by language and visibility to operators only', async () => {
    await createPaste(randomUUID(), Visibility.PUBLIC, 'rust', NOON - 1000);
    await createPaste(randomUUID(), Visibility.UNLISTED, 'rust', NOON - 2000);
    await createPaste(randomUUID(), Visibility.PUBLIC, '', NOON - 3000);
    const anonymous = await svc.client.usageSummary({ days: 7 }).catch((e: unknown) => ConnectError.from(e));
    expect((anonymous as ConnectError).code).toBe(Code.Unauthenticated);
    const user = await svc.client
      .usageSummary({ days: 7 }, withBearer(await issuer.sign(randomUUID())))
      .catch((e: unknown) => ConnectError.from(e));
    expect((user as ConnectError).code).toBe(Code.PermissionDenied);
    expect(errorDetail(user)?.reason).toBe('ADMIN_REQUIRED');

    const admin = withBearer(await issuer.sign(randomUUID(), ['user', 'admin']));
    const botsSoFar = (await svc.client.usageSummary({ days: 7 }, admin)).days.reduce((n, d) => n + d.botViews, 0n);
    const p = randomUUID();
    await svc.client.recordViews({
      events: [view(p), view(p, { bot: true }), { ...view(p, { bot: true }), count: 3 }],
    });
    const report = await svc.client.usageSummary({ days: 7 }, admin);
    expect(report.days.map((d) => d.day)).toEqual([
      '2026-11-14',
      '2026-11-15',
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
    ]);
    const today = report.breakdown
      .filter((b) => b.day === '2026-11-20')
      .map((b) => [b.dimension, b.value, b.pastesCreated]);
    expect(today).toEqual([
      ['language', 'auto', 1n],
      ['language', 'rust', 2n],
      ['visibility', 'VISIBILITY_PUBLIC', 2n],
      ['visibility', 'VISIBILITY_UNLISTED', 1n],
    ]);
    expect(report.days.at(-1)!.pastesCreated).toBe(3n);
    const views = report.days.reduce((n, d) => n + d.views, 0n);
    const bots = report.days.reduce((n, d) => n + d.botViews, 0n);
    expect(bots - botsSoFar).toBe(4n);
    expect(report.botShare).toBeCloseTo(Number(bots) / Number(views + bots), 10);
  });

  it('refuses a malformed batch with InvalidArgument naming the field and the limit', async () => {
    const long = await svc.client
      .recordViews({ events: [view('p', { viewerKey: 'k'.repeat(65) })] })
      .catch((e: unknown) => ConnectError.from(e));
    expect((long as ConnectError).code).toBe(Code.InvalidArgument);
    expect((long as ConnectError).rawMessage).toBe('events[0].viewer_key: at most 64 characters (got 65)');
    expect(errorDetail(long)?.field).toBe('events[0].viewer_key');
    const many = await svc.client
      .recordViews({ events: Array.from({ length: 1001 }, () => view('p')) })
      .catch((e: unknown) => ConnectError.from(e));
    expect((many as ConnectError).rawMessage).toBe('events: 1 to 1000 per call (got 1001)');
    const count = await svc.client
      .recordViews({ events: [view('p'), { ...view('p'), count: 1_000_001 }] })
      .catch((e: unknown) => ConnectError.from(e));
    expect((count as ConnectError).rawMessage).toBe('events[1].count: at most 1000000 (got 1000001)');
    expect(errorDetail(count)?.field).toBe('events[1].count');
    const limit = await svc.client.topPastes({ limit: 101 }).catch((e: unknown) => ConnectError.from(e));
    expect((limit as ConnectError).rawMessage).toBe('limit: 1 to 100 (got 101)');
  });

  // Runs last: it moves the clock past the retention window.
  it('prunes raw events past retention in bounded batches, keeps rollups, and refuses stale redeliveries', async () => {
    const p = randomUUID();
    const events = Array.from({ length: 20 }, () => view(p));
    await svc.client.recordViews({ events });
    const deletesBefore = await deleteStatements();
    clock = NOON + 31 * DAY;
    const pruned = await svc.app.prune();
    expect(pruned.view_events).toBeGreaterThanOrEqual(20);
    expect(pruned.paste_day_viewers).toBeGreaterThanOrEqual(20);
    // PRUNE_BATCH_SIZE is 7: every statement deleted at most 7 rows.
    const total = pruned.view_events + pruned.paste_events + pruned.paste_day_viewers;
    expect((await deleteStatements()) - deletesBefore).toBeGreaterThanOrEqual(Math.ceil(total / 7));
    expect(await svc.app.prune()).toEqual({ view_events: 0, paste_events: 0, paste_day_viewers: 0 });
    expect(await totalViews(p)).toBe(20n);
    // The ids are gone, so a late redelivery must not be counted again.
    expect(await svc.client.recordViews({ events })).toMatchObject({ accepted: 0, duplicates: 0 });
    expect(await totalViews(p)).toBe(20n);
  });

  async function deleteStatements(): Promise<number> {
    const metric = await svc.metrics.registry.getSingleMetric('db_query_duration_seconds')!.get();
    return metric.values
      .filter(
        (v) =>
          (v as { metricName?: string }).metricName === 'db_query_duration_seconds_count' &&
          v.labels['operation'] === 'delete',
      )
      .reduce((n, v) => n + v.value, 0);
  }
});
