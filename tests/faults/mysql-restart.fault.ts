import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MYSQL_TEST_URL } from '@pastemesh/kit/testing';
import { gql as gqlRequest, gqlOk as gqlData } from '../support/graphql.js';
import { createFaultProxy, viaProxy, type FaultProxy } from './support/fault-proxy.js';
import { startLoad, sleep, summarize } from './support/load.js';
import { startMesh, type Mesh } from './support/mesh.js';
import { ms, recordRow } from './support/report.js';

const RATE = 20;
const DOWN_MS = 3_000;
const AFTER_MS = 12_000;
/** The gateway's breaker retries a dependency this long after opening (its resetTimeoutMs). */
const BREAKER_RESET_MS = 5_000;
const CREATE = `mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }`;
/**
 * The deadline the scenario runs with (DOWNSTREAM_TIMEOUT_MS; production's is 2 s): long enough that a loaded
 * machine's slow creates succeed instead of failing, opening the gateway's breaker and being blamed on MySQL.
 */
const DEADLINE_MS = 10_000;
/**
 * The load comes from one address, standing for many clients: the gateway's per-address connection cap (64) is
 * off, or a loaded machine's slow answers make the load generator open more connections than that and the
 * gateway resets them (ECONNRESET, UND_ERR_SOCKET), which is no effect of the fault.
 */
const ONE_ADDRESS_MANY_CLIENTS = { MAX_CONNECTIONS_PER_IP: '0' } as const;

describe('fault: MySQL restarted during creates', () => {
  let mesh: Mesh;
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await createFaultProxy(MYSQL_TEST_URL);
    mesh = await startMesh({
      label: 'mysqlrestart',
      redisDb: 15,
      mysqlUrl: (url) => viaProxy(url, proxy),
      // Read-backs must come from the database, not from the gateway's memory.
      env: { gateway: { HOT_CACHE: 'false', DOWNSTREAM_TIMEOUT_MS: String(DEADLINE_MS), ...ONE_ADDRESS_MANY_CLIENTS } },
    });
  });
  afterAll(async () => {
    await mesh?.stop();
    await proxy?.close();
  });

  it('keeps every acknowledged create readable and fails the others with an error code', async () => {
    const url = mesh.gatewayUrls[0]!;
    const run = Date.now().toString(36);
    const acknowledged: { id: string; content: string }[] = [];
    const failures: { code: string; requestId: unknown; ms: number }[] = [];
    const load = startLoad(
      (i) => ({
        kind: 'create',
        run: async () => {
          const content = `create ${run} ${i}`;
          const started = Date.now();
          const res = await gqlRequest(url, CREATE, { c: content });
          const id = res.data?.['createPaste']?.paste?.id as string | undefined;
          if (id && !res.errors) {
            acknowledged.push({ id, content });
            return;
          }
          const e = res.errors?.[0];
          failures.push({
            code: String(e?.extensions?.['code'] ?? `HTTP ${res.status}`),
            requestId: e?.extensions?.['requestId'],
            ms: Date.now() - started,
          });
          throw new Error(`${e?.extensions?.['code']}: ${e?.message}`);
        },
      }),
      { ratePerSec: RATE },
    );
    load.phase = 'before';
    await sleep(3_000);
    load.phase = 'restart';
    await proxy.refuse();
    const dropped = proxy.dropConnections();
    await sleep(DOWN_MS);
    await proxy.accept();
    load.phase = 'after';
    const back = Date.now();
    await sleep(AFTER_MS);
    const samples = await load.stop();
    const creates = summarize(samples);
    const before = summarize(samples, (s) => s.phase === 'before');
    // From MySQL being back until the first create that started afterwards and never failed again.
    const lastFailedStart = Math.max(back, ...samples.filter((s) => !s.ok).map((s) => s.startedAt));
    const workingAgainMs = lastFailedStart - back;
    const afterOk = summarize(samples, (s) => s.phase === 'after' && s.startedAt > lastFailedStart).ok;

    // Every acknowledged paste, read back through the gateway (hot cache off: from the database).
    const lost: string[] = [];
    for (let i = 0; i < acknowledged.length; i += 20) {
      await Promise.all(
        acknowledged.slice(i, i + 20).map(async ({ id, content }) => {
          const data = await gqlData(url, `query($id: ID!) { paste(id: $id) { content } }`, { id });
          if (data['paste']?.content !== content) lost.push(id);
        }),
      );
    }
    const codes = new Map<string, number>();
    for (const f of failures) codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
    const codeList = [...codes.entries()].map(([c, n]) => `${c} ${n}`).join(', ') || 'none';

    recordRow({
      scenario: 'MySQL restarted',
      load: `${RATE} GraphQL creates/s (3 s before, ${DOWN_MS / 1000} s down, ${AFTER_MS / 1000} s after)`,
      fault: `proxy drops ${dropped} MySQL connections and refuses new ones for ${ms(DOWN_MS)}`,
      figure:
        `ok ${acknowledged.length}, lost ${lost.length}; failed ${failures.length} (${codeList}; slowest ${ms(Math.max(0, ...failures.map((f) => f.ms)))}); ` +
        `creates work again ${ms(workingAgainMs)} after MySQL is back; before: p99 ${ms(before.p99)}`,
    });

    expect(lost).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(50);
    // Creates resume: the gateway's paste-svc breaker (opened by the failures) retries after 5 s.
    // (2 s for the first calls after that, plus what a healthy create took on this machine.)
    expect(workingAgainMs).toBeLessThan(BREAKER_RESET_MS + 2_000 + before.p99);
    expect(afterOk).toBeGreaterThan(0);
    expect(creates.count).toBe(acknowledged.length + failures.length);
    expect(failures.length).toBeGreaterThan(0);
    // Every refusal names its code and the request id to quote, and arrives promptly: within 5 s of what a
    // healthy create took on this machine, so never by waiting out the deadline.
    for (const f of failures) {
      expect(['SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR']).toContain(f.code);
      expect(typeof f.requestId).toBe('string');
      expect(f.ms).toBeLessThan(before.p99 + 5_000);
    }
  });
});
