import DataLoader from 'dataloader';
import type { CallOptions, Client } from '@connectrpc/connect';
import type { Paste, PasteService } from '@pastemesh/gen/paste';
import { SpanKind, type Tracing } from '@pastemesh/kit/observability';
import { Reason, beginLinkedWork, callOptions, errorDetail, type RequestContext } from '@pastemesh/kit/rpc';
import type { HotCache } from './hot-cache.js';
import { isExpired, toPasteView, type PasteView } from './paste.view.js';

/** BatchGetPastes takes at most this many ids per call. */
const MAX_BATCH = 500;

/** What a request reads pastes through (DataLoader's reading methods). */
export type PasteLoader = Pick<DataLoader<string, PasteView | null>, 'load' | 'loadMany'>;

/**
 * Loads latest versions with content (never burning: burn-after-read pastes come
 * back without content), one BatchGetPastes per tick. Signed-in requests get their
 * own loader (their credential decides what they may see); anonymous ones share
 * one process-wide loader (`createSharedPasteLoader`).
 */
export function createPasteLoader(
  paste: Client<typeof PasteService>,
  hotCache: HotCache,
  options: CallOptions,
): PasteLoader {
  return createLoader(paste, hotCache, () => ({ options }), false);
}

/** The process-wide loader of anonymous requests; each request reads through `forRequest(its trace)`. */
export interface SharedPasteLoader {
  forRequest(trace: RequestContext): PasteLoader;
}

/**
 * One loader for every anonymous request, so concurrent readers of the same or different pastes coalesce into
 * one call. The call belongs to the requests waiting on it: made for one request (the usual case), it carries
 * that request's trace, so its spans and paste-svc's log line join that request's; made for several, it is a
 * trace of its own with span links to each sampled one (recording only).
 */
export function createSharedPasteLoader(
  paste: Client<typeof PasteService>,
  hotCache: HotCache,
  tracing: Tracing,
): SharedPasteLoader {
  let waiting: RequestContext[] = [];
  const optionsForBatch = (calls: boolean): { options: CallOptions; end?: () => void } => {
    const causes = waiting;
    waiting = [];
    if (!calls) return { options: {} };
    if (causes.length === 1) return { options: callOptions({ trace: causes[0] }) };
    const links = causes.flatMap((c) => (c.sampled && c.span ? [{ context: c.span.spanContext() }] : []));
    const work = beginLinkedWork(tracing, 'paste batch', SpanKind.INTERNAL, links, {
      'pastemesh.requests': causes.length,
    });
    return work ? { options: callOptions({ trace: work }), end: () => work.span?.end() } : { options: {} };
  };
  const loader = createLoader(paste, hotCache, optionsForBatch, true);
  return {
    forRequest(trace) {
      const wait = () => {
        if (!waiting.includes(trace)) waiting.push(trace);
      };
      return {
        load(id) {
          wait();
          return loader.load(id);
        },
        loadMany(ids) {
          wait();
          return loader.loadMany(ids);
        },
      };
    },
  };
}

function createLoader(
  paste: Client<typeof PasteService>,
  hotCache: HotCache,
  /** The call options of the batch being dispatched (`calls`: whether it calls paste-svc at all). */
  optionsForBatch: (calls: boolean) => { options: CallOptions; end?: () => void },
  shared: boolean,
) {
  /**
   * One BatchGetPastes; a batch whose pastes together exceed the client's reply limit (nine 1 MiB pastes do)
   * is split in halves until each part fits, so a valid query never fails for its size.
   */
  const fetchPastes = async (ids: string[], options: CallOptions): Promise<Paste[]> => {
    try {
      return (await paste.batchGetPastes({ ids, withContent: true }, options)).pastes;
    } catch (err) {
      if (ids.length < 2 || errorDetail(err)?.reason !== Reason.REPLY_TOO_LARGE) throw err;
      const half = ids.length >> 1;
      const parts = await Promise.all([
        fetchPastes(ids.slice(0, half), options),
        fetchPastes(ids.slice(half), options),
      ]);
      return parts.flat();
    }
  };
  return new DataLoader<string, PasteView | null>(
    async (ids) => {
      const cached = ids.map((id) => hotCache.get(id));
      // The shared loader does not de-duplicate (it has no cache): many readers of one paste ask for it once.
      const misses = [...new Set(ids.filter((_, i) => !cached[i]))];
      const found = new Map<string, PasteView>();
      // Taken even when everything was cached: the requests waiting on this batch are done with it.
      const batch = optionsForBatch(misses.length > 0);
      // A failed call fails only the ids it was for: a cached paste in the same batch (another request's, in
      // the shared loader) is still answered.
      let failure: Error | undefined;
      try {
        if (misses.length > 0) {
          for (const p of await fetchPastes(misses, batch.options)) {
            const view = toPasteView(p);
            found.set(view.id, view);
            hotCache.offer(view);
          }
        }
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      } finally {
        batch.end?.();
      }
      return ids.map((id, i) => {
        if (!cached[i] && failure) return failure;
        const view = cached[i] ?? found.get(id) ?? null;
        return view && !isExpired(view) ? view : null;
      });
    },
    // A shared loader must not remember results across requests: the hot cache does that, with invalidation.
    // Shared: dispatch in the check phase (setImmediate), after every request whose bytes arrived in this
    // poll phase has asked; DataLoader's default (the next microtask) would send one call per request.
    {
      maxBatchSize: MAX_BATCH,
      cache: !shared,
      ...(shared ? { batchScheduleFn: (run: () => void) => void setImmediate(run) } : {}),
    },
  );
}
