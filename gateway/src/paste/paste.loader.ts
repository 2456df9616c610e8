import DataLoader from 'dataloader';
import type { CallOptions, Client } from '@connectrpc/connect';
import type { Paste, PasteService } from '@pastemesh/gen/paste';
import { Reason, errorDetail } from '@pastemesh/kit/rpc';
import type { HotCache } from './hot-cache.js';
import { isExpired, toPasteView, type PasteView } from './paste.view.js';

/** BatchGetPastes takes at most this many ids per call. */
const MAX_BATCH = 500;

/**
 * Loads latest versions with content (never burning: burn-after-read pastes come
 * back without content), one BatchGetPastes per tick. Anonymous requests share
 * one process-wide loader, so concurrent readers of the same or different
 * pastes coalesce into one call (made for many requests, it forwards no one's
 * trace); signed-in requests get their own (their credential decides what they
 * may see).
 */
export function createPasteLoader(
  paste: Client<typeof PasteService>,
  hotCache: HotCache,
  options: CallOptions,
  shared: boolean,
) {
  /**
   * One BatchGetPastes; a batch whose pastes together exceed the client's reply limit (nine 1 MiB pastes do)
   * is split in halves until each part fits, so a valid query never fails for its size.
   */
  const fetchPastes = async (ids: string[]): Promise<Paste[]> => {
    try {
      return (await paste.batchGetPastes({ ids, withContent: true }, options)).pastes;
    } catch (err) {
      if (ids.length < 2 || errorDetail(err)?.reason !== Reason.REPLY_TOO_LARGE) throw err;
      const half = ids.length >> 1;
      const parts = await Promise.all([fetchPastes(ids.slice(0, half)), fetchPastes(ids.slice(half))]);
      return parts.flat();
    }
  };
  return new DataLoader<string, PasteView | null>(
    async (ids) => {
      const cached = ids.map((id) => hotCache.get(id));
      // The shared loader does not de-duplicate (it has no cache): many readers of one paste ask for it once.
      const misses = [...new Set(ids.filter((_, i) => !cached[i]))];
      const found = new Map<string, PasteView>();
      if (misses.length > 0) {
        for (const p of await fetchPastes(misses)) {
          const view = toPasteView(p);
          found.set(view.id, view);
          hotCache.offer(view);
        }
      }
      return ids.map((id, i) => {
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

export type PasteLoader = ReturnType<typeof createPasteLoader>;
