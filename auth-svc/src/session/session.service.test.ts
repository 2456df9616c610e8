import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { CredentialKind, Role } from '@pastemesh/gen/auth';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { STORAGE_MODES, eventually } from '@pastemesh/kit/testing';
import { failure, registerUser, startAuth, withBearer, type AuthHarness } from '../testing/auth-harness.js';
import { sha256Hex } from '../token/secrets.js';

const DAY_MS = 24 * 3600_000;

describe.each(STORAGE_MODES)('sessions (%s)', (mode) => {
  let auth: AuthHarness;
  // Shifts the clock stored timestamps use, so expiry is tested without waiting 30 days.
  let skewMs = 0;
  // Runs once at the app's next clock read (a refresh reads it right after its lookup).
  let onNextClockRead: (() => void) | undefined;
  beforeAll(async () => {
    const now = () => {
      const hook = onNextClockRead;
      onNextClockRead = undefined;
      hook?.();
      return Date.now() + skewMs;
    };
    auth = await startAuth(mode, 'auth_session', {}, { now });
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
    expect(await failure(auth.client.refreshToken({ refreshToken: third }))).toMatchObject({
      code: Code.Unauthenticated,
      reason: 'TOKEN_INVALID',
    });
  });

  it('lets exactly one of 100 concurrent refreshes with one token succeed', async () => {
    const { refreshToken } = await registerUser(auth.client);
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => auth.client.refreshToken({ refreshToken }, { timeoutMs: 20_000 })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    const reasons = await Promise.all(
      results.filter((r) => r.status === 'rejected').map((r) => failure(Promise.reject(r.reason))),
    );
    expect(
      reasons.every(
        (r) => r.code === Code.Unauthenticated && (r.reason === 'TOKEN_REUSED' || r.reason === 'TOKEN_INVALID'),
      ),
    ).toBe(true);
    expect(reasons.some((r) => r.reason === 'TOKEN_REUSED')).toBe(true);
    // The losers count as reuse, so the winner's new session is revoked as well (no grace window).
    const winner = (ok[0] as PromiseFulfilledResult<{ tokens?: { refreshToken: string } }>).value.tokens!.refreshToken;
    expect(await failure(auth.client.refreshToken({ refreshToken: winner }))).toMatchObject({
      reason: 'TOKEN_INVALID',
    });
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
    expect(await failure(auth.client.refreshToken({ refreshToken: next }))).toMatchObject({
      code: Code.Unauthenticated,
      reason: 'TOKEN_INVALID',
    });
    // Logging out twice is harmless.
    await expect(auth.client.logout({ refreshToken: next })).resolves.toBeDefined();
  });

  it('refuses a refresh when a Logout commits after its lookup but before it spends the token', async () => {
    const { refreshToken } = await registerUser(auth.client);
    const database = await auth.openDb();
    try {
      const { family_id: familyId } = await database.db
        .selectFrom('refresh_tokens')
        .select('family_id')
        .where('token_hash', '=', sha256Hex(refreshToken))
        .executeTakeFirstOrThrow();
      let refresh: Promise<unknown>;
      if (mode === 'mysql') {
        // Logout's UPDATE, held open on a connection of our own: the refresh's lookup does not see it,
        // and the refresh must wait for it and then see it, not spend the token first.
        await database.db.transaction().execute(async (trx) => {
          await trx
            .updateTable('refresh_families')
            .set({ revoked_at: Date.now() })
            .where('id', '=', familyId)
            .execute();
          refresh = auth.client.refreshToken({ refreshToken });
          refresh.catch(() => {});
          // Wait until it blocks on our lock; innodb_trx is refreshed only after 100 ms unread, so poll slower.
          await eventually(
            async () => {
              const { rows } = await sql<{ n: number }>`
              select count(*) as n from information_schema.innodb_trx t
              join information_schema.processlist p on p.id = t.trx_mysql_thread_id
              where t.trx_state = 'LOCK WAIT' and p.db = database()`.execute(database.db);
              return Number(rows[0]?.n) > 0;
            },
            10_000,
            250,
          );
        });
      } else {
        // A second SQLite connection commits the revocation synchronously between the lookup and the spend.
        const other = new Database(path.join(auth.storage.dataDir, 'auth-svc.db'));
        onNextClockRead = () =>
          other.prepare('update refresh_families set revoked_at = ? where id = ?').run(Date.now(), familyId);
        refresh = auth.client.refreshToken({ refreshToken });
        await refresh.catch(() => {});
        other.close();
      }
      expect(await failure(refresh!)).toMatchObject({
        code: Code.Unauthenticated,
        reason: 'TOKEN_INVALID',
        message: 'refresh_token: the session has been ended',
      });
    } finally {
      onNextClockRead = undefined;
      await database.close();
    }
  });

  it('rejects an unknown or empty refresh token', async () => {
    expect(await failure(auth.client.refreshToken({ refreshToken: 'x'.repeat(43) }))).toMatchObject({
      code: Code.Unauthenticated,
      reason: 'TOKEN_INVALID',
    });
    expect(await failure(auth.client.refreshToken({ refreshToken: '' }))).toMatchObject({
      code: Code.InvalidArgument,
      field: 'refresh_token',
    });
    expect(await failure(auth.client.logout({ refreshToken: 'nope' }))).toMatchObject({
      code: Code.Unauthenticated,
      reason: 'TOKEN_INVALID',
    });
  });

  it('rejects a refresh token after its 30 days', async () => {
    const { refreshToken } = await registerUser(auth.client);
    skewMs = 30 * DAY_MS + 1_000;
    try {
      const err = await failure(auth.client.refreshToken({ refreshToken }));
      expect(err).toMatchObject({
        code: Code.Unauthenticated,
        reason: 'TOKEN_INVALID',
        message: 'refresh_token: expired',
      });
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
    await auth.client.setUserRole(
      { userId: user.userId, admin: true },
      withBearer((await auth.client.refreshToken({ refreshToken: admin.refreshToken })).tokens!.accessToken),
    );
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
    expect(minted).toMatchObject({ userId, kind: CredentialKind.API_KEY });
    expect(timestampMs(minted.expireTime!) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
  });

  it('rejects VerifyToken without a token', async () => {
    expect(await failure(auth.client.verifyToken({ token: '' }))).toMatchObject({
      code: Code.InvalidArgument,
      field: 'token',
    });
  });
});
