import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Counter } from 'prom-client';
import { Code, Reason, appError, type Metrics, type Redis } from '@pastemesh/kit';
import type { GatewayConfig } from './config.js';

/** Limits are kept separately for reads, creates and sign-ins (logins and registrations). */
export type RateScope = 'read' | 'create' | 'login';

/** Per-scope limiters keyed by IP and by user/API key. */
export interface RateLimits {
  /** Takes one point from each key (e.g. `ip:1.2.3.4`, `user:<id>`); throws RATE_LIMITED naming when to retry. */
  consume(scope: RateScope, keys: string[]): Promise<void>;
}

/**
 * Builds the limiters: Redis-backed (shared by every gateway replica) with an
 * in-memory insurance limiter that takes over while Redis is down, or memory
 * only in the embedded default.
 */
export function createRateLimits(config: GatewayConfig, redis: Redis | undefined, metrics: Metrics): RateLimits {
  const rejections = new Counter({
    name: 'rate_limit_rejections_total',
    help: 'Requests refused by a rate limit, by scope',
    labelNames: ['scope'],
    registers: [metrics.registry],
  });
  const perMinute: Record<RateScope, number> = {
    read: config.RATE_LIMIT_READS_PER_MIN,
    create: config.RATE_LIMIT_CREATES_PER_MIN,
    login: config.RATE_LIMIT_LOGINS_PER_MIN,
  };
  const limiters = Object.fromEntries(
    (Object.keys(perMinute) as RateScope[]).map((scope) => {
      const base = { keyPrefix: `pm:rl:${scope}`, points: perMinute[scope], duration: 60 };
      const memory = new RateLimiterMemory(base);
      const limiter: RateLimiterAbstract = redis
        ? new RateLimiterRedis({ ...base, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory })
        : memory;
      return [scope, limiter];
    }),
  ) as Record<RateScope, RateLimiterAbstract>;

  return {
    async consume(scope, keys) {
      for (const key of keys) {
        try {
          await limiters[scope].consume(key);
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          rejections.inc({ scope });
          const retryAfterSeconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
          throw appError(Code.ResourceExhausted, Reason.RATE_LIMITED, `too many ${scope} requests: retry in ${retryAfterSeconds} s`, {
            retryAfterSeconds,
            limit: perMinute[scope],
          });
        }
      }
    },
  };
}
