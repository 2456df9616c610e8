import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { AuthService } from '@pastemesh/gen/auth';
import { createServiceClient } from '@pastemesh/kit/rpc';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { createApp } from '../app.js';
import { loadAuthConfig } from '../config.js';
import {
  TEST_ENV,
  failure,
  randomIp,
  registerUser,
  startAuth,
  uniqueEmail,
  withBearer,
  type AuthHarness,
} from '../testing/auth-harness.js';

const LIMITS = {
  LOGIN_MAX_FAILURES_PER_EMAIL_IP: '3',
  LOGIN_MAX_FAILURES_PER_IP: '6',
  LOGIN_BLOCK_SECONDS: '3600',
  LOGIN_IP_BLOCK_SECONDS: '86400',
  REGISTER_MAX_PER_IP: '3',
};

describe.each(STORAGE_MODES)('brute-force limits (%s)', (mode) => {
  let auth: AuthHarness;
  beforeAll(async () => {
    auth = await startAuth(mode, 'auth_limits', LIMITS);
  });
  afterAll(async () => auth?.close());

  const login = (email: string, password: string, clientIp: string) => auth.client.login({ email, password, clientIp });

  it('blocks an email+IP for an hour after 3 failures, even for the right password, and says when to retry', async () => {
    const { email, password } = await registerUser(auth.client);
    const ip = randomIp();
    for (let i = 0; i < 3; i++)
      expect(await failure(login(email, 'wrong password', ip))).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
    const blocked = await failure(login(email, password, ip));
    expect(blocked).toMatchObject({ code: Code.ResourceExhausted, reason: 'RATE_LIMITED' });
    expect(blocked.retryAfterSeconds).toBeGreaterThan(3590);
    expect(blocked.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(blocked.message).toMatch(/retry in \d+ seconds/);
    // The owner elsewhere is not locked out.
    await expect(login(email, password, randomIp())).resolves.toBeDefined();
  });

  it('lets only 3 of 40 parallel wrong passwords be checked; the other 37 are RATE_LIMITED', async () => {
    const { email, password } = await registerUser(auth.client);
    const ip = randomIp();
    const results = await Promise.all(Array.from({ length: 40 }, () => failure(login(email, 'wrong password', ip))));
    const count = (reason: string) => results.filter((r) => r.reason === reason).length;
    expect(count('INVALID_CREDENTIALS')).toBe(3);
    expect(count('RATE_LIMITED')).toBe(37);
    expect(await failure(login(email, password, ip))).toMatchObject({ reason: 'RATE_LIMITED' });
  });

  it('gives a right password its attempt back, so successful logins never add up to an IP block', async () => {
    const { email, password } = await registerUser(auth.client);
    const ip = randomIp();
    for (let i = 0; i < 8; i++) await login(email, password, ip);
    await failure(login(email, 'wrong password', ip));
    await expect(login(email, password, ip)).resolves.toBeDefined();
  });

  it('forgets consecutive failures after a successful login', async () => {
    const { email, password } = await registerUser(auth.client);
    const ip = randomIp();
    for (let round = 0; round < 2; round++) {
      await failure(login(email, 'wrong password', ip));
      await failure(login(email, 'wrong password', ip));
      await expect(login(email, password, ip)).resolves.toBeDefined();
    }
  });

  it('blocks an IP for a day after 6 failures across different emails', async () => {
    const ip = randomIp();
    for (let i = 0; i < 6; i++) await failure(login(uniqueEmail('spray'), 'wrong password', ip));
    const { email, password } = await registerUser(auth.client);
    const blocked = await failure(login(email, password, ip));
    expect(blocked).toMatchObject({ code: Code.ResourceExhausted, reason: 'RATE_LIMITED' });
    expect(blocked.retryAfterSeconds).toBeGreaterThan(86_000);
  });

  it('limits registrations per IP', async () => {
    const ip = randomIp();
    for (let i = 0; i < 3; i++) await registerUser(auth.client, { clientIp: ip });
    const err = await failure(registerUser(auth.client, { clientIp: ip }));
    expect(err).toMatchObject({ code: Code.ResourceExhausted, reason: 'RATE_LIMITED' });
    expect(err.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('limits current-password guesses on ChangePassword like logins (address from x-forwarded-for)', async () => {
    const { accessToken, password } = await registerUser(auth.client);
    const headers = { ...withBearer(accessToken).headers, 'x-forwarded-for': `${randomIp()}, 10.0.0.1` };
    for (let i = 0; i < 3; i++) {
      await failure(
        auth.client.changePassword({ currentPassword: 'wrong password', newPassword: 'new password!' }, { headers }),
      );
    }
    const blocked = await failure(
      auth.client.changePassword({ currentPassword: password, newPassword: 'new password!' }, { headers }),
    );
    expect(blocked).toMatchObject({ code: Code.ResourceExhausted, reason: 'RATE_LIMITED' });
  });
});

describe('brute-force limits across replicas (MariaDB + Redis)', () => {
  let auth: AuthHarness;
  beforeAll(async () => {
    auth = await startAuth('mysql', 'auth_limits_redis', LIMITS);
  });
  afterAll(async () => auth?.close());

  // A second replica of auth-svc on the same database and Redis (or a broken Redis).
  async function replica(env: Record<string, string>) {
    const app = createApp(loadAuthConfig({ ...auth.storage.env, ...TEST_ENV, ...LIMITS, ...env }));
    const ports = await app.start();
    const service = createServiceClient(AuthService, { address: `127.0.0.1:${ports.grpc}` });
    return { client: service.client, close: async () => (service.close(), await app.stop()) };
  }

  it('keeps counters in Redis, so a block made on one replica holds on another', async () => {
    const other = await replica({});
    try {
      const { email, password } = await registerUser(auth.client);
      const ip = randomIp();
      for (let i = 0; i < 3; i++) await failure(auth.client.login({ email, password: 'wrong password', clientIp: ip }));
      expect(await failure(other.client.login({ email, password, clientIp: ip }))).toMatchObject({
        reason: 'RATE_LIMITED',
      });
    } finally {
      await other.close();
    }
  });

  it('falls back to in-memory limits while Redis is unreachable', async () => {
    const broken = await replica({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const { email, password } = await registerUser(broken.client);
      const ip = randomIp();
      for (let i = 0; i < 3; i++)
        expect(await failure(broken.client.login({ email, password: 'wrong password', clientIp: ip }))).toMatchObject({
          reason: 'INVALID_CREDENTIALS',
        });
      const blocked = await failure(broken.client.login({ email, password, clientIp: ip }));
      expect(blocked).toMatchObject({ code: Code.ResourceExhausted, reason: 'RATE_LIMITED' });
      expect(blocked.retryAfterSeconds).toBeGreaterThan(3590);
    } finally {
      await broken.close();
    }
  });
});
