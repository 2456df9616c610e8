import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPastes, describeNetworkError, gqlOk as gqlData, setupCall, signUp } from '../support/graphql.js';
import { createGatewayPool, type GatewayPool } from './support/gateway-pool.js';
import { startLoad, sleep, summarize, waitFor, type Operation } from './support/load.js';
import { startMesh, type Exit, type Mesh, type MeshService } from './support/mesh.js';
import { ms, recordRow } from './support/report.js';

const RATE = 30;
const ORDER: MeshService[] = ['auth', 'paste', 'analytics', 'gateway'];
const LIST = `{ pastes(first: 5) { edges { node { id author { displayName } stats { totalViews } } } } }`;
/**
 * The gateway's production deadline (DOWNSTREAM_TIMEOUT_MS's default): a request the fault slowed past it would
 * fail in production, so requests during the fault may take at most this much longer than healthy ones did here.
 */
const PRODUCTION_DEADLINE_MS = 2_000;
/** The deadline the scenario runs with: long enough that a loaded machine's slow requests are measured, not failed. */
const DEADLINE_MS = 10_000;

describe('fault: every service sent SIGTERM and restarted in turn, two replicas each', () => {
  let mesh: Mesh;
  let pool: GatewayPool;
  beforeAll(async () => {
    // Gateways keep their default SHUTDOWN_DRAIN_MS (1 s): the pool below stops sending within ~200 ms.
    mesh = await startMesh({
      label: 'rolling',
      redisDb: 10,
      replicas: 2,
      env: { gateway: { DOWNSTREAM_TIMEOUT_MS: String(DEADLINE_MS) } },
    });
    pool = createGatewayPool(mesh.gatewayUrls, 100);
  });
  afterAll(async () => {
    pool?.close();
    await mesh?.stop();
  });

  it('fails no request while each of the eight processes drains, exits and comes back', async () => {
    const first = mesh.gatewayUrls[0]!;
    const user = await setupCall(() => signUp(first, 'rolling'));
    const created = await setupCall(() =>
      gqlData(
        first,
        `mutation { createPaste(input: { content: "mine only", visibility: PRIVATE }) { paste { id } } }`,
        {},
        { token: user.accessToken },
      ),
    );
    const privateId = created['createPaste'].paste.id as string;
    // Authored by the user, so lists need auth-svc (BatchGetUsers) as well as analytics-svc.
    const publicIds = await createPastes(
      first,
      Array.from({ length: 10 }, (_, i) => `rolling ${i}`),
      user.accessToken,
    );

    const via = <T>(fn: (url: string) => Promise<T>) => fn(pool.pick());
    const next = (i: number): Operation => {
      const n = i % publicIds.length;
      switch (i % 20) {
        case 0:
        case 10:
          return {
            kind: 'create',
            run: () =>
              via((u) =>
                gqlData(u, `mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }`, {
                  c: `new ${i}`,
                }),
              ).then(() => {}),
          };
        case 1:
        case 11:
        case 15:
          return {
            kind: 'list (paste + auth + analytics)',
            run: async () => {
              const data = await via((u) => gqlData(u, LIST));
              if (data['pastes'].edges.length === 0) throw new Error('empty list');
            },
          };
        case 2:
        case 12:
        case 16:
          return {
            kind: 'token read',
            run: async () => {
              const data = await via((u) =>
                gqlData(
                  u,
                  `query($id: ID!) { paste(id: $id) { content } }`,
                  { id: privateId },
                  { token: user.accessToken },
                ),
              );
              if (data['paste']?.content !== 'mine only') throw new Error('private paste not readable');
            },
          };
        case 3:
          return {
            kind: 'login',
            run: () =>
              via((u) =>
                gqlData(u, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, {
                  e: user.email,
                  p: user.password,
                }),
              ).then(() => {}),
          };
        case 4:
        case 14:
          return {
            kind: 'raw read',
            run: async () => {
              const url = pool.pick();
              const res = await fetch(`${url}/raw/${publicIds[n]}`, { signal: AbortSignal.timeout(10_000) }).catch(
                (err: unknown) => {
                  throw new Error(`network: ${describeNetworkError(err)}`);
                },
              );
              if (res.status !== 200 || (await res.text()) !== `rolling ${n}`) throw new Error(`HTTP ${res.status}`);
            },
          };
        default:
          return {
            kind: 'read',
            run: async () => {
              const data = await via((u) =>
                gqlData(u, `query($id: ID!) { paste(id: $id) { content } }`, { id: publicIds[n] }),
              );
              if (data['paste']?.content !== `rolling ${n}`) throw new Error('wrong content');
            },
          };
      }
    };

    const exits: (Exit & { who: string })[] = [];
    const reconnects: number[] = [];
    const missing: string[] = [];
    const channels: number[] = [];
    const load = startLoad(next, { ratePerSec: RATE });
    try {
      load.phase = 'before';
      await sleep(3_000);
      for (const service of ORDER) {
        for (const index of [0, 1]) {
          const who = `${service}[${index}]`;
          load.phase = who;
          const before = service === 'gateway' ? new Map<number, number>() : mesh.connectionsTo(service, index);
          exits.push({ who, ...(await mesh.signal(service, index, 'SIGTERM')) });
          await mesh.restart(service, index);
          const restarted = Date.now();
          if (service === 'gateway') {
            await waitFor(() => pool.ready().includes(mesh.gatewayUrls[index]!), 10_000, 50);
          } else {
            // Every channel that was connected to the replica reconnects before its twin goes down
            // (a rollout waits for the new pod to be Ready; here, for the callers to be back on it).
            const took = await waitFor(
              () => {
                const now = mesh.connectionsTo(service, index);
                return [...before].every(([pid, n]) => (now.get(pid) ?? 0) >= n);
              },
              15_000,
              100,
            );
            if (!Number.isFinite(took)) missing.push(who);
            reconnects.push(Date.now() - restarted);
            channels.push([...before.values()].reduce((a, b) => a + b, 0));
          }
          await sleep(500);
        }
      }
      load.phase = 'after';
      await sleep(2_000);
    } finally {
      await load.stop();
    }

    const all = summarize(load.samples);
    const healthy = summarize(load.samples, (s) => s.phase === 'before');
    const byKind = [...new Set(load.samples.map((s) => s.kind))].map(
      (kind) => `${kind} ${summarize(load.samples, (s) => s.kind === kind).count}`,
    );
    const failures = new Map<string, number>();
    // Name the replica a failed call went to (grpc-js reports its port).
    const portNames = new Map(
      ORDER.filter((s) => s !== 'gateway').flatMap((s) =>
        [0, 1].map((i) => [String(mesh.replica(s, i).ports['grpc']), `${s}[${i}]`] as const),
      ),
    );
    for (const s of load.samples.filter((x) => !x.ok)) {
      const remote = /remote_addr=[\d.]+:(\d+)/.exec(s.error ?? '')?.[1];
      const key = `${s.phase}: ${(s.error ?? '').slice(0, 48)}${remote ? ` (to ${portNames.get(remote) ?? `port ${remote}`})` : ''}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
    const failedBy = [...failures].map(([e, n]) => `${n}× during ${e}`).join('; ');
    const badExits = exits.filter((e) => e.code !== 0);
    recordRow({
      scenario: 'rolling SIGTERM + restart',
      load: `${RATE} req/s through 2 gateways (readiness-aware client): ${byKind.join(', ')}`,
      fault: `SIGTERM then restart, one process at a time: ${ORDER.map((s) => `${s}×2`).join(', ')}`,
      figure:
        `failed ${all.failed}/${all.count}${failedBy ? ` (${failedBy})` : ''}; p99 ${ms(all.p99)}, max ${ms(all.max)} (before: max ${ms(healthy.max)}); ` +
        `exits ${exits.length - badExits.length}/${exits.length} code 0, slowest drain ${ms(Math.max(...exits.map((e) => e.ms)))}; ` +
        `${Math.min(...channels)}–${Math.max(...channels)} caller connections per replica back within ${ms(Math.max(...reconnects))}` +
        `${missing.length ? ` (not: ${missing.join(', ')})` : ''}; skipped ${load.skipped}`,
    });

    expect(all.errors).toEqual([]);
    // No request waited on a draining or restarting replica for as long as the production deadline.
    expect(all.max).toBeLessThan(healthy.max + PRODUCTION_DEADLINE_MS);
    expect(badExits).toEqual([]);
    expect(load.skipped).toBe(0);
    expect(missing).toEqual([]);
    expect(all.count).toBeGreaterThan(500);
  });
});
