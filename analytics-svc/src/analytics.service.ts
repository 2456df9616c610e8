import type { ServiceImpl } from '@connectrpc/connect';
import type { Kysely } from 'kysely';
import { AnalyticsService, TopWindow } from '@pastemesh/gen/analytics';
import { requireCaller } from '@pastemesh/kit/auth';
import { Code, Reason, appError, invalidArgument, requestContextOf, type RequestContext } from '@pastemesh/kit/rpc';
import { linkTo, type Link } from '@pastemesh/kit/observability';
import { type SqlDialect } from '@pastemesh/kit/storage';
import type { AnalyticsDatabase } from './database.js';
import type { AnalyticsMetrics } from './analytics.metrics.js';
import { dayOf, dayRange, retentionCutoffMs, toBigInt } from './days.js';
import { checkLength, MAX_ID_LENGTH, toNewPasteEvents, toNewViewEvents } from './events/event.validation.js';
import { ingestViewEvents } from './events/view-event.repository.js';
import { ingestPasteEvents } from './events/paste-event.repository.js';
import {
  findPasteDays,
  findPasteTotals,
  findTopPastes,
  findUsage,
  type PasteDayRow,
} from './stats/stats.repository.js';
import {
  ALL_STATS_FIELDS,
  checkReadMask,
  toPasteStats,
  toUsageSummary,
  type StatsFields,
} from './stats/stats.mapper.js';

/** What the handlers need. */
export interface AnalyticsServiceDeps {
  db: Kysely<AnalyticsDatabase>;
  dialect: SqlDialect;
  metrics: AnalyticsMetrics;
  retentionDays: number;
  /** The clock (tests move it to exercise retention). */
  now: () => number;
}

/** Days in GetPasteStats' views_per_day. */
export const STATS_DAYS = 30;
export const MAX_BATCH_STATS = 500;
/** TopPastes windows in UTC days ending today (DAY = today and yesterday, per the contract). */
const WINDOW_DAYS: Record<number, number> = {
  [TopWindow.UNSPECIFIED]: 2,
  [TopWindow.DAY]: 2,
  [TopWindow.WEEK]: 7,
  [TopWindow.MONTH]: 30,
};

/** Splits events into those inside the retention window and those too old to dedupe safely. */
function withinRetention<T extends { timeMs: number }>(events: T[], cutoffMs: number): [T[], number] {
  const kept = events.filter((e) => e.timeMs >= cutoffMs);
  return [kept, events.length - kept.length];
}

