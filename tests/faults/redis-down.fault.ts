import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PasteService } from '@pastemesh/gen/paste';
import { createServiceClient } from '@pastemesh/kit/rpc';
import { REDIS_TEST_URL } from '@pastemesh/kit/testing';
import { createPastes, describeNetworkError, gql as gqlRequest, gqlOk as gqlData, scrape } from '../support/graphql.js';
import { createFaultProxy, viaProxy, type FaultProxy } from './support/fault-proxy.js';
import { startLoad, sleep, summarize, type Operation } from './support/load.js';
import { startMesh, type Mesh } from './support/mesh.js';
import { ms, recordRow } from './support/report.js';

const RATE = 30;
const FAULT_MS = 10_000;
const READ_LIMIT = 300;
const PROBE = READ_LIMIT + 20;
const PROBE_BATCH = 40;
// Time the probe may take after the outage starts (1 s pause, then 8 batches of 40 reads), with room to spare.
const PROBE_MARGIN_MS = 30_000;
/**
 * The gateway's production deadline (DOWNSTREAM_TIMEOUT_MS's default): a read the fault slowed past it would fail
 * in production, so reads during the outage may take at most this much longer than healthy ones did here.
 */
const PRODUCTION_DEADLINE_MS = 2_000;
/**
 * The deadline the scenario runs with (gateway → services, and the direct gRPC reader): long enough that a
 * loaded machine's slow reads are measured, not failed. With 2 s, reads on a machine at load 7–13 hit the
 * deadline, the gateway's breaker then opened on those, and the scenario blamed Redis for the machine.
 */
const DEADLINE_MS = 10_000;
// Client addresses of this run (the gateway trusts one proxy hop here); the probe has one of its own.
const block = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

