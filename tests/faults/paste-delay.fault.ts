import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPastes, gqlOk as gqlData, scrape } from '../support/graphql.js';
import { createFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { startLoad, sleep, summarize, waitFor } from './support/load.js';
import { startMesh, type Mesh } from './support/mesh.js';
import { ms, recordRow } from './support/report.js';

const RATE = 20;
const DELAY_MS = 2_000;
const FAULT_MS = 10_000;
/** The gateway's DOWNSTREAM_TIMEOUT_MS (its default). */
const DEADLINE_MS = 2_000;
/**
 * The load comes from one address, standing for many clients: the gateway's per-address connection cap (64) is
 * off, or a loaded machine's slow answers make the load generator open more connections than that and the
 * gateway resets them (ECONNRESET, UND_ERR_SOCKET), which is no effect of the fault.
 */
const ONE_ADDRESS_MANY_CLIENTS = { MAX_CONNECTIONS_PER_IP: '0' } as const;

describe('fault: paste-svc delayed by 2 s', () => {
  let mesh: Mesh;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    mesh = await startMesh({
      label: 'pastedelay',
      redisDb: 13,
      // Every read goes to paste-svc (the gateway's hot cache would otherwise answer most of them).
      env: { gateway: { HOT_CACHE: 'false', DOWNSTREAM_TIMEOUT_MS: String(DEADLINE_MS), ...ONE_ADDRESS_MANY_CLIENTS } },
      // The gateway reaches paste-svc through the proxy.
      peer: async (service, address) =>
        service === 'paste' ? (proxy = await createFaultProxy(address)).address : address,
    });
  });
  afterAll(async () => {
    await mesh?.stop();
    await proxy?.close();
  });

  it('answers within the deadline, opens the breaker, keeps p99 bounded, and recovers once paste-svc is fast again', async () => {
    const url = mesh.gatewayUrls[0]!;
    const admin = mesh.adminUrl('gateway');
    const ids = await createPastes(
      url,
      Array.from({ length: 10 }, (_, i) => `slow ${i}`),
    );
    const breakerStates: { at: number; state: number }[] = [];
    const watcher = setInterval(() => {
      void scrape(admin, 'gateway_breaker_state', { service: 'paste-svc' }).then(
        (state) => breakerStates.push({ at: Date.now(), state }),
        () => {},
      );
    }, 100);

    const load = startLoad(
      (i) => ({
        kind: 'read',
        run: async () => {
          const n = i % ids.length;
          const data = await gqlData(url, `query($id: ID!) { paste(id: $id) { content } }`, { id: ids[n] });
          if (data['paste']?.content !== `slow ${n}`)
            throw new Error(`wrong content: ${JSON.stringify(data['paste'])}`);
        },
      }),
      { ratePerSec: RATE },
    );
    try {
      load.phase = 'before';
      await sleep(3_000);
      load.phase = 'delayed';
      // Requests started just before this point must not meet the delay while still counted as "before".
      await sleep(300);
      const delayed = Date.now();
      proxy!.setLatency(DELAY_MS);
      await sleep(FAULT_MS);
      proxy!.setLatency(0);
      const healed = Date.now();
      load.phase = 'recovering';
      const closedAfter = await waitFor(
        async () =>
          breakerStates.at(-1)?.state === 0 &&
          breakerStates.at(-1)!.at > healed &&
          load.samples.some((s) => s.ok && s.startedAt > healed),
        20_000,
        100,
      );
      load.phase = 'after';
      await sleep(3_000);
      const samples = await load.stop();

      const before = summarize(samples, (s) => s.phase === 'before');
      const fault = summarize(samples, (s) => s.phase === 'delayed');
      const openedAt = breakerStates.find((b) => b.at > delayed && b.state === 2)?.at;
      const whileOpen = summarize(
        samples,
        (s) => s.phase === 'delayed' && openedAt !== undefined && s.startedAt > openedAt + 200,
      );
      const after = summarize(samples, (s) => s.phase === 'after');
      const unavailable = samples.filter(
        (s) => s.phase === 'delayed' && s.error?.startsWith('SERVICE_UNAVAILABLE'),
      ).length;

      recordRow({
        scenario: 'paste-svc delayed 2 s',
        load: `${RATE} reads/s, hot cache off (3 s before, 10 s delayed, after)`,
        fault: `proxy adds ${DELAY_MS / 1000} s to gateway → paste-svc for ${FAULT_MS / 1000} s (deadline ${DEADLINE_MS / 1000} s)`,
        figure:
          `during: max ${ms(fault.max)}, p99 ${ms(fault.p99)} (before p99 ${ms(before.p99)}); ${unavailable}/${fault.count} SERVICE_UNAVAILABLE; ` +
          `breaker open ${openedAt ? `after ${ms(openedAt - delayed)}` : 'never'}, then p99 ${ms(whileOpen.p99)}; ` +
          `recovered ${ms(closedAfter)} after the delay ended; after: ${after.failed}/${after.count} failed`,
      });

      expect(before.errors).toEqual([]);
      // The deadline plus the gateway's own time (1 s, or a healthy read's p99 on a busy machine).
      const bound = DEADLINE_MS + Math.max(1_000, before.p99);
      expect(fault.max).toBeLessThan(bound);
      expect(fault.p99).toBeLessThan(bound);
      expect(unavailable).toBe(fault.failed);
      expect(openedAt).toBeDefined();
      // An open breaker answers at once: no slower than a healthy read was before the fault.
      expect(whileOpen.p99).toBeLessThan(Math.max(300, before.p99));
      expect(closedAfter).toBeLessThan(15_000);
      expect(after.errors).toEqual([]);
    } finally {
      clearInterval(watcher);
      await load.stop();
    }
  });
});
