import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPastes, gqlOk as gqlData, setupCall, signUp } from '../support/graphql.js';
import { startLoad, sleep, summarize, waitFor, type Operation } from './support/load.js';
import { startMesh, type Mesh } from './support/mesh.js';
import { ms, recordRow } from './support/report.js';

const RATE = 30;
const FAULT_MS = 8_000;
const READ = `query($id: ID!) { paste(id: $id) { id content } }`;
const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`;
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

describe('fault: auth-svc killed', () => {
  let mesh: Mesh;
  beforeAll(async () => {
    mesh = await startMesh({
      label: 'authdown',
      redisDb: 11,
      env: { gateway: { DOWNSTREAM_TIMEOUT_MS: String(DEADLINE_MS), ...ONE_ADDRESS_MANY_CLIENTS } },
    });
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  it('keeps anonymous reads and token verification working; logins fail fast with SERVICE_UNAVAILABLE', async () => {
    const url = mesh.gatewayUrls[0]!;
    const user = await setupCall(() => signUp(url, 'authdown'));
    const mine = await setupCall(() =>
      gqlData(
        url,
        `mutation { createPaste(input: { content: "private words", visibility: PRIVATE }) { paste { id } } }`,
        {},
        { token: user.accessToken },
      ),
    );
    const privateId = mine['createPaste'].paste.id as string;
    const publicIds = await createPastes(
      url,
      Array.from({ length: 10 }, (_, i) => `public ${i}`),
    );

    const read = (id: string, expected: string, token?: string) => async () => {
      const data = await gqlData(url, READ, { id }, { token });
      if (data['paste']?.content !== expected) throw new Error(`wrong content: ${JSON.stringify(data['paste'])}`);
    };
    const login = async () => {
      await gqlData(url, LOGIN, { e: user.email, p: user.password });
    };
    const next = (i: number): Operation => {
      if (i % 10 === 9) return { kind: 'login', run: login };
      if (i % 3 === 2) return { kind: 'token read', run: read(privateId, 'private words', user.accessToken) };
      const n = i % publicIds.length;
      return { kind: 'anonymous read', run: read(publicIds[n]!, `public ${n}`) };
    };

    const load = startLoad(next, { ratePerSec: RATE });
    load.phase = 'before';
    await sleep(3_000);
    load.phase = 'fault';
    await mesh.signal('auth', 0, 'SIGKILL');
    await sleep(FAULT_MS);
    load.phase = 'restarting';
    await mesh.restart('auth', 0);
    const loginBackAfter = await waitFor(async () => await login().then(() => true), 20_000, 200);
    load.phase = 'after';
    await sleep(2_000);
    const samples = await load.stop();

    const inFault = (kind: string) => summarize(samples, (s) => s.phase === 'fault' && s.kind === kind);
    const anon = inFault('anonymous read');
    const token = inFault('token read');
    const logins = inFault('login');
    const unavailable = samples.filter(
      (s) => s.phase === 'fault' && s.kind === 'login' && s.error?.startsWith('SERVICE_UNAVAILABLE'),
    ).length;
    const after = summarize(samples, (s) => s.phase === 'after');
    const healthyReads = summarize(samples, (s) => s.phase === 'before' && s.kind !== 'login');
    recordRow({
      scenario: 'auth-svc killed',
      load: `${RATE} req/s: anonymous reads, token reads, logins (1 in 10)`,
      fault: `SIGKILL auth-svc for ${FAULT_MS / 1000} s, then restart`,
      figure:
        `failed: anonymous reads ${anon.failed}/${anon.count}, token reads ${token.failed}/${token.count}; ` +
        `logins SERVICE_UNAVAILABLE ${unavailable}/${logins.count} (p99 ${ms(logins.p99)}); ` +
        `logins back ${ms(loginBackAfter)} after restart; after: ${after.failed}/${after.count} failed; reads before: p99 ${ms(healthyReads.p99)}, max ${ms(healthyReads.max)}`,
    });

    expect(anon.errors).toEqual([]);
    expect(token.errors).toEqual([]);
    // Reads never wait for auth-svc (tokens verify against the cached JWKS): no slower than healthy ones, by the production deadline.
    expect(Math.max(anon.max, token.max)).toBeLessThan(healthyReads.max + PRODUCTION_DEADLINE_MS);
    expect(anon.count).toBeGreaterThan(100);
    expect(logins.count).toBeGreaterThan(10);
    expect(unavailable).toBe(logins.count);
    // Fast = without waiting for a deadline: within 1.5 s of what a healthy read took on this machine.
    expect(logins.p99).toBeLessThan(healthyReads.p99 + 1_500);
    expect(loginBackAfter).toBeLessThan(20_000);
    expect(after.errors).toEqual([]);
  });
});
