import { LRUCache } from 'lru-cache';
import { counterOnce, type Logger, type Metrics } from '@pastemesh/kit/observability';

/** A bounded in-process copy of values another service owns, keyed by id, in front of a batch call. */
export interface ReadThroughCache<V extends object> {
  /**
   * Answers `ids` from the cache and asks `fetch` for the rest only (no call when nothing is missing); keeps
   * what it returns. Entries past their TTL but younger than `staleMs` are answered as they are and refreshed
   * in the background, so a reader never waits for a refresh.
   */
  load(ids: readonly string[], fetch: (misses: string[]) => Promise<Map<string, V>>): Promise<Map<string, V>>;
}

export interface ReadThroughOptions {
  /** Label in gateway_cache_requests_total. */
  name: string;
  enabled: boolean;
  max: number;
  ttlMs: number;
  /** How long past its TTL an entry may still be answered while it is refreshed (0: never). */
  staleMs?: number;
  metrics: Metrics;
  logger: Logger;
  /** The clock entries are aged by, in ms (tests move a fake one). Default Date.now. */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  fetchedAt: number;
}

/** Builds a read-through cache; disabled (or a TTL of 0) it passes every id to `fetch`. */
export function createReadThroughCache<V extends object>(options: ReadThroughOptions): ReadThroughCache<V> {
  if (!options.enabled || options.ttlMs <= 0) {
    return { load: (ids, fetch) => fetch([...new Set(ids)]) };
  }
  const requests = counterOnce(options.metrics.registry, {
    name: 'gateway_cache_requests_total',
    help: 'Gateway in-process cache lookups (user profiles, stats totals) by cache and result (hit, stale, miss)',
    labelNames: ['cache', 'result'],
  });
  const hit = requests.labels({ cache: options.name, result: 'hit' });
  const stale = requests.labels({ cache: options.name, result: 'stale' });
  const miss = requests.labels({ cache: options.name, result: 'miss' });
  const now = options.now ?? Date.now;
  // An injected clock ages lru-cache's entries too (its `perf`; ttlResolution 0: no real-time debounce of reads
  // of it), so an entry past TTL + stale window is gone by that clock. Unset, lru-cache keeps its own clock.
  const clock = options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {};
  const lru = new LRUCache<string, Entry<V>>({
    max: options.max,
    ttl: options.ttlMs + (options.staleMs ?? 0),
    ...clock,
  });
  // Ids being refreshed in the background: one refresh each at a time, however many readers see them stale.
  const refreshing = new Set<string>();

  const keep = (values: Map<string, V>, into?: Map<string, V>) => {
    const fetchedAt = now();
    for (const [id, value] of values) {
      lru.set(id, { value, fetchedAt });
      into?.set(id, value);
    }
  };

  function refresh(ids: string[], fetch: (misses: string[]) => Promise<Map<string, V>>): void {
    for (const id of ids) refreshing.add(id);
    fetch(ids)
      .then((values) => {
        keep(values);
        // The owner no longer knows these: drop them rather than refresh them on every read until they age out.
        for (const id of ids) if (!values.has(id)) lru.delete(id);
      })
      .catch((err: unknown) => {
        // The owner is unreachable: forget the stale copies, so readers see the failure instead of old values.
        for (const id of ids) lru.delete(id);
        options.logger.debug({ err: String(err), cache: options.name }, 'background refresh failed');
      })
      .finally(() => {
        for (const id of ids) refreshing.delete(id);
      });
  }

  return {
    async load(ids, fetch) {
      const found = new Map<string, V>();
      const misses = new Set<string>();
      const expired: string[] = [];
      const at = now();
      for (const id of ids) {
        const entry = lru.get(id);
        if (!entry) misses.add(id);
        else {
          found.set(id, entry.value);
          if (at - entry.fetchedAt >= options.ttlMs && !refreshing.has(id)) expired.push(id);
        }
      }
      hit.inc(ids.length - misses.size - expired.length);
      stale.inc(expired.length);
      if (misses.size === 0) {
        if (expired.length > 0) refresh(expired, fetch);
        return found;
      }
      miss.inc(misses.size);
      // One call: the stale ones ride along with the misses.
      keep(await fetch([...misses, ...expired]), found);
      return found;
    },
  };
}
