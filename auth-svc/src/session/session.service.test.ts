import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { CredentialKind, Role } from '@pastemesh/gen/auth';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { failure, registerUser, startAuth, withBearer, type AuthHarness } from '../test-support.js';

const DAY_MS = 24 * 3600_000;

describe.each(STORAGE_MODES)('sessions (%s)', (mode) => {
  let auth: AuthHarness;
  // Shifts the clock stored timestamps use, so expiry is tested without waiting 30 days.
  let skewMs = 0;
  beforeAll(async () => {
    auth = await startAuth(mode, 'auth_session', {}, { now: () => Date.now() + skewMs });
  });
  afterAll(async () => auth?.close());

  it('rotates a refresh token into a new pair whose access token works', async () => {
    const { refreshToken, userId } = await registerUser(auth.client);
    const { tokens } = await auth.client.refreshToken({ refreshToken });
    expect(tokens?.refreshToken).not.toBe(refreshToken);
    const me = await auth.client.getCurrentUser({}, withBearer(tokens!.accessToken));
    expect(me.account?.user?.id).toBe(userId);
    const expiresIn = timestampMs(tokens!.refreshTokenExpireTime!) - Date.now();
    expect(expiresIn).toBeGreaterThan(30 * DAY_MS - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(30 * DAY_MS);
  });

  it('revokes the whole family when a spent refresh token is used again', async () => {
    const { refreshToken } = await registerUser(auth.client);
    const second = (await auth.client.refreshToken({ refreshToken })).tokens!.refreshToken;
    const third = (await auth.client.refreshToken({ refreshToken: second })).tokens!.refreshToken;
    const reuse = await failure(auth.client.refreshToken({ refreshToken }));
    expect(reuse).toMatchObject({ code: Code.Unauthenticated, reason: 'TOKEN_REUSED', field: 'refresh_token' });
    // The newest token, the one the legitimate holder (or the thief) kept, is dead too.
    expect(await failure(auth.client.refreshToken({ refreshToken: third }))).toMatchObject({ code: Code.Unauthenticated, reason: 'TOKEN_INVALID' });
  });

  it('lets exactly one of 100 concurrent refreshes with one token succeed', async () => {
    const { refreshToken } = await registerUser(auth.client);
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => auth.client.refreshToken({ refreshToken }, { timeoutMs: 20_000 })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    const reasons = await Promise.all(results.filter((r) => r.status === 'rejected').map((r) => failure(Promise.reject(r.reason))));
    expect(reasons.every((r) => r.code === Code.Unauthenticated && (r.reason === 'TOKEN_REUSED' || r.reason === 'TOKEN_INVALID'))).toBe(true);
    expect(reasons.some((r) => r.reason === 'TOKEN_REUSED')).toBe(true);
    // The losers count as reuse, so the winner's new session is revoked as well (no grace window).
    const winner = (ok[0] as PromiseFulfilledResult<{ tokens?: { refreshToken: string } }>).value.tokens!.refreshToken;
    expect(await failure(auth.client.refreshToken({ refreshToken: winner }))).toMatchObject({ reason: 'TOKEN_INVALID' });
  });

  it('does not let a second session suffer when one session is revoked for reuse', async () => {
    const { refreshToken, email, password } = await registerUser(auth.client);
    const other = (await auth.client.login({ email, password })).tokens!.refreshToken;
    const next = (await auth.client.refreshToken({ refreshToken })).tokens!.refreshToken;
    await failure(auth.client.refreshToken({ refreshToken }));
    expect(await failure(auth.client.refreshToken({ refreshToken: next }))).toMatchObject({ reason: 'TOKEN_INVALID' });
    await expect(auth.client.refreshToken({ refreshToken: other })).resolves.toBeDefined();
  });

  it('ends the session on logout, including tokens rotated from it', async () => {
    const { refreshToken } = await registerUser(auth.client);
    const next = (await auth.client.refreshToken({ refreshToken })).tokens!.refreshToken;
    await auth.client.logout({ refreshToken: next });
    expect(await failure(auth.client.refreshToken({ refreshToken: next }))).toMatchObject({ code: Code.Unauthenticated, reason: 'TOKEN_INVALID' });
    // Logging out twice is harmless.
    await expect(auth.client.logout({ refreshToken: next })).resolves.toBeDefined();
  });

  it('rejects an unknown or empty refresh token', async () => {
    expect(await failure(auth.client.refreshToken({ refreshToken: 'x'.repeat(43) }))).toMatchObject({ code: Code.Unauthenticated, reason: 'TOKEN_INVALID' });
    expect(await failure(auth.client.refreshToken({ refreshToken: '' }))).toMatchObject({ code: Code.InvalidArgument, field: 'refresh_token' });
    expect(await failure(auth.client.logout({ refreshToken: 'nope' }))).toMatchObject({ code: Code.Unauthenticated, reason: 'TOKEN_INVALID' });
  });

  it('rejects a refresh token after its 30 days', async () => {
    const { refreshToken } = await registerUser(auth.client);
    skewMs = 30 * DAY_MS + 1_000;
    try {
      const err = await failure(auth.client.refreshToken({ refreshToken }));
      expect(err).toMatchObject({ code: Code.Unauthenticated, reason: 'TOKEN_INVALID', message: 'refresh_token: expired' });
    } finally {
      skewMs = 0;
    }
  });

  it('carries a role change into the next refreshed access token', async () => {
    const admin = await registerUser(auth.client);
    const database = await auth.openDb();
    await database.db.updateTable('users').set({ is_admin: 1 }).where('id', '=', admin.userId).execute();
    await database.close();
    const user = await registerUser(auth.client);
    await auth.client.setUserRole({ userId: user.userId, admin: true }, withBearer((await auth.client.refreshToken({ refreshToken: admin.refreshToken })).tokens!.accessToken));
    const { tokens } = await auth.client.refreshToken({ refreshToken: user.refreshToken });
    const verified = await auth.client.verifyToken({ token: tokens!.accessToken });
    expect(verified.roles).toEqual([Role.USER, Role.ADMIN]);
  });

  it('verifies an access token: user, roles, kind and expiry', async () => {
    const { accessToken, userId, res } = await registerUser(auth.client);
    const verified = await auth.client.verifyToken({ token: accessToken });
    expect(verified.userId).toBe(userId);
    expect(verified.roles).toEqual([Role.USER]);
    expect(verified.kind).toBe(CredentialKind.ACCESS_TOKEN);
    expect(timestampMs(verified.expireTime!)).toBe(timestampMs(res.tokens!.accessTokenExpireTime!));
    expect(verified.accessToken).toBe('');
  });

  it('verifies an API key and returns a short-lived access token acting as its user', async () => {
    const { accessToken, userId } = await registerUser(auth.client);
    const { secret } = await auth.client.createApiKey({ name: 'ci' }, withBearer(accessToken));
    const verified = await auth.client.verifyToken({ token: secret });
    expect(verified).toMatchObject({ userId, roles: [Role.USER], kind: CredentialKind.API_KEY });
    expect(verified.expireTime).toBeUndefined();
    const minted = await auth.client.verifyToken({ token: verified.accessToken });
    expect(minted.userId).toBe(userId);
    expect(timestampMs(minted.expireTime!) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
  });

  it('rejects VerifyToken without a token', async () => {
    expect(await failure(auth.client.verifyToken({ token: '' }))).toMatchObject({ code: Code.InvalidArgument, field: 'token' });
  });
});
