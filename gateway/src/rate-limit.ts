import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Counter } from 'prom-client';
import { type Logger, type Metrics } from '@pastemesh/kit/observability';
import { ConnectError } from '@connectrpc/connect';
import { Code, Reason, appError } from '@pastemesh/kit/rpc';
import { type Redis } from '@pastemesh/kit/storage';
import type { GatewayConfig } from './config.js';
import { createSyncedWindowLimiter } from './synced-window-limiter.js';

/** Limits are kept separately for reads, creates and sign-ins (logins and registrations). */
export type RateScope = 'read' | 'create' | 'login';

/** Per-scope limiters keyed by IP and by user/API key. */
export interface RateLimits {
  /** Takes one point from each key (e.g. `ip:1.2.3.4`, `user:<id>`); throws RATE_LIMITED naming when to retry. */
  consume(scope: RateScope, keys: string[]): Promise<void>;
  /** Counts a request refused before any resolver ran (malformed, oversized) against its IP. */
  penalise(ip: string): void;
  /** RATE_LIMITED when `ip` sent too many such requests this minute (every request is refused, cheaply, until it ends). */
  checkPenalty(ip: string): void;
  /** Shares the last counts with the other replicas. */
  close(): Promise<void>;
}

/**
 * Builds the limiters. Reads, the gateway's volume, are decided in memory and
 * their counts shared through Redis every 100 ms (a Redis round trip per read
 * cost more than Apollo: bench/README.md). Creates and sign-ins are exact:
 * Redis-backed with an in-memory insurance limiter while Redis is down. The
 * embedded default counts in memory only.
 */
