import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createLogger, createMetrics } from '@pastemesh/kit/observability';
import { createRedis, redisReady, type Redis } from '@pastemesh/kit/storage';
import { REDIS_TEST_URL, requireRedis } from '@pastemesh/kit/testing';
import { loadGatewayConfig } from './config.js';
import { createRateLimits, type RateLimits } from './rate-limit.js';

const logger = createLogger('rate-limit-test', 'silent');

describe('create and sign-in limits (real Redis)', () => {
  let redis: Redis;
  beforeAll(async () => {
    await requireRedis();
    redis = createRedis(REDIS_TEST_URL, logger, 'rate-limit-test');
    await redisReady(redis);
  });
  afterAll(() => redis.disconnect());

  /** Two gateway replicas' limits on one Redis, under a prefix of their own. */
  function replicas(createsPerMinute: number) {
    const prefix = `pm:test:limits:${randomUUID()}`;
    const config = loadGatewayConfig({
      RATE_LIMIT_KEY_PREFIX: prefix,
      RATE_LIMIT_CREATES_PER_MIN: String(createsPerMinute),
    });
    const make = () => createRateLimits(config, redis, createMetrics('gateway'), logger);
    return { a: make(), b: make(), prefix };
  }
  /** Each consume's outcome, in the order they were asked. */
  const outcomes = (calls: Promise<void>[]) =>
    Promise.all(
      calls.map((c) =>
        c.then(
          () => 'ok',
          (err: { rawMessage?: string }) => (err.rawMessage?.startsWith('too many create') ? 'limited' : String(err)),
        ),
      ),
    );

  it('answers the creates one client asks for in one turn in order, with one script call per key', async () => {
    const { a, prefix } = replicas(5);
    const pipeline = jest.spyOn(redis, 'pipeline');
    try {
      const results = await outcomes([
        ...Array.from({ length: 8 }, () => a.consume('create', ['ip:1'])),
        a.consume('create', ['ip:2']),
      ]);
      expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'limited', 'limited', 'limited', 'ok']);
      // One pipeline for the turn, holding one call for ip:1's eight creates and one for ip:2's.
      expect(pipeline).toHaveBeenCalledTimes(1);
      expect((pipeline.mock.results[0]!.value as { length: number }).length).toBe(2);
    } finally {
      pipeline.mockRestore();
    }
    // Every create counted, refused ones too, as eight calls in a row would have.
    expect(await redis.get(`${prefix}:create:ip:1`)).toBe('8');
    expect(Number(await redis.pttl(`${prefix}:create:ip:1`))).toBeGreaterThan(55_000);
    expect(await redis.get(`${prefix}:create:ip:2`)).toBe('1');
  });

  it('stays exact across replicas and turns', async () => {
    const { a, b } = replicas(6);
    const first = await outcomes([a.consume('create', ['ip:1']), a.consume('create', ['ip:1'])]);
    const second = await outcomes([
      ...Array.from({ length: 3 }, () => b.consume('create', ['ip:1'])),
      ...Array.from({ length: 3 }, () => a.consume('create', ['ip:1'])),
    ]);
    expect(first).toEqual(['ok', 'ok']);
    expect(second.filter((r) => r === 'ok')).toHaveLength(4);
    expect(second.filter((r) => r === 'limited')).toHaveLength(2);
    expect(await outcomes([b.consume('create', ['ip:1'])])).toEqual(['limited']);
  });

  it('limits each key of a request: a user over their limit is refused from a fresh address', async () => {
    const { a } = replicas(2);
    const limits: RateLimits = a;
    expect(
      await outcomes([
        limits.consume('create', ['ip:1', 'user:u']),
        limits.consume('create', ['ip:2', 'user:u']),
        limits.consume('create', ['ip:3', 'user:u']),
      ]),
    ).toEqual(['ok', 'ok', 'limited']);
  });
});
