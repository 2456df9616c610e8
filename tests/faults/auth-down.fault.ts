import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPastes, gqlOk as gqlData, setupCall, signUp } from '../support/graphql.js';
import { startLoad, sleep, summarize, waitFor, type Operation } from './support/load.js';
import { startMesh, type Mesh } from './support/mesh.js';
import { ms, recordRow } from './support/report.js';

const RATE = 30;
const FAULT_MS = 8_000;
const READ = `query($id: ID!) { paste(id: $id) { id content } }`;
const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`;

describe('fault: auth-svc killed', () => {
  let mesh: Mesh;
  beforeAll(async () => {
    mesh = await startMesh({ label: 'authdown', redisDb: 11 });
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  it('keeps anonymous reads and token verification working; logins fail fast with SERVICE_UNAVAILABLE', async () => {
    const url = mesh.gatewayUrls[0]!;
    const user = await setupCall(() => signUp(url, 'authdown'));
    const mine = await setupCall(() =>
      gqlData(url, `mutation { createPaste(input: { content: "private words", visibility: PRIVATE }) { paste { id } } }`, {}, { token: user.accessToken }),
    );
    const privateId = mine['createPaste'].paste.id as string;
    const publicIds = await createPastes(url, Array.from({ length: 10 }, (_, i) => `public ${i}`));

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
    const loginBackAfter = await waitFor(async () => (await login().then(() => true)), 20_000, 200);
    load.phase = 'after';
    await sleep(2_000);
    const samples = await load.stop();

    const inFault = (kind: string) => summarize(samples, (s) => s.phase === 'fault' && s.kind === kind);
    const anon = inFault('anonymous read');
    const token = inFault('token read');
    const logins = inFault('login');
    const unavailable = samples.filter((s) => s.phase === 'fault' && s.kind === 'login' && s.error?.startsWith('SERVICE_UNAVAILABLE')).length;
    const after = summarize(samples, (s) => s.phase === 'after');
    recordRow({
      scenario: 'auth-svc killed',
      load: `${RATE} req/s: anonymous reads, token reads, logins (1 in 10)`,
      fault: `SIGKILL auth-svc for ${FAULT_MS / 1000} s, then restart`,
      figure:
        `failed: anonymous reads ${anon.failed}/${anon.count}, token reads ${token.failed}/${token.count}; ` +
        `logins SERVICE_UNAVAILABLE ${unavailable}/${logins.count} (p99 ${ms(logins.p99)}); ` +
        `logins back ${ms(loginBackAfter)} after restart; after: ${after.failed}/${after.count} failed`,
    });

    expect(anon.errors).toEqual([]);
    expect(token.errors).toEqual([]);
    expect(anon.count).toBeGreaterThan(100);
    expect(logins.count).toBeGreaterThan(10);
    expect(unavailable).toBe(logins.count);
    // Fast = without waiting for the gateway's 2 s downstream deadline.
    expect(logins.p99).toBeLessThan(1_500);
    expect(loginBackAfter).toBeLessThan(20_000);
    expect(after.errors).toEqual([]);
  });
});
