import type { Logger } from '@pastemesh/kit/observability';
import type { Redis } from '@pastemesh/kit/storage';

export interface SyncedWindowLimiterOptions {
  /** Shared counts; without it the limiter counts in this process only (the embedded default). */
  redis?: Redis | undefined;
  /** Redis key prefix, e.g. `pm:rl:read`. */
  keyPrefix: string;
  /** Points per window per key. */
  points: number;
  windowMs: number;
  /** How often this replica adds its counts to Redis and learns the totals. Default 100 ms. */
  syncMs?: number;
  /** Keys remembered at most (a flood of distinct IPs must not grow memory without bound). Default 100,000. */
  maxKeys?: number;
  logger: Logger;
  now?: () => number;
}

/** The outcome of one consume. */
export type LimitDecision = { allowed: true } | { allowed: false; msBeforeNext: number };

/** The one "allowed" decision: every request takes one, so it is not built per request. */
const ALLOWED: LimitDecision = Object.freeze({ allowed: true });

interface KeyState {
  window: number;
  /** The shared count as Redis last answered it (this replica's synced points included). */
  total: number;
  /** Points taken here since the last successful sync. */
  unsent: number;
}

/**
 * A fixed-window limiter that decides in memory and shares counts through
 * Redis in the background: every `syncMs` each replica adds what it counted
 * (one pipelined INCRBY per key touched) and learns the totals. A request
 * never waits on Redis; the price is that replicas may together overshoot a
 * limit by what the others counted during one sync interval. While Redis is
 * down the counts stay local (each replica enforces the limit on its own) and
 * are added once it is back.
 */
export function createSyncedWindowLimiter(options: SyncedWindowLimiterOptions) {
  const now = options.now ?? Date.now;
  const syncMs = options.syncMs ?? 100;
  const maxKeys = options.maxKeys ?? 100_000;
  const { points, windowMs, redis, logger } = options;
  const states = new Map<string, KeyState>();
  const dirty = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  let redisFailing = false;

  function stateOf(key: string, window: number): KeyState {
    let state = states.get(key);
    if (state?.window === window) return state;
    if (state) states.delete(key);
    if (states.size >= maxKeys) forgetOldest(window);
    state = { window, total: 0, unsent: 0 };
    states.set(key, state);
    return state;
  }

  /** Drops past windows first, then (still full) the least recently created keys. */
  function forgetOldest(window: number): void {
    for (const [key, s] of states) if (s.window < window) states.delete(key);
    for (const key of states.keys()) {
      if (states.size < maxKeys) break;
      states.delete(key);
      dirty.delete(key);
    }
  }

  function schedule(): void {
    if (timer || !redis) return;
    timer = setTimeout(() => {
      timer = undefined;
      void sync();
    }, syncMs);
    timer.unref();
  }

  async function pushCounts(): Promise<void> {
    const keys = [...dirty];
    dirty.clear();
    const sent = keys.map((key) => {
      const state = states.get(key);
      return state ? { key, state, count: state.unsent } : undefined;
    });
    const pipeline = redis!.pipeline();
    for (const s of sent) {
      if (!s || s.count === 0) continue;
      const redisKey = `${options.keyPrefix}:${s.key}:${s.state.window}`;
      pipeline.incrby(redisKey, s.count);
      pipeline.pexpire(redisKey, windowMs * 2);
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      let i = 0;
      for (const s of sent) {
        if (!s || s.count === 0) continue;
        const [err, total] = results[i] ?? [new Error('no reply')];
        i += 2;
        if (err) throw err;
        s.state.unsent -= s.count;
        s.state.total = Number(total);
      }
      if (redisFailing) logger.info({ limiter: options.keyPrefix }, 'rate limit counts shared through redis again');
      redisFailing = false;
    } catch (err) {
      if (!redisFailing)
        logger.warn(
          { err: String(err), limiter: options.keyPrefix },
          'redis unavailable: rate limits count per replica',
        );
      redisFailing = true;
      // The points stay unsent and are added on a later sync.
      for (const s of sent) if (s && s.state.unsent > 0 && states.get(s.key) === s.state) dirty.add(s.key);
    }
    if (dirty.size > 0) schedule();
  }

  function sync(): Promise<void> {
    if (!redis || dirty.size === 0) return syncing ?? Promise.resolve();
    syncing ??= pushCounts().finally(() => (syncing = undefined));
    return syncing;
  }

  return {
    /** Takes one point from `key` if its window has one left; never waits. */
    consume(key: string): LimitDecision {
      const at = now();
      const window = Math.floor(at / windowMs);
      const state = stateOf(key, window);
      if (state.total + state.unsent >= points) return { allowed: false, msBeforeNext: (window + 1) * windowMs - at };
      state.unsent++;
      if (redis) {
        dirty.add(key);
        schedule();
      }
      return ALLOWED;
    },
    /** Whether `key` has points left, without taking one. */
    check(key: string): LimitDecision {
      const at = now();
      const window = Math.floor(at / windowMs);
      const state = states.get(key);
      if (state?.window !== window || state.total + state.unsent < points) return ALLOWED;
      return { allowed: false, msBeforeNext: (window + 1) * windowMs - at };
    },
    /** Shares the counts now (tests, shutdown). */
    sync,
    /** Keys currently remembered (tests). */
    size: () => states.size,
    async close(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      await sync().catch(() => undefined);
    },
  };
}

export type SyncedWindowLimiter = ReturnType<typeof createSyncedWindowLimiter>;
