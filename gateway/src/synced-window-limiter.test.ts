import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@pastemesh/kit/observability';
import { createRedis, redisReady, type Redis } from '@pastemesh/kit/storage';
import { REDIS_TEST_URL, requireRedis } from '@pastemesh/kit/testing';
import { createSyncedWindowLimiter } from './synced-window-limiter.js';

const logger = createLogger('limiter-test', 'silent');
const MINUTE = 60_000;

describe('synced window limiter (real Redis)', () => {
  let redis: Redis;
  beforeAll(async () => {
    await requireRedis();
    redis = createRedis(REDIS_TEST_URL, logger, 'limiter-test');
    await redisReady(redis);
  });
  afterAll(() => redis.disconnect());

  /** Two "replicas" sharing one prefix and one clock. */
  function replicas(points: number, clock: { t: number }) {
    const keyPrefix = `pm:test:rl:${randomUUID()}`;
    const make = () =>
      createSyncedWindowLimiter({
        redis,
        keyPrefix,
        points,
        windowMs: MINUTE,
        syncMs: 10_000,
        logger,
        now: () => clock.t,
      });
    return { a: make(), b: make(), keyPrefix };
  }
  const allowed = (limiter: ReturnType<typeof createSyncedWindowLimiter>, key: string, n: number) =>
    Array.from({ length: n }, () => limiter.consume(key)).filter((d) => d.allowed).length;

  it('allows exactly the limit on one replica, then refuses with the time left in the window', () => {
    const clock = { t: 10 * MINUTE + 15_000 };
    const { a } = replicas(5, clock);
    expect(allowed(a, 'ip:1', 5)).toBe(5);
    expect(a.consume('ip:1')).toEqual({ allowed: false, msBeforeNext: 45_000 });
    expect(allowed(a, 'ip:2', 1)).toBe(1);
  });

  it('shares counts through Redis: a replica that synced sees what the other counted', async () => {
    const clock = { t: 20 * MINUTE };
    const { a, b, keyPrefix } = replicas(10, clock);
    expect(allowed(a, 'ip:1', 6)).toBe(6);
    await a.sync();
    expect(await redis.get(`${keyPrefix}:ip:1:20`)).toBe('6');
    expect(allowed(b, 'ip:1', 1)).toBe(1);
    await b.sync();
    // b now knows the total is 7: three more, then refused.
    expect(allowed(b, 'ip:1', 5)).toBe(3);
    expect(await redis.pttl(`${keyPrefix}:ip:1:20`)).toBeGreaterThan(MINUTE);
  });

  it('starts a new window on the minute', async () => {
    const clock = { t: 30 * MINUTE + 59_000 };
    const { a } = replicas(2, clock);
    expect(allowed(a, 'ip:1', 3)).toBe(2);
    clock.t += 1_000;
    expect(allowed(a, 'ip:1', 3)).toBe(2);
  });

  it('counts per replica while Redis is down and never waits or throws', async () => {
    const down = createRedis('redis://127.0.0.1:1', logger, 'limiter-down');
    try {
      const limiter = createSyncedWindowLimiter({
        redis: down,
        keyPrefix: 'pm:test:rl:down',
        points: 3,
        windowMs: MINUTE,
        syncMs: 10,
        logger,
      });
      expect(allowed(limiter, 'ip:1', 5)).toBe(3);
      await limiter.sync();
      expect(allowed(limiter, 'ip:1', 1)).toBe(0);
      await limiter.close();
    } finally {
      down.disconnect();
    }
  });

  it('remembers a bounded number of keys under a flood of distinct clients', () => {
    const limiter = createSyncedWindowLimiter({
      keyPrefix: 'pm:test:rl:mem',
      points: 3,
      windowMs: MINUTE,
      maxKeys: 1_000,
      logger,
    });
    for (let i = 0; i < 10_000; i++) limiter.consume(`ip:${i}`);
    expect(limiter.size()).toBeLessThanOrEqual(1_000);
    expect(allowed(limiter, 'ip:9999', 5)).toBe(2);
  });
});