export function createRateLimits(
  config: GatewayConfig,
  redis: Redis | undefined,
  metrics: Metrics,
  logger: Logger,
): RateLimits {
  const rejections = new Counter({
    name: 'rate_limit_rejections_total',
    help: 'Requests refused by a rate limit, by scope (read, create, login; bad: an IP that sent too many malformed or oversized requests)',
    labelNames: ['scope'],
    registers: [metrics.registry],
  });
  // Every scope at 0 from the start, so rate() sees the first rejections.
  for (const scope of ['read', 'create', 'login', 'bad'] as const) rejections.inc({ scope }, 0);
  const perMinute: Record<RateScope, number> = {
    read: config.RATE_LIMIT_READS_PER_MIN,
    create: config.RATE_LIMIT_CREATES_PER_MIN,
    login: config.RATE_LIMIT_LOGINS_PER_MIN,
  };
  const limiters = Object.fromEntries(
    (['create', 'login'] as const).map((scope) => {
      const base = { keyPrefix: `${config.RATE_LIMIT_KEY_PREFIX}:${scope}`, points: perMinute[scope], duration: 60 };
      const memory = new RateLimiterMemory(base);
      const limiter: RateLimiterAbstract = redis
        ? new RateLimiterRedis({
            ...base,
            storeClient: pipelinedPerTurn(redis),
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
      return [scope, limiter];
    }),
  ) as Record<Exclude<RateScope, 'read'>, RateLimiterAbstract>;

  const reads = createSyncedWindowLimiter({
    redis,
    keyPrefix: `${config.RATE_LIMIT_KEY_PREFIX}:read`,
    points: perMinute.read,
    windowMs: 60_000,
    logger,
  });
  const badRequests = createSyncedWindowLimiter({
    redis,
    keyPrefix: `${config.RATE_LIMIT_KEY_PREFIX}:bad`,
    points: config.RATE_LIMIT_BAD_REQUESTS_PER_MIN,
    windowMs: 60_000,
    logger,
  });

  const rejectionsOf = {
    read: rejections.labels({ scope: 'read' }),
    create: rejections.labels({ scope: 'create' }),
    login: rejections.labels({ scope: 'login' }),
    bad: rejections.labels({ scope: 'bad' }),
  };
  /** The refusal last made per scope: every refusal of the same second shares it (it carries nothing else). */
  const refusals: Partial<Record<RateScope | 'bad', { retryAfterSeconds: number; error: ConnectError }>> = {};

  /**
   * The RATE_LIMITED error of a refusal. A refusal is expected, not a fault: it is made without a stack (graphql-js
   * copies an error's stack, and formatting one was a large part of what a refused read cost) and made once per
   * scope and second of Retry-After, so a flood of refused reads does not cost more than the reads it keeps out.
   */
  function limited(scope: RateScope | 'bad', msBeforeNext: number): ConnectError {
    rejectionsOf[scope].inc();
    const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    const last = refusals[scope];
    if (last?.retryAfterSeconds === retryAfterSeconds) return last.error;
    const what = scope === 'bad' ? 'malformed or oversized' : scope;
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const error = appError(
        Code.ResourceExhausted,
        Reason.RATE_LIMITED,
        `too many ${what} requests: retry in ${retryAfterSeconds} s`,
        {
          retryAfterSeconds,
          limit: scope === 'bad' ? config.RATE_LIMIT_BAD_REQUESTS_PER_MIN : perMinute[scope],
        },
      );
      refusals[scope] = { retryAfterSeconds, error };
      return error;
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }

  return {
    async consume(scope, keys) {
      for (const key of keys) {
        if (scope === 'read') {
          const decision = reads.consume(key);
          if (!decision.allowed) throw limited(scope, decision.msBeforeNext);
          continue;
        }
        try {
          await limiters[scope].consume(key);
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          throw limited(scope, err.msBeforeNext);
        }
      }
    },
    penalise(ip) {
      badRequests.consume(`ip:${ip}`);
    },
    checkPenalty(ip) {
      const decision = badRequests.check(`ip:${ip}`);
      if (!decision.allowed) throw limited('bad', decision.msBeforeNext);
    },
    close: async () => {
      await Promise.all([reads.close(), badRequests.close()]);
    },
  };
}

/** rate-limiter-flexible's ioredis script command (defined on the client by RateLimiterRedis). */
const SCRIPT = 'rlflxIncr';

interface Queued {
  args: string[];
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * The ioredis client RateLimiterRedis is given: its script calls made in one turn of the event loop go to Redis as
 * one pipeline, one socket write, dispatched in the check phase (after every request whose bytes arrived in the
 * poll phase has asked, as the gateway's batches of reads and creates are). A command per create, each its own
 * write, was the largest single item of the gateway's create profile (bench/README.md, "Creates in batches");
 * ioredis' own auto-pipelining flushes on the next tick, which comes after each request. Calls for one key in a
 * turn (a client creating in parallel) are one call taking all their points: see `coalesced`. Everything else
 * (readiness, MULTI for blocks and reads) is the client's.
 */
function pipelinedPerTurn(redis: Redis) {
  let queued: Queued[] = [];
  const flush = () => {
    const calls = coalesced(queued);
    queued = [];
    const pipeline = redis.pipeline() as unknown as Record<string, (args: string[]) => unknown> & {
      exec(): Promise<[Error | null, unknown][] | null>;
    };
    for (const call of calls) pipeline[SCRIPT]!(call.args);
    pipeline.exec().then(
      (results) => {
        for (const [i, call] of calls.entries()) {
          const [err, result] = results?.[i] ?? [new Error('redis answered no result'), undefined];
          call.settle(err, result);
        }
      },
      (err: unknown) => {
        for (const call of calls) call.settle(err, undefined);
      },
    );
  };
  return {
    get status() {
      return redis.status;
    },
    defineCommand(name: string, definition: { numberOfKeys: number; lua: string }) {
      // A rate-limiter-flexible that names its script otherwise would call a command this client does not batch:
      // fail at start-up, not with every create limited by the in-memory insurance limiter alone.
      if (name !== SCRIPT)
        throw new Error(`rate-limiter-flexible defines ${name}, not ${SCRIPT}: update pipelinedPerTurn`);
      redis.defineCommand(name, definition);
    },
    multi: () => redis.multi(),
    [SCRIPT](args: string[]) {
      return new Promise((resolve, reject) => {
        queued.push({ args, resolve, reject });
        if (queued.length === 1) setImmediate(flush);
      });
    },
  };
}

/** One script call of a flush, standing for one or more queued ones. */
interface Call {
  args: string[];
  settle(err: unknown, result: unknown): void;
}

/**
 * The turn's script calls, one per key and limit: the script adds its points to the key's count and answers the
 * new count and the key's TTL (`[key, points, secDuration, limit, duration]` in, `[count, ttlMs]` out). n calls for
 * one key become one call adding their sum, and each of them is answered the count its own points reached, as if
 * they had run one after another in the order they were made: the same counts, the same decisions (exact across
 * replicas, as before), one Lua call instead of n.
 */
function coalesced(batch: Queued[]): Call[] {
  const byKey = new Map<string, { key: string; limit: string[]; same: Queued[] }>();
  for (const q of batch) {
    const [key = '', , ...limit] = q.args;
    const id = `${key}\n${limit.join('\n')}`;
    let group = byKey.get(id);
    if (!group) byKey.set(id, (group = { key, limit, same: [] }));
    group.same.push(q);
  }
  return [...byKey.values()].map(({ key, limit, same }) => {
    const points = same.map((q) => Number(q.args[1]));
    const total = points.reduce((a, b) => a + b, 0);
    return {
      args: [key, String(total), ...limit],
      settle(err, result) {
        const [count, ttl] = Array.isArray(result) ? result : [];
        if (!err && typeof count !== 'number') err = new Error(`${SCRIPT} answered ${JSON.stringify(result)}`);
        if (err) {
          for (const q of same) q.reject(err);
          return;
        }
        let reached = (count as number) - total;
        for (const [i, q] of same.entries()) {
          reached += points[i]!;
          q.resolve([reached, ttl]);
        }
      },
    };
  });
}
