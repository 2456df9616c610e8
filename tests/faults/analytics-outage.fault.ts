import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { createServiceClient } from '@pastemesh/kit/rpc';
import { createPastes, gqlOk as gqlData, scrape } from '../support/graphql.js';
import { startLoad, sleep, summarize, waitFor } from './support/load.js';
import { startMesh, type Mesh } from './support/mesh.js';
import { ms, recordRow } from './support/report.js';

// The figures: 60 s down, exact within 30 s of the restart. FAULT_ANALYTICS_OUTAGE_MS shortens it by hand.
const OUTAGE_MS = Number(process.env['FAULT_ANALYTICS_OUTAGE_MS'] ?? 60_000);
const CONVERGE_WITHIN_MS = 30_000;
const RATE = 40;
const PASTES = 20;
/**
 * The gateway's production deadline (DOWNSTREAM_TIMEOUT_MS's default): a request the fault slowed past it would
 * fail in production, so requests during the fault may take at most this much longer than healthy ones did here.
 */
const PRODUCTION_DEADLINE_MS = 2_000;
/** The deadline the scenario runs with: long enough that a loaded machine's slow requests are measured, not failed. */
const DEADLINE_MS = 10_000;
/**
 * The load comes from one address, standing for many clients: the gateway's per-address connection cap (64) is
 * off, or a loaded machine's slow answers make the load generator open more connections than that and the
 * gateway resets them (ECONNRESET, UND_ERR_SOCKET), which is no effect of the fault.
 */
const ONE_ADDRESS_MANY_CLIENTS = { MAX_CONNECTIONS_PER_IP: '0' } as const;

describe('fault: analytics-svc killed during reads', () => {
  let mesh: Mesh;
  beforeAll(async () => {
    mesh = await startMesh({
      label: 'analytics',
      redisDb: 12,
      env: { gateway: { DOWNSTREAM_TIMEOUT_MS: String(DEADLINE_MS), ...ONE_ADDRESS_MANY_CLIENTS } },
    });
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  it(`serves every read while analytics-svc is down ${OUTAGE_MS / 1000} s and counts each one exactly within ${CONVERGE_WITHIN_MS / 1000} s of its restart`, async () => {
    const url = mesh.gatewayUrls[0]!;
    const ids = await createPastes(
      url,
      Array.from({ length: PASTES }, (_, i) => `counted ${i}`),
    );
    const load = startLoad(
      (i) => ({
        kind: 'read',
        run: async () => {
          const n = i % PASTES;
          const data = await gqlData(url, `query($id: ID!) { paste(id: $id) { content } }`, { id: ids[n] });
          if (data['paste']?.content !== `counted ${n}`)
            throw new Error(`wrong content: ${JSON.stringify(data['paste'])}`);
        },
      }),
      { ratePerSec: RATE },
    );
    load.phase = 'before';
    await sleep(3_000);
    load.phase = 'outage';
    await mesh.signal('analytics', 0, 'SIGKILL');
    await sleep(OUTAGE_MS);
    load.phase = 'restarting';
    const restartStarted = Date.now();
    await mesh.restart('analytics', 0);
    const restarted = Date.now();
    load.phase = 'after';
    await sleep(5_000);
    const samples = await load.stop();
    const reads = summarize(samples);
    const before = summarize(samples, (s) => s.phase === 'before');
    const duringOutage = summarize(samples, (s) => s.phase === 'outage');

    const { client, close } = createServiceClient(AnalyticsService, { address: mesh.replicaGrpc('analytics')[0]! });
    let counted = 0;
    const total = async () => {
      const res = await client.batchGetPasteStats({ pasteIds: ids });
      return res.stats.reduce((n, s) => n + Number(s.totalViews), 0);
    };
    let convergedAfterMs = Number.POSITIVE_INFINITY;
    try {
      const waited = await waitFor(
        async () => (counted = await total()) >= reads.ok,
        restarted + CONVERGE_WITHIN_MS - Date.now(),
        200,
      );
      if (Number.isFinite(waited)) convergedAfterMs = Date.now() - restarted;
      // Nothing more may arrive: a redelivered duplicate would show up here.
      await sleep(2_000);
      counted = await total();
    } finally {
      close();
    }
    const admin = mesh.adminUrl('gateway');
    const buffered = await scrape(admin, 'analytics_producer_events_buffered_total');
    const dropped = await scrape(admin, 'analytics_producer_events_dropped_total');
    // Deliveries (first sends and redeliveries) the producer's own call deadline cut off: each opens its breaker for a while.
    const deliveriesTimedOut = await scrape(admin, 'grpc_client_handled_total', {
      grpc_method: 'RecordViews',
      grpc_code: 'DEADLINE_EXCEEDED',
    });

    recordRow({
      scenario: 'analytics-svc killed',
      load: `${RATE} content reads/s over ${PASTES} pastes (3 s before, during, 5 s after)`,
      fault: `SIGKILL analytics-svc, ${OUTAGE_MS / 1000} s down, restart (took ${ms(restarted - restartStarted)})`,
      figure:
        `failed reads ${reads.failed}/${reads.count} (${duringOutage.count} during the outage, max ${ms(duringOutage.max)}; before: max ${ms(before.max)}); ` +
        `views ${counted} for ${reads.ok} successful reads, ` +
        `exact ${ms(convergedAfterMs)} after restart; buffered ${buffered}, dropped ${dropped}; RecordViews calls past their deadline ${deliveriesTimedOut}`,
    });

    expect(reads.errors).toEqual([]);
    expect(duringOutage.count).toBeGreaterThan((RATE * OUTAGE_MS) / 1000 / 2);
    // Reads never wait for analytics-svc: no slower during the outage than healthy ones, by the production deadline.
    expect(duringOutage.max).toBeLessThan(before.max + PRODUCTION_DEADLINE_MS);
    expect(counted).toBe(reads.ok);
    expect(convergedAfterMs).toBeLessThanOrEqual(CONVERGE_WITHIN_MS);
    expect(dropped).toBe(0);
  });
});
