import { LRUCache } from 'lru-cache';
import type { Redis } from './redis.js';
import type { Logger } from '../observability/logger.js';
import { counterOnce, type Metrics } from '../observability/metrics.js';

/** A byte cache with per-entry TTL. Failures never reach the caller: they count as misses. */
export interface ByteCache {
  get(key: string): Promise<Buffer | undefined>;
  /** Several keys in one round trip (Redis MGET); the answer is in the order asked. */
  getMany(keys: string[]): Promise<(Buffer | undefined)[]>;
  set(key: string, value: Buffer, ttlMs: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
}

export interface ByteCacheOptions {
  /** Label for metrics and key namespace, e.g. "paste". */
  name: string;
  /** Redis when configured; otherwise an in-process LRU. */
  redis?: Redis | undefined;
  /** In-process bound, in bytes. */
  maxBytes?: number;
  metrics: Metrics;
  logger: Logger;
}

function cacheCounters({ registry }: Metrics) {
  return {
    requests: counterOnce(registry, {
      name: 'cache_requests_total',
      help: 'Cache lookups by result (hit, miss, error)',
      labelNames: ['cache', 'result'],
    }),
    evictions: counterOnce(registry, {
      name: 'cache_evictions_total',
      help: 'Entries evicted from an in-process cache to stay within its bound',
      labelNames: ['cache'],
    }),
    errors: counterOnce(registry, {
      name: 'cache_errors_total',
      help: 'Cache operations that failed (Redis down or slow); the caller fell back',
      labelNames: ['cache', 'op'],
    }),
  };
}

/** Builds a ByteCache on Redis or, without Redis, an LRU bounded by bytes. */
export function createByteCache(options: ByteCacheOptions): ByteCache {
  const { requests, evictions, errors } = cacheCounters(options.metrics);
  const name = options.name;
  const prefix = `pm:${name}:`;
  // Every result at 0 from the start, so the hit-ratio panel's rate() sees the first lookups.
  for (const result of ['hit', 'miss', 'error']) requests.inc({ cache: name, result }, 0);
  if (options.redis) {
    const redis = options.redis;
    const failed = (op: string, err: unknown) => {
      errors.inc({ cache: name, op });
      options.logger.debug({ err: String(err), op, cache: name }, 'cache operation failed');
    };
    return {
      async get(key) {
        try {
          const value = await redis.getBuffer(prefix + key);
          requests.inc({ cache: name, result: value ? 'hit' : 'miss' });
          return value ?? undefined;
        } catch (err) {
          requests.inc({ cache: name, result: 'error' });
          failed('get', err);
          return undefined;
        }
      },
      async getMany(keys) {
        if (keys.length === 0) return [];
        try {
          const values = await redis.mgetBuffer(...keys.map((k) => prefix + k));
          let hits = 0;
          const found = values.map((v) => (v ? (hits++, v) : undefined));
          if (hits > 0) requests.inc({ cache: name, result: 'hit' }, hits);
          if (hits < keys.length) requests.inc({ cache: name, result: 'miss' }, keys.length - hits);
          return found;
        } catch (err) {
          requests.inc({ cache: name, result: 'error' }, keys.length);
          failed('getMany', err);
          return keys.map(() => undefined);
        }
      },
      async set(key, value, ttlMs) {
        if (ttlMs <= 0) return;
        try {
          await redis.set(prefix + key, value, 'PX', Math.ceil(ttlMs));
        } catch (err) {
          failed('set', err);
        }
      },
      async delete(...keys) {
        if (keys.length === 0) return;
        try {
          await redis.del(...keys.map((k) => prefix + k));
        } catch (err) {
          failed('delete', err);
          throw err;
        }
      },
    };
  }
  const lru = new LRUCache<string, Buffer>({
    maxSize: options.maxBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (v, k) => v.length + k.length + 64,
    ttlAutopurge: false,
    dispose: (_v, _k, reason) => {
      if (reason === 'evict') evictions.inc({ cache: name });
    },
  });
  return {
    async get(key) {
      const value = lru.get(key);
      requests.inc({ cache: name, result: value ? 'hit' : 'miss' });
      return value;
    },
    async getMany(keys) {
      return keys.map((key) => {
        const value = lru.get(key);
        requests.inc({ cache: name, result: value ? 'hit' : 'miss' });
        return value;
      });
    },
    async set(key, value, ttlMs) {
      if (ttlMs > 0) lru.set(key, value, { ttl: Math.ceil(ttlMs) });
    },
    async delete(...keys) {
      for (const k of keys) lru.delete(k);
    },
  };
}
