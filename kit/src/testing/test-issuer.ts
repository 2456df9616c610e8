import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet } from 'jose';
import { ACCESS_TOKEN } from '../auth/auth.js';

/**
 * The one access-token issuer tests use: tokens signed as auth-svc signs them (Ed25519, typ at+jwt, iss,
 * aud, sub, iat, exp, jti, roles), with a key of its own that a service under test trusts through
 * `jwks` (its createApp override) instead of fetching auth-svc's.
 */
export interface TestIssuer {
  /** The public key set, for a service's `jwks` override. */
  jwks: () => Promise<JSONWebKeySet>;
  /** An access token for `userId` with `roles` (['user'] unless given), valid for ten minutes. */
  sign(userId: string, roles?: string[]): Promise<string>;
  /** A token with the right kid and claims (admin included) signed by another key: what a forger could make. */
  forge(userId: string): Promise<string>;
}

/** Generates the issuer's key pair (and a forger's), for tokens naming `issuer` and `audience` (auth-svc's defaults). */
export async function createTestIssuer(options: { issuer?: string; audience?: string } = {}): Promise<TestIssuer> {
  const { issuer = ACCESS_TOKEN.defaultIssuer, audience = ACCESS_TOKEN.defaultAudience } = options;
  const kid = `test-${randomUUID()}`;
  const real = await generateKeyPair(ACCESS_TOKEN.alg, { crv: 'Ed25519' });
  const forger = await generateKeyPair(ACCESS_TOKEN.alg, { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(real.publicKey)), kid, alg: ACCESS_TOKEN.alg, use: 'sig' };
  const signWith = (key: CryptoKey, userId: string, roles: string[]) =>
    new SignJWT({ roles })
      .setProtectedHeader({ alg: ACCESS_TOKEN.alg, typ: ACCESS_TOKEN.typ, kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime('10m')
      .setJti(randomUUID())
      .sign(key);
  return {
    jwks: async () => ({ keys: [jwk] }),
    sign: (userId, roles = ['user']) => signWith(real.privateKey, userId, roles),
    forge: (userId) => signWith(forger.privateKey, userId, ['user', 'admin']),
  };
}
