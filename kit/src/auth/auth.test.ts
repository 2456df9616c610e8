import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { randomUUID } from 'node:crypto';
import { ConnectError } from '@connectrpc/connect';
import { ACCESS_TOKEN, createAuthenticator } from './auth.js';
import { createLogger } from '../observability/logger.js';

const logger = createLogger('auth-test', 'silent');
const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' }] };

function sign(claims: Record<string, unknown>, options: { exp?: boolean; sub?: string | null } = {}) {
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', typ: ACCESS_TOKEN.typ, kid: 'k1' })
    .setIssuer('pastemesh-auth')
    .setAudience('pastemesh')
    .setIssuedAt()
    .setJti(randomUUID());
  if (options.sub !== null) jwt = jwt.setSubject(options.sub ?? 'user-1');
  if (options.exp !== false) jwt = jwt.setExpirationTime('15m');
  return jwt.sign(privateKey);
}

describe('authenticator', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('verifies a sign-in token and marks a token minted for an API key as such', async () => {
    const auth = createAuthenticator({ jwks: async () => jwks, logger });
    expect(await auth.verify(await sign({ roles: ['user', 'admin'] }))).toMatchObject({
      userId: 'user-1',
      isAdmin: true,
      kind: 'access_token',
    });
    expect(await auth.verify(await sign({ roles: ['user'], cred: 'api_key' }))).toMatchObject({
      userId: 'user-1',
      isAdmin: false,
      kind: 'api_key',
    });
  });

  it('refuses tokens without an expiry or a subject', async () => {
    const auth = createAuthenticator({ jwks: async () => jwks, logger });
    for (const token of [await sign({}, { exp: false }), await sign({}, { sub: null })]) {
      const err = await auth.verify(token).catch((e: unknown) => ConnectError.from(e));
      expect((err as ConnectError).rawMessage).toBe('access token invalid');
    }
  });

  it('keeps verifying with the last good keys while the key source is down, without waiting on it per request', async () => {
    let calls = 0;
    let down = false;
    const auth = createAuthenticator({
      jwks: async () => {
        calls += 1;
        if (down) await new Promise((_, reject) => setTimeout(() => reject(new Error('auth-svc down')), 50));
        return jwks;
      },
      logger,
    });
    const token = await sign({});
    await auth.verify(token);
    down = true;
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'nextTick', 'setImmediate', 'queueMicrotask'] });
    jest.setSystemTime(Date.now() + 6 * 60_000);
    for (let i = 0; i < 20; i++) expect((await auth.verify(token)).userId).toBe('user-1');
    expect(calls).toBe(2); // one background refresh attempt, not one per request
  });

  it('retries a failed first key fetch a second later, not ten, so a slow start refuses tokens only briefly', async () => {
    let calls = 0;
    const auth = createAuthenticator({
      jwks: async () => {
        calls += 1;
        if (calls === 1) throw new Error('auth-svc still starting');
        return jwks;
      },
      logger,
    });
    const token = await sign({});
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'nextTick', 'setImmediate', 'queueMicrotask'] });
    const refused = await auth.verify(token).catch((e: unknown) => ConnectError.from(e));
    expect((refused as ConnectError).rawMessage).toBe('token keys are not available yet');
    jest.setSystemTime(Date.now() + 1_100);
    expect((await auth.verify(token)).userId).toBe('user-1');
    expect(calls).toBe(2);
  });
});
