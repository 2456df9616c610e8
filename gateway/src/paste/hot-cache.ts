import { LRUCache } from 'lru-cache';
import { Counter } from 'prom-client';
import type { Metrics, Logger } from '@pastemesh/kit/observability';
import type { PubSub } from '@pastemesh/kit/storage';
import { isExpired, type PasteView } from './paste.view.js';
import { PASTE_INVALIDATE_CHANNEL } from '@pastemesh/kit/storage';

/** In-process copies of PUBLIC and UNLISTED pastes (latest version), so hot reads skip the hop. */
export interface HotCache {
  get(id: string): PasteView | undefined;
  /** Keeps the paste if it may be cached: never PRIVATE, burn-after-read, or without content. */
  offer(view: PasteView): void;
  invalidate(id: string): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface HotCacheOptions {
  enabled: boolean;
  maxBytes: number;
  ttlMs: number;
  pubsub: PubSub;
  metrics: Metrics;
  logger: Logger;
  /** The clock TTLs and paste expiry are judged by, in ms (tests move a fake one). Default Date.now. */
  now?: () => number;
}

/**
 * Builds the hot cache. Entries live at most `ttlMs` and never past the paste's
 * expiry; every replica drops an entry as soon as paste-svc announces a change
 * (Redis pub/sub), and this replica drops it at once when the change went through it.
 */
export function createHotCache(options: HotCacheOptions): HotCache {
  const requests = new Counter({
    name: 'gateway_hot_cache_requests_total',
    help: 'Gateway in-process paste cache lookups by result',
    labelNames: ['result'],
    registers: [options.metrics.registry],
  });
  const now = options.now ?? Date.now;
  const lru = new LRUCache<string, PasteView>({
    maxSize: options.maxBytes,
    sizeCalculation: (v) => (v.content?.length ?? 0) * 2 + 512,
    ttl: options.ttlMs,
    // An injected clock ages entries too (ttlResolution 0: no real-time debounce of reads of it); unset,
    // lru-cache keeps its own clock.
    ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
  });
  // Bound children: label objects built once per result (prom-client 15 still hashes them on every call).
  const hit = requests.labels({ result: 'hit' });
  const miss = requests.labels({ result: 'miss' });
  // Both series at 0 from the start, so the hit-ratio panel's rate() sees the first lookups.
  hit.inc(0);
  miss.inc(0);
  let unsubscribe: (() => Promise<void>) | undefined;
  if (!options.enabled) {
    return { get: () => undefined, offer: () => {}, invalidate: () => {}, start: async () => {}, stop: async () => {} };
  }
  return {
    get(id) {
      const view = lru.get(id);
      if (view && isExpired(view, now())) {
        lru.delete(id);
        miss.inc();
        return undefined;
      }
      (view ? hit : miss).inc();
      return view;
    },
    offer(view) {
      if (
        view.visibility === 'PRIVATE' ||
        view.burnAfterRead ||
        view.content === null ||
        view.version !== view.latestVersion
      )
        return;
      const ttl = view.expiresAt ? Math.min(options.ttlMs, view.expiresAt.getTime() - now()) : options.ttlMs;
      if (ttl > 0) lru.set(view.id, view, { ttl });
    },
    invalidate(id) {
      lru.delete(id);
    },
    async start() {
      unsubscribe = await options.pubsub.subscribe(PASTE_INVALIDATE_CHANNEL, (id) => lru.delete(id));
    },
    async stop() {
      await unsubscribe?.();
      lru.clear();
    },
  };
}
