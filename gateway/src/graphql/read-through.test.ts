import { describe, expect, it } from '@jest/globals';
import { createLogger, createMetrics } from '@pastemesh/kit';
import { eventually } from '@pastemesh/kit/testing';
import { createReadThroughCache } from './read-through.js';

const logger = createLogger('read-through-test', 'silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
      await sleep(5);
      if (failing) throw new Error('owner unavailable');
      return new Map(ids.map((id) => [id, { v: `${id}@${generation}` }]));
    },
  };
}

const values = (m: Map<string, { v: string }>) => Object.fromEntries([...m].map(([k, x]) => [k, x.v]));

describe('read-through cache', () => {
  it('asks only for what it does not hold, in one call', async () => {
    const cache = createReadThroughCache<{ v: string }>({ name: 't1', enabled: true, max: 100, ttlMs: 60_000, metrics: createMetrics('rt1'), logger });
    const o = owner();
    expect(values(await cache.load(['a', 'b'], o.fetch))).toEqual({ a: 'a@1', b: 'b@1' });
    expect(values(await cache.load(['a', 'b', 'c'], o.fetch))).toEqual({ a: 'a@1', b: 'b@1', c: 'c@1' });
    expect(values(await cache.load(['c', 'a'], o.fetch))).toEqual({ c: 'c@1', a: 'a@1' });
    expect(o.calls).toEqual([['a', 'b'], ['c']]);
  });

  it('answers an expired entry at once and refreshes it in the background, once however many readers ask', async () => {
    const cache = createReadThroughCache<{ v: string }>({ name: 't2', enabled: true, max: 100, ttlMs: 30, staleMs: 60_000, metrics: createMetrics('rt2'), logger });
    const o = owner();
    await cache.load(['a'], o.fetch);
    o.bump();
    await sleep(60);
    const [first, second] = await Promise.all([cache.load(['a'], o.fetch), cache.load(['a'], o.fetch)]);
    expect([values(first), values(second)]).toEqual([{ a: 'a@1' }, { a: 'a@1' }]);
    expect(o.calls).toEqual([['a'], ['a']]);
    await eventually(async () => values(await cache.load(['a'], o.fetch))['a'] === 'a@2', 2_000, 10);
    expect(o.calls).toHaveLength(2);
  });

  it('sends stale entries along with misses in one awaited call', async () => {
    const cache = createReadThroughCache<{ v: string }>({ name: 't3', enabled: true, max: 100, ttlMs: 30, staleMs: 60_000, metrics: createMetrics('rt3'), logger });
    const o = owner();
    await cache.load(['a'], o.fetch);
    o.bump();
    await sleep(60);
    expect(values(await cache.load(['a', 'b'], o.fetch))).toEqual({ a: 'a@2', b: 'b@2' });
    expect(o.calls).toEqual([['a'], ['b', 'a']]);
  });

  it('forgets stale entries whose refresh failed, so the next reader sees the failure', async () => {
    const cache = createReadThroughCache<{ v: string }>({ name: 't4', enabled: true, max: 100, ttlMs: 30, staleMs: 60_000, metrics: createMetrics('rt4'), logger });
    const o = owner();
    await cache.load(['a'], o.fetch);
    await sleep(60);
    o.fail(true);
    expect(values(await cache.load(['a'], o.fetch))).toEqual({ a: 'a@1' });
    await eventually(() => o.calls.length === 2, 2_000, 10);
    await sleep(20);
    await expect(cache.load(['a'], o.fetch)).rejects.toThrow('owner unavailable');
  });

  it('forgets an entry the owner no longer answers for after a refresh', async () => {
    const cache = createReadThroughCache<{ v: string }>({ name: 't7', enabled: true, max: 100, ttlMs: 30, staleMs: 60_000, metrics: createMetrics('rt7'), logger });
    let known = true;
    const calls: string[][] = [];
    const fetch = async (ids: string[]) => {
      calls.push([...ids]);
      return new Map(known ? ids.map((id) => [id, { v: id }] as const) : []);
    };
    await cache.load(['a'], fetch);
    await sleep(60);
    known = false;
    expect(values(await cache.load(['a'], fetch))).toEqual({ a: 'a' });
    await eventually(() => calls.length === 2, 2_000, 10);
    await sleep(20);
    expect(values(await cache.load(['a'], fetch))).toEqual({});
    expect(calls).toEqual([['a'], ['a'], ['a']]);
  });

  it('treats an entry past its TTL and stale window as missing (the reader waits for a fresh value)', async () => {
    const cache = createReadThroughCache<{ v: string }>({ name: 't5', enabled: true, max: 100, ttlMs: 20, staleMs: 20, metrics: createMetrics('rt5'), logger });
    const o = owner();
    await cache.load(['a'], o.fetch);
    o.bump();
    await sleep(100);
    expect(values(await cache.load(['a'], o.fetch))).toEqual({ a: 'a@2' });
  });

  it('passes every id through when disabled or with a TTL of 0', async () => {
    for (const options of [{ enabled: false, ttlMs: 1_000 }, { enabled: true, ttlMs: 0 }]) {
      const cache = createReadThroughCache<{ v: string }>({ name: 't6', max: 100, metrics: createMetrics('rt6'), logger, ...options });
      const o = owner();
      await cache.load(['a', 'a', 'b'], o.fetch);
      await cache.load(['a'], o.fetch);
      expect(o.calls).toEqual([['a', 'b'], ['a']]);
    }
  });
});
