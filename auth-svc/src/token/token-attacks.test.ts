import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Code } from '@connectrpc/connect';
import {
  SignJWT,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  jwtVerify,
  type CryptoKey,
} from 'jose';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { failure, registerUser, startAuth, withBearer, type AuthHarness } from '../testing/auth-harness.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(STORAGE_MODES)('access tokens (%s)', (mode) => {
  let auth: AuthHarness;
  let privateKey: CryptoKey;
  let publicPem: string;
  let userId: string;
  let accessToken: string;
  let refreshToken: string;
  let revokedKey: string;

  // Forges a token with auth-svc's own key, changing one thing at a time.
  const forge = (change: { iss?: string; aud?: string; header?: object; exp?: number; key?: CryptoKey } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ roles: ['user', 'admin'] })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', ...change.header })
      .setIssuer(change.iss ?? 'pastemesh-auth')
      .setAudience(change.aud ?? 'pastemesh')
      .setSubject(userId)
      .setIssuedAt(now)
      .setExpirationTime(change.exp ?? now + 600)
      .setJti(randomUUID())
      .sign(change.key ?? privateKey);
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('EdDSA', { extractable: true });
    privateKey = pair.privateKey;
    publicPem = await exportSPKI(pair.publicKey);
    auth = await startAuth(mode, 'auth_tokens', {
      JWT_PRIVATE_KEY: (await exportPKCS8(privateKey)).replace(/\n/g, '\\n'),
    });
    ({ userId, accessToken, refreshToken } = await registerUser(auth.client));
    const key = await auth.client.createApiKey({ name: 'soon revoked' }, withBearer(accessToken));
    await auth.client.revokeApiKey({ id: key.apiKey!.id }, withBearer(accessToken));
    revokedKey = key.secret;
  });
  afterAll(async () => auth?.close());

  it('accepts a token with every claim right (the control for the attacks below)', async () => {
    const token = await forge();
    expect((await auth.client.verifyToken({ token })).userId).toBe(userId);
    expect((await auth.client.getCurrentUser({}, withBearer(token))).account?.user?.id).toBe(userId);
  });

  const attacks: Array<[string, () => Promise<string>]> = [
    [
      'alg: none',
      async () =>
        `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ sub: userId, iss: 'pastemesh-auth', aud: 'pastemesh', exp: Math.floor(Date.now() / 1000) + 600, roles: ['admin'] })}.`,
    ],
    [
      'HS256 signed with the public key',
      async () =>
        new SignJWT({ roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
          .setIssuer('pastemesh-auth')
          .setAudience('pastemesh')
          .setSubject(userId)
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(publicPem)),
    ],
    ['a wrong audience', () => forge({ aud: 'someone-else' })],
    ['a wrong issuer', () => forge({ iss: 'evil-issuer' })],
    ['a wrong typ (plain JWT)', () => forge({ header: { typ: 'JWT' } })],
    ['no typ', () => forge({ header: { typ: undefined } })],
    ['an expired token', () => forge({ exp: Math.floor(Date.now() / 1000) - 120 })],
    ['a token from another key', async () => forge({ key: (await generateKeyPair('EdDSA')).privateKey })],
    ['a refresh token used as an access token', async () => refreshToken],
    ['a revoked API key', async () => revokedKey],
    ['a made-up API key', async () => 'pm_' + 'A'.repeat(43)],
  ];

  it.each(attacks)('rejects %s on an authenticated call and in VerifyToken', async (_name, make) => {
    const token = await make();
    const onCall = await failure(auth.client.getCurrentUser({}, withBearer(token)));
    expect(onCall).toMatchObject({ code: Code.Unauthenticated, reason: 'TOKEN_INVALID' });
    const onVerify = await failure(auth.client.verifyToken({ token }));
    expect(onVerify).toMatchObject({ code: Code.Unauthenticated, reason: 'TOKEN_INVALID' });
  });

  it('issues tokens that a generic JWKS client verifies from /.well-known/jwks.json', async () => {
    const jwks = createRemoteJWKSet(new URL(auth.jwksUrl));
    const { payload, protectedHeader } = await jwtVerify(accessToken, jwks, {
      issuer: 'pastemesh-auth',
      audience: 'pastemesh',
      algorithms: ['EdDSA'],
      typ: 'at+jwt',
    });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: userId, roles: ['user'] });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.exp! - payload.iat!).toBe(15 * 60);
  });

  it('publishes only public keys, each with kid = its JWK thumbprint', async () => {
    const res = await fetch(auth.jwksUrl);
    expect(res.headers.get('content-type')).toBe('application/json');
    const { keys } = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
    expect(decodeProtectedHeader(accessToken).kid).toBe(keys[0]!['kid']);
  });
});
