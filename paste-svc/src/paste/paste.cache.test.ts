import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { Expiry, Visibility } from '@pastemesh/gen/paste';
import { createLogger } from '@pastemesh/kit/observability';
import { errorDetail } from '@pastemesh/kit/rpc';
import { createPubSub, createRedis, type PubSub, type Redis } from '@pastemesh/kit/storage';
import { STORAGE_MODES, eventually } from '@pastemesh/kit/testing';
import { bytes, rejection, startPasteHarness, text, type PasteHarness } from '../testing/paste-harness.js';
import { PASTE_INVALIDATE_CHANNEL as INVALIDATE_CHANNEL } from '@pastemesh/kit/storage';

const logger = createLogger('paste-cache-test', 'silent');

describe.each(STORAGE_MODES)('paste cache (%s)', (mode) => {
  let h: PasteHarness;
  let alice: string;
  let bob: string;
  let redis: Redis | undefined;
  let pubsub: PubSub;
  const invalidated: string[] = [];

  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_cache', { CACHE_MAX_TTL_MS: '300000' });
    [alice, bob] = await Promise.all([h.issuer.sign('alice'), h.issuer.sign('bob')]);
    redis = h.storage.redisUrl ? createRedis(h.storage.redisUrl, logger, 'paste-cache-test') : undefined;
    pubsub = createPubSub(redis, logger);
    await pubsub.subscribe(INVALIDATE_CHANNEL, (id) => invalidated.push(id));
  });
  afterAll(async () => {
    await pubsub.close();
    redis?.disconnect();
    await h.close();
  });

  it('loads a paste from the database once for 100 concurrent misses', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('popular') });
    const before = await h.sample('paste_cache_loads_total');
    const reads = await Promise.all(Array.from({ length: 100 }, () => h.client.getPaste({ id: paste!.id })));
    expect(reads.every((r) => text(r.paste?.content) === 'popular')).toBe(true);
    expect(await h.sample('paste_cache_loads_total')).toBe(before + 1);
  });

  it('serves a second read from the cache and counts the hit', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('hit me') });
    await h.client.getPaste({ id: paste!.id });
    const [loads, hits] = [
      await h.sample('paste_cache_loads_total'),
      await h.sample('cache_requests_total', { cache: 'paste', result: 'hit' }),
    ];
    expect(text((await h.client.getPaste({ id: paste!.id, withoutContent: true })).paste?.content)).toBe('');
    expect(text((await h.client.getPaste({ id: paste!.id })).paste?.content)).toBe('hit me');
    expect(await h.sample('paste_cache_loads_total')).toBe(loads);
    expect(await h.sample('cache_requests_total', { cache: 'paste', result: 'hit' })).toBe(hits + 2);
  });

  it('serves RevealPaste of a paste that is not burn-after-read from the entry GetPaste cached', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('cached reveal') });
    await h.client.getPaste({ id: paste!.id });
    const loads = await h.sample('paste_cache_loads_total');
    expect(text((await h.client.revealPaste({ id: paste!.id })).paste?.content)).toBe('cached reveal');
    expect(await h.sample('paste_cache_loads_total')).toBe(loads);
  });

  it('serves the new version right after an update, and the old one at its version', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('old') }, h.as(alice));
    const id = paste!.id;
    await h.client.getPaste({ id });
    await h.client.getPaste({ id, version: 1 });
    await h.client.updatePaste({ id, content: bytes('new') }, h.as(alice));
    const latest = await h.client.getPaste({ id });
    expect([text(latest.paste?.content), latest.paste?.version]).toEqual(['new', 2]);
    const v1 = await h.client.getPaste({ id, version: 1 });
    expect([text(v1.paste?.content), v1.paste?.latestVersion]).toEqual(['old', 2]);
  });

  it('stops serving cached versions to others once the owner makes the paste PRIVATE', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('going private') }, h.as(alice));
    const id = paste!.id;
    await h.client.getPaste({ id }, h.as(bob));
    await h.client.getPaste({ id, version: 1 }, h.as(bob));
    await h.client.updatePaste({ id, content: bytes('private now'), visibility: Visibility.PRIVATE }, h.as(alice));
    expect((await rejection(h.client.getPaste({ id }, h.as(bob)))).code).toBe(Code.NotFound);
    expect((await rejection(h.client.getPaste({ id, version: 1 }, h.as(bob)))).code).toBe(Code.NotFound);
  });

  it('stops serving a cached paste as soon as it is deleted', async () => {
    const { paste, deleteToken } = await h.client.createPaste({ content: bytes('doomed') });
    await h.client.getPaste({ id: paste!.id });
    await h.client.deletePaste({ id: paste!.id, deleteToken });
    expect((await rejection(h.client.getPaste({ id: paste!.id }))).code).toBe(Code.NotFound);
  });

  it('stops serving a cached paste the moment it expires, before any sweep', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('short-lived'), expiry: Expiry.TEN_MINUTES });
    await h.client.getPaste({ id: paste!.id });
    h.clock.advance(10 * 60_000);
    const err = await rejection(h.client.getPaste({ id: paste!.id }));
    expect([err.code, errorDetail(err)?.reason]).toEqual([Code.NotFound, 'PASTE_EXPIRED']);
  });

  it('publishes the paste id on paste.invalidate for every update, delete and burn', async () => {
    const a = await h.client.createPaste({ content: bytes('a') }, h.as(alice));
    const b = await h.client.createPaste({ content: bytes('b'), burnAfterRead: true });
    await h.client.updatePaste({ id: a.paste!.id, content: bytes('a2') }, h.as(alice));
    await h.client.deletePaste({ id: a.paste!.id }, h.as(alice));
    await h.client.revealPaste({ id: b.paste!.id });
    await eventually(
      () => invalidated.filter((id) => id === a.paste!.id).length >= 2 && invalidated.includes(b.paste!.id),
      5_000,
    );
  });

  it('serves BatchGetPastes from the entries GetPaste cached, and loads only the misses, in one query', async () => {
    const created = await Promise.all(['one', 'two', 'three'].map((c) => h.client.createPaste({ content: bytes(c) })));
    const ids = created.map((c) => c.paste!.id);
    await h.client.getPaste({ id: ids[0]! });
    const loads = await h.sample('paste_cache_loads_total');
    const first = await h.client.batchGetPastes({ ids, withContent: true });
    expect(first.pastes.map((p) => text(p.content)).sort()).toEqual(['one', 'three', 'two']);
    expect(await h.sample('paste_cache_loads_total')).toBe(loads + 1);
    const hits = await h.sample('cache_requests_total', { cache: 'paste', result: 'hit' });
    const again = await h.client.batchGetPastes({ ids, withContent: true });
    expect(again.pastes.map((p) => text(p.content)).sort()).toEqual(['one', 'three', 'two']);
    expect(await h.sample('paste_cache_loads_total')).toBe(loads + 1);
    expect(await h.sample('cache_requests_total', { cache: 'paste', result: 'hit' })).toBe(hits + 3);
  });

  it('answers BatchGetPastes with the new version after an update and nothing after a delete', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('batch old') }, h.as(alice));
    const id = paste!.id;
    await h.client.batchGetPastes({ ids: [id], withContent: true });
    await h.client.updatePaste({ id, content: bytes('batch new') }, h.as(alice));
    const updated = await h.client.batchGetPastes({ ids: [id], withContent: true });
    expect([text(updated.pastes[0]?.content), updated.pastes[0]?.version]).toEqual(['batch new', 2]);
    await h.client.deletePaste({ id }, h.as(alice));
    expect((await h.client.batchGetPastes({ ids: [id], withContent: true })).pastes).toHaveLength(0);
  });

  it('never lets a cached PRIVATE paste, or a burn-after-read one, out through BatchGetPastes', async () => {
    const secret = await h.client.createPaste(
      { content: bytes('mine only'), visibility: Visibility.PRIVATE },
      h.as(alice),
    );
    const burn = await h.client.createPaste({ content: bytes('read once'), burnAfterRead: true });
    const secretId = secret.paste!.id;
    await h.client.getPaste({ id: secretId }, h.as(alice)); // now cached, with content
    const ids = [secretId, burn.paste!.id];
    for (let round = 0; round < 2; round++) {
      const seen = await h.client.batchGetPastes({ ids, withContent: true }, h.as(bob));
      expect(seen.pastes.map((p) => p.id)).toEqual([burn.paste!.id]);
      expect([seen.pastes[0]?.contentIncluded, text(seen.pastes[0]?.content)]).toEqual([false, '']);
    }
    const own = await h.client.batchGetPastes({ ids: [secretId], withContent: true }, h.as(alice));
    expect(text(own.pastes[0]?.content)).toBe('mine only');
    // The burn-after-read paste is still there for the one reader who reveals it.
    expect(text((await h.client.revealPaste({ id: burn.paste!.id })).paste?.content)).toBe('read once');
  });

  it('drops cached BatchGetPastes entries the moment they expire', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('batch short-lived'), expiry: Expiry.TEN_MINUTES });
    expect((await h.client.batchGetPastes({ ids: [paste!.id], withContent: true })).pastes).toHaveLength(1);
    h.clock.advance(10 * 60_000);
    expect((await h.client.batchGetPastes({ ids: [paste!.id], withContent: true })).pastes).toHaveLength(0);
  });

  if (mode === 'mysql') {
    it('keeps a Redis entry no longer than the paste has left to live, nor than CACHE_MAX_TTL_MS', async () => {
      const short = await h.client.createPaste({ content: bytes('ten minutes'), expiry: Expiry.TEN_MINUTES });
      const long = await h.client.createPaste({ content: bytes('a year'), expiry: Expiry.ONE_YEAR });
      await h.client.getPaste({ id: short.paste!.id });
      await h.client.getPaste({ id: long.paste!.id });
      h.clock.advance(8 * 60_000); // two minutes of life left
      const fresh = await h.client.createPaste({ content: bytes('ten minutes'), expiry: Expiry.TEN_MINUTES });
      await h.client.getPaste({ id: fresh.paste!.id });
      // The clock moved, so a new read stores with the shorter remaining life.
      await redis!.del(`pm:paste:${short.paste!.id}@latest`);
      await h.client.getPaste({ id: short.paste!.id });
      const ttl = (id: string) => redis!.pttl(`pm:paste:${id}@latest`);
      expect(await ttl(short.paste!.id)).toBeLessThanOrEqual(2 * 60_000);
      expect(await ttl(short.paste!.id)).toBeGreaterThan(0);
      expect(await ttl(long.paste!.id)).toBeLessThanOrEqual(300_000);
      expect(await ttl(fresh.paste!.id)).toBeLessThanOrEqual(300_000);
    });

    it('has the sweeper drop the cache entries of the pastes it deletes and publish each id', async () => {
      const created = await Promise.all(
        [1, 2, 3, 4].map((i) => h.client.createPaste({ content: bytes(`swept ${i}`), expiry: Expiry.TEN_MINUTES })),
      );
      const ids = created.map((c) => c.paste!.id);
      await h.client.batchGetPastes({ ids, withContent: true });
      expect(await redis!.exists(...ids.map((id) => `pm:paste:${id}@latest`))).toBe(4);
      h.clock.advance(10 * 60_000);
      while ((await h.sweepOnce()).pastes > 0);
      expect(await redis!.exists(...ids.map((id) => `pm:paste:${id}@latest`))).toBe(0);
      await eventually(() => ids.every((id) => invalidated.includes(id)), 5_000);
    });

    it('lets another replica see an update at once (shared Redis, invalidated by the writer)', async () => {
      const other = await h.startNode();
      const { paste } = await h.client.createPaste({ content: bytes('replicated') }, h.as(alice));
      await other.client.getPaste({ id: paste!.id });
      await h.client.updatePaste({ id: paste!.id, content: bytes('changed') }, h.as(alice));
      expect(text((await other.client.getPaste({ id: paste!.id })).paste?.content)).toBe('changed');
    });
  }
});

describe('paste cache with Redis down', () => {
  let h: PasteHarness;

  beforeAll(async () => {
    h = await startPasteHarness('mysql', 'paste_noredis', { REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('serves every call from the database without errors', async () => {
    const alice = await h.issuer.sign('alice');
    const { paste } = await h.client.createPaste({ content: bytes('no redis') }, h.as(alice));
    expect(text((await h.client.getPaste({ id: paste!.id })).paste?.content)).toBe('no redis');
    expect(text((await h.client.getPaste({ id: paste!.id })).paste?.content)).toBe('no redis');
    expect(text((await h.client.batchGetPastes({ ids: [paste!.id], withContent: true })).pastes[0]?.content)).toBe(
      'no redis',
    );
    await h.client.updatePaste({ id: paste!.id, content: bytes('still no redis') }, h.as(alice));
    expect(text((await h.client.getPaste({ id: paste!.id })).paste?.content)).toBe('still no redis');
    await h.client.deletePaste({ id: paste!.id }, h.as(alice));
    expect((await rejection(h.client.getPaste({ id: paste!.id }))).code).toBe(Code.NotFound);
    expect(await h.sample('cache_requests_total', { cache: 'paste', result: 'error' })).toBeGreaterThanOrEqual(3);
  });
});
