import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { toJsonString } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { decodeJwt } from 'jose';
import { ApiKeySchema } from '@pastemesh/gen/auth';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { failure, registerUser, startAuth, withBearer, type AuthHarness } from '../testing/auth-harness.js';
import { sha256Hex } from '../token/secrets.js';

describe.each(STORAGE_MODES)('API keys (%s)', (mode) => {
  let auth: AuthHarness;
  let skewMs = 0;
  beforeAll(async () => {
    auth = await startAuth(mode, 'auth_apikeys', {}, { now: () => Date.now() + skewMs });
  });
  afterAll(async () => auth?.close());

  it('shows a new key once, with the pm_ prefix, and stores only its hash', async () => {
    const { accessToken } = await registerUser(auth.client);
    const { apiKey, secret } = await auth.client.createApiKey({ name: ' deploy bot ' }, withBearer(accessToken));
    expect(secret).toMatch(/^pm_[0-9A-Za-z]{43}$/);
    expect(apiKey).toMatchObject({ name: 'deploy bot', prefix: secret.slice(0, 7) });
    expect(apiKey?.lastUseTime).toBeUndefined();
    const database = await auth.openDb();
    try {
      const row = await database.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', apiKey!.id)
        .executeTakeFirstOrThrow();
      expect(row.key_hash).toBe(sha256Hex(secret));
      expect(JSON.stringify(row)).not.toContain(secret);
    } finally {
      await database.close();
    }
  });

  it('lists the caller’s keys newest first, without secrets', async () => {
    const { accessToken } = await registerUser(auth.client);
    const first = await auth.client.createApiKey({ name: 'one' }, withBearer(accessToken));
    skewMs += 1_000;
    const second = await auth.client.createApiKey({ name: 'two' }, withBearer(accessToken));
    const other = await registerUser(auth.client);
    await auth.client.createApiKey({ name: 'not mine' }, withBearer(other.accessToken));
    const { apiKeys } = await auth.client.listApiKeys({}, withBearer(accessToken));
    expect(apiKeys.map((k) => k.id)).toEqual([second.apiKey!.id, first.apiKey!.id]);
    expect(apiKeys.map((k) => toJsonString(ApiKeySchema, k)).join()).not.toContain(first.secret.slice(7));
  });

  it('acts as its user on authenticated calls', async () => {
    const { accessToken, userId } = await registerUser(auth.client);
    const { secret } = await auth.client.createApiKey({ name: 'cli' }, withBearer(accessToken));
    const me = await auth.client.getCurrentUser({}, withBearer(secret));
    expect(me.account?.user?.id).toBe(userId);
  });

  it('refuses to create a key when the caller is itself an API key', async () => {
    const { accessToken } = await registerUser(auth.client);
    const { secret } = await auth.client.createApiKey({ name: 'cli' }, withBearer(accessToken));
    const err = await failure(auth.client.createApiKey({ name: 'child' }, withBearer(secret)));
    expect(err).toMatchObject({ code: Code.PermissionDenied, reason: 'ACCESS_TOKEN_REQUIRED' });
    expect(await failure(auth.client.createApiKey({ name: 'x' }))).toMatchObject({ code: Code.Unauthenticated });
  });

  it('refuses CreateApiKey with the access token VerifyToken minted for a key, as a gateway would forward it', async () => {
    const { accessToken, userId } = await registerUser(auth.client);
    const { secret } = await auth.client.createApiKey({ name: 'cli' }, withBearer(accessToken));
    const minted = (await auth.client.verifyToken({ token: secret })).accessToken;
    const claims = decodeJwt(minted);
    expect(claims['cred']).toBe('api_key');
    expect(claims.exp! - claims.iat!).toBe(300);
    const err = await failure(auth.client.createApiKey({ name: 'child' }, withBearer(minted)));
    expect(err).toMatchObject({ code: Code.PermissionDenied, reason: 'ACCESS_TOKEN_REQUIRED' });
    // It still acts as the key's user everywhere else.
    expect((await auth.client.getCurrentUser({}, withBearer(minted))).account?.user?.id).toBe(userId);
  });

  it('stops a revoked key at once and lists it with its revoke time', async () => {
    const { accessToken } = await registerUser(auth.client);
    const { apiKey, secret } = await auth.client.createApiKey({ name: 'leaked' }, withBearer(accessToken));
    await auth.client.getCurrentUser({}, withBearer(secret));
    await auth.client.revokeApiKey({ id: apiKey!.id }, withBearer(accessToken));
    expect(await failure(auth.client.getCurrentUser({}, withBearer(secret)))).toMatchObject({
      code: Code.Unauthenticated,
      reason: 'TOKEN_INVALID',
      message: 'API key revoked',
    });
    const { apiKeys } = await auth.client.listApiKeys({}, withBearer(accessToken));
    expect(apiKeys[0]?.revokeTime).toBeDefined();
    // Revoking again is harmless.
    await expect(auth.client.revokeApiKey({ id: apiKey!.id }, withBearer(accessToken))).resolves.toBeDefined();
  });

  it('answers NOT_FOUND for someone else’s key or an unknown id', async () => {
    const owner = await registerUser(auth.client);
    const { apiKey, secret } = await auth.client.createApiKey({ name: 'mine' }, withBearer(owner.accessToken));
    const stranger = await registerUser(auth.client);
    expect(await failure(auth.client.revokeApiKey({ id: apiKey!.id }, withBearer(stranger.accessToken)))).toMatchObject(
      {
        code: Code.NotFound,
        reason: 'API_KEY_NOT_FOUND',
      },
    );
    expect(await failure(auth.client.revokeApiKey({ id: 'no-such-key' }, withBearer(owner.accessToken)))).toMatchObject(
      { code: Code.NotFound },
    );
    await expect(auth.client.getCurrentUser({}, withBearer(secret))).resolves.toBeDefined();
  });

  it('refuses a RevokeApiKey id over 64 characters, naming the field and the limit', async () => {
    const { accessToken } = await registerUser(auth.client);
    expect(await failure(auth.client.revokeApiKey({ id: 'k'.repeat(65) }, withBearer(accessToken)))).toMatchObject({
      code: Code.InvalidArgument,
      field: 'id',
      limit: 64,
      message: 'id: at most 64 characters (got 65)',
    });
    expect(await failure(auth.client.revokeApiKey({ id: '' }, withBearer(accessToken)))).toMatchObject({
      code: Code.InvalidArgument,
      field: 'id',
    });
  });

  it('records the last use at most once a minute', async () => {
    const { accessToken } = await registerUser(auth.client);
    const { apiKey, secret } = await auth.client.createApiKey({ name: 'cron' }, withBearer(accessToken));
    const lastUse = async () => {
      const { apiKeys } = await auth.client.listApiKeys({}, withBearer(accessToken));
      const key = apiKeys.find((k) => k.id === apiKey!.id)!;
      return key.lastUseTime ? timestampMs(key.lastUseTime) : undefined;
    };
    await auth.client.getCurrentUser({}, withBearer(secret));
    const first = await lastUse();
    expect(first).toBeDefined();
    skewMs += 30_000;
    await auth.client.verifyToken({ token: secret });
    expect(await lastUse()).toBe(first);
    skewMs += 31_000;
    await auth.client.verifyToken({ token: secret });
    expect(await lastUse()).toBeGreaterThanOrEqual(first! + 60_000);
  });

  it('requires a name of 1 to 64 characters', async () => {
    const { accessToken } = await registerUser(auth.client);
    expect(await failure(auth.client.createApiKey({ name: '' }, withBearer(accessToken)))).toMatchObject({
      code: Code.InvalidArgument,
      field: 'name',
    });
    expect(await failure(auth.client.createApiKey({ name: 'k'.repeat(65) }, withBearer(accessToken)))).toMatchObject({
      code: Code.InvalidArgument,
      field: 'name',
      limit: 64,
    });
  });
});