describe('fault: Redis stopped', () => {
  let mesh: Mesh;
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await createFaultProxy(REDIS_TEST_URL);
    mesh = await startMesh({
      label: 'redisdown',
      redisDb: 14,
      redisUrl: (url) => viaProxy(url, proxy),
      env: {
        gateway: {
          HOT_CACHE: 'false',
          TRUST_PROXY_HOPS: '1',
          RATE_LIMIT_READS_PER_MIN: String(READ_LIMIT),
          DOWNSTREAM_TIMEOUT_MS: String(DEADLINE_MS),
        },
      },
    });
  });
  afterAll(async () => {
    await mesh?.stop();
    await proxy?.close();
  });

  it('serves every read from MySQL and rate-limits from memory while Redis is unreachable', async () => {
    const url = mesh.gatewayUrls[0]!;
    const ids = await createPastes(
      url,
      Array.from({ length: 10 }, (_, i) => `cached ${i}`),
    );
    const paste = createServiceClient(PasteService, { address: mesh.grpc.paste, defaultTimeoutMs: DEADLINE_MS });
    const decoder = new TextDecoder();
    const ip = (i: number) => ({ 'x-forwarded-for': `${block}.${i % 200}` });
    const next = (i: number): Operation => {
      const n = i % ids.length;
      const expected = `cached ${n}`;
      if (i % 3 === 0) {
        return {
          kind: 'GraphQL read',
          run: async () => {
            const data = await gqlData(
              url,
              `query($id: ID!) { paste(id: $id) { content } }`,
              { id: ids[n] },
              { headers: ip(i) },
            );
            if (data['paste']?.content !== expected) throw new Error('wrong content');
          },
        };
      }
      if (i % 3 === 1) {
        return {
          kind: 'raw read',
          run: async () => {
            const res = await fetch(`${url}/raw/${ids[n]}`, {
              headers: ip(i),
              signal: AbortSignal.timeout(10_000),
            }).catch((err: unknown) => {
              throw new Error(`network: ${describeNetworkError(err)}`);
            });
            const text = await res.text();
            if (res.status !== 200 || text !== expected) throw new Error(`HTTP ${res.status}: ${text.slice(0, 80)}`);
          },
        };
      }
      // A direct gRPC reader (pastectl, grpcurl): GetPaste goes through paste-svc's Redis cache.
      return {
        kind: 'gRPC GetPaste',
        run: async () => {
          const res = await paste.client.getPaste({ id: ids[n]! });
          if (decoder.decode(res.paste?.content) !== expected) throw new Error('wrong content');
        },
      };
    };

    const cacheResults = (result: string) =>
      scrape(mesh.adminUrl('paste'), 'cache_requests_total', { cache: 'paste', result });
    const load = startLoad(next, { ratePerSec: RATE });
    try {
      load.phase = 'before';
      await sleep(3_000);
      // The read limit counts per wall-clock minute: a probe that straddled a minute's end would spread its
      // reads over two windows and never meet the limit. Start the outage early enough in a minute.
      const leftInMinute = 60_000 - (Date.now() % 60_000);
      if (leftInMinute < PROBE_MARGIN_MS) await sleep(leftInMinute + 200);
      const errorsBefore = await cacheResults('error');
      load.phase = 'outage';
      const stopped = Date.now();
      await proxy.refuse();
      const dropped = proxy.dropConnections();

      // One client over the read limit while Redis is down: the in-memory limiter must stop it.
      await sleep(1_000);
      const probeIp = `${block}.250`;
      let allowed = 0;
      let limited = 0;
      let other = 0;
      const probeStarted = Date.now();
      for (let batch = 0; batch < PROBE; batch += PROBE_BATCH) {
        await Promise.all(
          Array.from({ length: Math.min(PROBE_BATCH, PROBE - batch) }, async () => {
            const res = await gqlRequest(
              url,
              `query($id: ID!) { paste(id: $id) { id } }`,
              { id: ids[0] },
              { headers: { 'x-forwarded-for': probeIp } },
            );
            const code = res.errors?.[0]?.extensions?.['code'];
            if (!res.errors && res.data?.['paste']) allowed++;
            else if (code === 'RATE_LIMITED') limited++;
            else other++;
          }),
        );
      }
      // The limit counts per wall-clock minute: a probe that ended in the next one proves nothing about it.
      const probeInOneMinute = Math.floor(probeStarted / 60_000) === Math.floor(Date.now() / 60_000);
      await sleep(stopped + FAULT_MS - Date.now());
      const cacheErrors = (await cacheResults('error')) - errorsBefore;
      await proxy.accept();
      load.phase = 'after';
      const hitsBefore = await cacheResults('hit');
      await sleep(5_000);
      const hitsAfter = (await cacheResults('hit')) - hitsBefore;
      const samples = await load.stop();

      const before = summarize(samples, (s) => s.phase === 'before');
      const outage = summarize(samples, (s) => s.phase === 'outage');
      const after = summarize(samples, (s) => s.phase === 'after');
      const rejections = await scrape(mesh.adminUrl('gateway'), 'rate_limit_rejections_total', { scope: 'read' });
      recordRow({
        scenario: 'Redis stopped',
        load: `${RATE} req/s: GraphQL reads, /raw reads, gRPC GetPaste (200 client IPs); probe: ${PROBE} reads from one IP, limit ${READ_LIMIT}/min`,
        fault: `proxy drops ${dropped} Redis connections and refuses new ones for ${ms(FAULT_MS)}`,
        figure:
          `read errors ${outage.failed}/${outage.count} during (p99 ${ms(outage.p99)}, max ${ms(outage.max)}; before: p99 ${ms(before.p99)}, max ${ms(before.max)}), ` +
          `${after.failed}/${after.count} after; deadline ${ms(DEADLINE_MS)}; ` +
          `paste cache errors → MySQL ${cacheErrors}; probe ${allowed} allowed, ${limited} RATE_LIMITED (memory), ${other} other; ` +
          `cache hits again after: ${hitsAfter}`,
      });

      expect(before.errors).toEqual([]);
      expect(outage.errors).toEqual([]);
      expect(outage.count).toBeGreaterThan(200);
      // Slower than healthy reads on this machine by less than the production deadline: a read the fault held up
      // that long (waiting on Redis) would have failed in production; a machine that is merely slow is slow before too.
      expect(outage.max).toBeLessThan(before.max + PRODUCTION_DEADLINE_MS);
      expect(probeInOneMinute).toBe(true);
      expect(cacheErrors).toBeGreaterThan(0);
      expect(allowed).toBe(READ_LIMIT);
      expect(limited).toBe(PROBE - READ_LIMIT);
      expect(rejections).toBeGreaterThanOrEqual(limited);
      expect(after.errors).toEqual([]);
      expect(hitsAfter).toBeGreaterThan(0);
    } finally {
      await load.stop();
      paste.close();
    }
  });
});
