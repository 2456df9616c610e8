import { Code, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { Reason, appError } from '../rpc/errors.js';
import { requestContextOf, type RequestContext } from '../rpc/request-context.js';

/**
 * A small, real implementation of a contract, so the kit can be tested over the
 * wire without any service's storage. GetPasteStats is the probe: `missing`
 * answers NOT_FOUND, `boom` throws an unexpected error, `slow<ms>` waits, `big<n>` answers an n-byte reply. Reads
 * record the request context each call arrived with in `seen`.
 */
export function echoAnalyticsImpl(seen: RequestContext[] = []): ServiceImpl<typeof AnalyticsService> {
  const record = (ctx: HandlerContext) => {
    const context = requestContextOf(ctx);
    if (context) seen.push(context);
  };
  return {
    async recordViews(req) {
      return { accepted: req.events.length, duplicates: 0 };
    },
    async recordPasteEvents(req) {
      return { accepted: req.events.length, duplicates: 0 };
    },
    async getPasteStats(req, ctx) {
      record(ctx);
      if (req.pasteId === 'missing')
        throw appError(Code.NotFound, Reason.PASTE_NOT_FOUND, 'paste missing not found', { field: 'paste_id' });
      if (req.pasteId === 'boom') throw new Error('SELECT secret FROM table failed');
      if (req.pasteId.startsWith('big')) return { stats: { pasteId: 'x'.repeat(Number(req.pasteId.slice(3))) } };
      if (req.pasteId.startsWith('slow')) await new Promise((r) => setTimeout(r, Number(req.pasteId.slice(4))));
      return { stats: { pasteId: req.pasteId, totalViews: BigInt(ctx.requestHeader.get('x-views') ?? 7) } };
    },
    async batchGetPasteStats(req, ctx) {
      record(ctx);
      return { stats: req.pasteIds.map((pasteId) => ({ pasteId })) };
    },
    async topPastes(_req, ctx) {
      record(ctx);
      return { pastes: [] };
    },
    async usageSummary() {
      return { days: [], breakdown: [], botShare: 0 };
    },
  };
}
