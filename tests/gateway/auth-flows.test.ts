import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startStack, type Stack } from '../../scripts/stack.js';
import { gql, gqlOk, signUp, uniqueEmail } from '../support/graphql.js';

describe('gateway accounts and credentials (mysql)', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({
      mode: 'mysql',
      ports: 'random',
      env: { LOG_LEVEL: 'warn' },
      serviceEnv: { gateway: { API_KEY_CACHE_MS: '1' } },
    });
    url = stack.gatewayUrl;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('registers, logs in, and answers me with the account', async () => {
    const user = await signUp(url, 'Ada');
    const login = await gqlOk(
      url,
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken account { email roles user { id displayName } } } }`,
      {
        e: user.email.toUpperCase(),
        p: user.password,
      },
    );
    expect(login['login'].account).toEqual({
      email: user.email,
      roles: ['USER'],
      user: { id: user.userId, displayName: 'Ada' },
    });
    const me = await gqlOk(url, `{ me { email user { id } } }`, {}, login['login'].accessToken);
    expect(me['me']).toEqual({ email: user.email, user: { id: user.userId } });
    expect((await gqlOk(url, `{ me { email } }`))['me']).toBeNull();
  });

  it('gives one generic error for a wrong password and an unknown email', async () => {
    const user = await signUp(url, 'generic');
    const wrong = await gql(
      url,
      `mutation($e: String!) { login(email: $e, password: "wrong password!") { accessToken } }`,
      { e: user.email },
    );
    const unknown = await gql(
      url,
      `mutation($e: String!) { login(email: $e, password: "wrong password!") { accessToken } }`,
      { e: uniqueEmail('nobody') },
    );
    expect(wrong.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(unknown.errors?.[0]?.message).toBe(wrong.errors?.[0]?.message);
    expect(unknown.errors?.[0]?.extensions?.['code']).toBe(wrong.errors?.[0]?.extensions?.['code']);
  });

  it('refuses a taken email naming the field without confirming an account exists, and a short password naming the field', async () => {
    const user = await signUp(url, 'dup');
    const dup = await gql(
      url,
      `mutation($e: String!) { register(email: $e, password: "long enough pw", displayName: "x") { accessToken } }`,
      { e: user.email },
    );
    expect(dup.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    expect(dup.errors?.[0]?.message).not.toMatch(/already exists|taken|registered/i);
    const short = await gql(
      url,
      `mutation($e: String!) { register(email: $e, password: "short", displayName: "x") { accessToken } }`,
      { e: uniqueEmail() },
    );
    expect(short.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
  });

  it('rotates refresh tokens, refuses a spent one, and logs out', async () => {
    const user = await signUp(url, 'refresher');
    const next = await gqlOk(
      url,
      `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }`,
      { t: user.refreshToken },
    );
    expect(next['refreshToken'].refreshToken).not.toBe(user.refreshToken);
    const reuse = await gql(url, `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }`, {
      t: user.refreshToken,
    });
    expect(reuse.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    const fresh = await signUp(url, 'logout');
    expect(
      (await gqlOk(url, `mutation($t: String!) { logout(refreshToken: $t) }`, { t: fresh.refreshToken }))['logout'],
    ).toBe(true);
    const after = await gql(url, `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }`, {
      t: fresh.refreshToken,
    });
    expect(after.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('accepts an API key as a bearer credential until it is revoked', async () => {
    const user = await signUp(url, 'keys');
    const created = await gqlOk(
      url,
      `mutation { createApiKey(name: "ci") { secret apiKey { id name prefix } } }`,
      {},
      user.accessToken,
    );
    const { secret, apiKey } = created['createApiKey'];
    expect(secret.startsWith('pm_')).toBe(true);
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    expect((await gqlOk(url, `{ me { user { id } } }`, {}, secret))['me'].user.id).toBe(user.userId);
    const paste = await gqlOk(
      url,
      `mutation { createPaste(input: { content: "by key", visibility: PRIVATE }) { paste { id author { id } } } }`,
      {},
      secret,
    );
    expect(paste['createPaste'].paste.author.id).toBe(user.userId);
    const keys = await gqlOk(url, `{ myApiKeys { id name revokedAt } }`, {}, user.accessToken);
    expect(keys['myApiKeys']).toEqual([{ id: apiKey.id, name: 'ci', revokedAt: null }]);
    await gqlOk(url, `mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: apiKey.id }, user.accessToken);
    await new Promise((r) => setTimeout(r, 20));
    const refused = await gql(url, `{ me { user { id } } }`, {}, secret);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('refuses a forged token', async () => {
    const user = await signUp(url, 'forged');
    const [h, p] = user.accessToken.split('.');
    const forged = `${h}.${p}.${Buffer.from('not a signature').toString('base64url')}`;
    const res = await gql(url, `{ me { email } }`, {}, forged);
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('re-serves the JWKS, and tokens verify against it with a generic JWKS client', async () => {
    const user = await signUp(url, 'jwks');
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(user.accessToken, jwks, {
      issuer: 'pastemesh-auth',
      audience: 'pastemesh',
    });
    expect(payload.sub).toBe(user.userId);
    expect(protectedHeader.alg).toBe('EdDSA');
  });
});