/** The AnalyticsService implementation. */
export function createAnalyticsService(deps: AnalyticsServiceDeps): ServiceImpl<typeof AnalyticsService> {
  const { db, dialect, metrics } = deps;

  async function stats(pasteIds: string[], fields: StatsFields = ALL_STATS_FIELDS) {
    const today = dayOf(deps.now());
    const days = fields.has('views_per_day') ? dayRange(today, STATS_DAYS) : [];
    const [totals, dayRows] = await Promise.all([
      findPasteTotals(db, pasteIds),
      days.length > 0 ? findPasteDays(db, pasteIds, days[0]!, today) : [],
    ]);
    const totalsById = new Map(totals.map((t) => [t.paste_id, t]));
    // Map.groupBy is Node 21+.
    const daysById = new Map<string, PasteDayRow[]>();
    for (const row of dayRows) {
      const rows = daysById.get(row.paste_id);
      if (rows) rows.push(row);
      else daysById.set(row.paste_id, [row]);
    }
    return pasteIds.map((id) => toPasteStats(id, totalsById.get(id), daysById.get(id) ?? [], days, fields));
  }

  return {
    async recordViews(req, ctx) {
      linkToCauses(requestContextOf(ctx), req.events);
      const now = deps.now();
      const events = toNewViewEvents(req.events, now);
      metrics.received.inc({ kind: 'view' }, events.length);
      // Ids older than retention may already be pruned, so their duplicates could not be told apart: refuse them.
      const [current, tooOld] = withinRetention(events, retentionCutoffMs(now, deps.retentionDays));
      if (tooOld > 0) metrics.tooOld.inc({ kind: 'view' }, tooOld);
      const result = await ingestViewEvents(db, dialect, current, now);
      metrics.deduplicated.inc({ kind: 'view' }, result.duplicates);
      for (const e of current) metrics.ingestLag.observe({ kind: 'view' }, Math.max(0, now - e.timeMs) / 1000);
      return result;
    },

    async recordPasteEvents(req, ctx) {
      linkToCauses(requestContextOf(ctx), req.events);
      const now = deps.now();
      const events = toNewPasteEvents(req.events, now);
      metrics.received.inc({ kind: 'paste' }, events.length);
      const [current, tooOld] = withinRetention(events, retentionCutoffMs(now, deps.retentionDays));
      if (tooOld > 0) metrics.tooOld.inc({ kind: 'paste' }, tooOld);
      const result = await ingestPasteEvents(db, dialect, current, now);
      metrics.deduplicated.inc({ kind: 'paste' }, result.duplicates);
      for (const e of current) metrics.ingestLag.observe({ kind: 'paste' }, Math.max(0, now - e.timeMs) / 1000);
      return result;
    },

    async getPasteStats(req) {
      checkLength('paste_id', req.pasteId, MAX_ID_LENGTH);
      const [one] = await stats([req.pasteId]);
      return { stats: one };
    },

    async batchGetPasteStats(req) {
      const ids = [...new Set(req.pasteIds)];
      if (ids.length > MAX_BATCH_STATS) {
        throw invalidArgument(
          'paste_ids',
          `paste_ids: at most ${MAX_BATCH_STATS} (got ${ids.length})`,
          MAX_BATCH_STATS,
        );
      }
      for (const [i, id] of ids.entries()) checkLength(`paste_ids[${i}]`, id, MAX_ID_LENGTH);
      return { stats: await stats(ids, checkReadMask(req.readMask?.paths ?? [])) };
    },

    async topPastes(req) {
      const windowDays = WINDOW_DAYS[req.window];
      if (windowDays === undefined) throw invalidArgument('window', `window: DAY, WEEK or MONTH (got ${req.window})`);
      const limit = req.limit === 0 ? 10 : req.limit;
      if (limit < 1 || limit > 100) throw invalidArgument('limit', `limit: 1 to 100 (got ${req.limit})`, 100);
      const firstDay = dayRange(dayOf(deps.now()), windowDays)[0]!;
      const rows = await findTopPastes(db, firstDay, limit);
      return { pastes: rows.map((r) => ({ pasteId: r.paste_id, views: toBigInt(r.views) })) };
    },

    async usageSummary(req, ctx) {
      const caller = requireCaller(ctx);
      if (!caller.isAdmin)
        throw appError(
          Code.PermissionDenied,
          Reason.ADMIN_REQUIRED,
          'UsageSummary is for operators: it needs the admin role',
        );
      const count = req.days === 0 ? 30 : req.days;
      if (count < 1 || count > 90) throw invalidArgument('days', `days: 1 to 90 (got ${req.days})`, 90);
      const days = dayRange(dayOf(deps.now()), count);
      const { days: usage, breakdown } = await findUsage(db, days[0]!, days[days.length - 1]!);
      return toUsageSummary(days, usage, breakdown);
    },
  };
}

/**
 * Links the ingestion's span to the requests that caused its events (those sampled carry their traceparent):
 * the trace of a paste read leads, across the producer's queue, to where its view was stored.
 */
function linkToCauses(ctx: RequestContext | undefined, events: { traceparent: string }[]): void {
  const span = ctx?.span;
  if (!span?.isRecording()) return;
  const links: Link[] = [];
  for (const e of events) {
    const link = linkTo(e.traceparent);
    if (link && links.push(link) >= 128) break;
  }
  if (links.length > 0) span.addLinks(links);
}
