import { describe, expect, it } from '@jest/globals';
import { createLogger, createMetrics } from '@pastemesh/kit/observability';
import { PASTE_INVALIDATE_CHANNEL, createPubSub } from '@pastemesh/kit/storage';
import { createHotCache } from './hot-cache.js';
import type { PasteView } from './paste.view.js';

const logger = createLogger('hot-cache-test', 'silent');

/** A clock the test moves by hand (never 0: lru-cache treats a start time of 0 as "no TTL"). */
function fakeClock() {
  const clock = { t: Date.UTC(2026, 0, 1), now: () => clock.t, advance: (ms: number) => void (clock.t += ms) };
  return clock;
}

function view(id: string, overrides: Partial<PasteView> = {}): PasteView {
  const at = new Date(0);
  return {
    id,
    title: null,
    content: `content of ${id}`,
    language: 'plaintext',
    visibility: 'PUBLIC',
    createdAt: at,
    updatedAt: at,
    expiresAt: null,
    burnAfterRead: false,
    concealed: false,
    ownerId: null,
    sizeBytes: 12,
    sha256: 'x',
    version: 1,
    latestVersion: 1,
    ...overrides,
  };
}

function cacheOn(clock: ReturnType<typeof fakeClock>, ttlMs = 60_000) {
  const pubsub = createPubSub(undefined, logger);
  return {
    pubsub,
    cache: createHotCache({
      enabled: true,
      maxBytes: 1024 * 1024,
      ttlMs,
      pubsub,
      metrics: createMetrics('hot-cache-test'),
      logger,
      now: clock.now,
    }),
  };
}

describe('gateway hot cache', () => {
  it('keeps a public paste for the TTL, then asks again', () => {
    const clock = fakeClock();
    const { cache } = cacheOn(clock, 60_000);
    cache.offer(view('a'));
    clock.advance(60_000);
    expect(cache.get('a')?.id).toBe('a');
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
  });

  it('never answers a copy past the paste’s own expiry, however long the TTL', () => {
    const clock = fakeClock();
    const { cache } = cacheOn(clock, 60_000);
    cache.offer(view('soon', { expiresAt: new Date(clock.t + 5_000) }));
    clock.advance(4_999);
    expect(cache.get('soon')?.id).toBe('soon');
    clock.advance(1);
    expect(cache.get('soon')).toBeUndefined();
    cache.offer(view('gone', { expiresAt: new Date(clock.t) }));
    expect(cache.get('gone')).toBeUndefined();
  });

  it('keeps no private, burn-after-read, content-less or older-version paste', () => {
    const { cache } = cacheOn(fakeClock());
    cache.offer(view('p', { visibility: 'PRIVATE' }));
    cache.offer(view('b', { burnAfterRead: true }));
    cache.offer(view('m', { content: null }));
    cache.offer(view('v', { version: 1, latestVersion: 2 }));
    cache.offer(view('u', { visibility: 'UNLISTED' }));
    expect(['p', 'b', 'm', 'v', 'u'].map((id) => cache.get(id)?.id ?? null)).toEqual([null, null, null, null, 'u']);
  });

  it('drops a paste as soon as an invalidation is announced', async () => {
    const { cache, pubsub } = cacheOn(fakeClock());
    await cache.start();
    try {
      cache.offer(view('a'));
      await pubsub.publish(PASTE_INVALIDATE_CHANNEL, 'a');
      expect(cache.get('a')).toBeUndefined();
    } finally {
      await cache.stop();
    }
  });
});
