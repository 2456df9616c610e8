import { describe, expect, it } from '@jest/globals';
import { createLogger, createMetrics } from '@pastemesh/kit/observability';
import { createReadThroughCache, type ReadThroughOptions } from './read-through.js';

const logger = createLogger('read-through-test', 'silent');

/** A clock the test moves by hand (never 0: lru-cache treats a start time of 0 as "no TTL"). */
function fakeClock() {
  const clock = { t: 1_000_000, now: () => clock.t, advance: (ms: number) => void (clock.t += ms) };
  return clock;
}

/** Lets every settled promise's callbacks run (the cache's background refresh bookkeeping): no wall-clock wait. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A stand-in for a batch RPC: answers `${id}@${generation}` and records every call's ids. */
function owner() {
  const calls: string[][] = [];
  let generation = 1;
  let failing = false;
  return {
    calls,
    bump: () => void generation++,
    fail: (on: boolean) => void (failing = on),
    fetch: async (ids: string[]) => {
      calls.push([...ids]);
      await settle();
      if (failing) throw new Error('owner unavailable');
      return new Map(ids.map((id) => [id, { v: `${id}@${generation}` }]));
    },
  };
}

const values = (m: Map<string, { v: string }>) => Object.fromEntries([...m].map(([k, x]) => [k, x.v]));

/** A cache on a fake clock. */
function cacheOn(
  clock: ReturnType<typeof fakeClock>,
  options: Pick<ReadThroughOptions, 'name' | 'ttlMs'> & Partial<ReadThroughOptions>,
) {
  return createReadThroughCache<{ v: string }>({
    enabled: true,
    max: 100,
    metrics: createMetrics(options.name),
    logger,
    now: clock.now,
    ...options,
  });
}

describe('read-through cache', () => {
  it('asks only for what it does not hold, in one call', async () => {
    const cache = cacheOn(fakeClock(), { name: 'rt1', ttlMs: 60_000 });
    const o = owner();
    expect(values(await cache.load(['a', 'b'], o.fetch))).toEqual({ a: 'a@1', b: 'b@1' });
    expect(values(await cache.load(['a', 'b', 'c'], o.fetch))).toEqual({ a: 'a@1', b: 'b@1', c: 'c@1' });
    expect(values(await cache.load(['c', 'a'], o.fetch))).toEqual({ c: 'c@1', a: 'a@1' });
    expect(o.calls).toEqual([['a', 'b'], ['c']]);
  });

  it('answers from the cache until the TTL has passed', async () => {
    const clock = fakeClock();
    const cache = cacheOn(clock, { name: 'rt8', ttlMs: 1_000, staleMs: 60_000 });
    const o = owner();
    await cache.load(['a'], o.fetch);
    o.bump();
    clock.advance(999);
    expect(values(await cache.load(['a'], o.fetch))).toEqual({ a: 'a@1' });
    await settle();
    expect(o.calls).toEqual([['a']]);
  });

  it('answers an expired entry at once and refreshes it in the background, once however many readers ask', async () => {
    const clock = fakeClock();
    const cache = cacheOn(clock, { name: 'rt2', ttlMs: 1_000, staleMs: 60_000 });
    const o = owner();
    await cache.load(['a'], o.fetch);
    o.bump();
    clock.advance(1_000);
    const [first, second] = await Promise.all([cache.load(['a'], o.fetch), cache.load(['a'], o.fetch)]);
    expect([values(first), values(second)]).toEqual([{ a: 'a@1' }, { a: 'a@1' }]);
    expect(o.calls).toEqual([['a'], ['a']]);
    await settle();
    expect(values(await cache.load(['a'], o.fetch))).toEqual({ a: 'a@2' });
    expect(o.calls).toHaveLength(2);
  });

  it('sends stale entries along with misses in one awaited call', async () => {
    const clock = fakeClock();
    const cache = cacheOn(clock, { name: 'rt3', ttlMs: 1_000, staleMs: 60_000 });
    const o = owner();
    await cache.load(['a'], o.fetch);
    o.bump();
    clock.advance(2_000);
    expect(values(await cache.load(['a', 'b'], o.fetch))).toEqual({ a: 'a@2', b: 'b@2' });
    expect(o.calls).toEqual([['a'], ['b', 'a']]);
  });

  it('forgets stale entries whose refresh failed, so the next reader sees the failure', async () => {
    const clock = fakeClock();
    const cache = cacheOn(clock, { name: 'rt4', ttlMs: 1_000, staleMs: 60_000 });
    const o = owner();
    await cache.load(['a'], o.fetch);
    clock.advance(2_000);
    o.fail(true);
    expect(values(await cache.load(['a'], o.fetch))).toEqual({ a: 'a@1' });
    expect(o.calls).toHaveLength(2);
    await settle();
    await expect(cache.load(['a'], o.fetch)).rejects.toThrow('owner unavailable');
  });

  it('forgets an entry the owner no longer answers for after a refresh', async () => {
    const clock = fakeClock();
    const cache = cacheOn(clock, { name: 'rt7', ttlMs: 1_000, staleMs: 60_000 });
    let known = true;
    const calls: string[][] = [];
    const fetch = async (ids: string[]) => {
      calls.push([...ids]);
      return new Map(known ? ids.map((id) => [id, { v: id }] as const) : []);
    };
    await cache.load(['a'], fetch);
    clock.advance(2_000);
    known = false;
    expect(values(await cache.load(['a'], fetch))).toEqual({ a: 'a' });
    await settle();
    expect(values(await cache.load(['a'], fetch))).toEqual({});
    expect(calls).toEqual([['a'], ['a'], ['a']]);
  });

  it('treats an entry past its TTL and stale window as missing (the reader waits for a fresh value)', async () => {
    const clock = fakeClock();
    const cache = cacheOn(clock, { name: 'rt5', ttlMs: 1_000, staleMs: 1_000 });
    const o = owner();
    await cache.load(['a'], o.fetch);
    o.bump();
    clock.advance(2_001);
    expect(values(await cache.load(['a'], o.fetch))).toEqual({ a: 'a@2' });
    expect(o.calls).toEqual([['a'], ['a']]);
  });

  it('passes every id through when disabled or with a TTL of 0', async () => {
    for (const options of [
      { enabled: false, ttlMs: 1_000 },
      { enabled: true, ttlMs: 0 },
    ]) {
      const cache = createReadThroughCache<{ v: string }>({
        name: 't6',
        max: 100,
        metrics: createMetrics('rt6'),
        logger,
        ...options,
      });
      const o = owner();
      await cache.load(['a', 'a', 'b'], o.fetch);
      await cache.load(['a'], o.fetch);
      expect(o.calls).toEqual([['a', 'b'], ['a']]);
    }
  });

  it('ages entries by the real clock when given none', async () => {
    const cache = createReadThroughCache<{ v: string }>({
      name: 't9',
      enabled: true,
      max: 100,
      ttlMs: 60_000,
      metrics: createMetrics('rt9'),
      logger,
    });
    const o = owner();
    await cache.load(['a'], o.fetch);
    await cache.load(['a'], o.fetch);
    expect(o.calls).toEqual([['a']]);
  });
});
