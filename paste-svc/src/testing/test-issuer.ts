import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet } from 'jose';
import { ACCESS_TOKEN } from '@pastemesh/kit';

/** A real token issuer for tests: signs access tokens exactly as auth-svc does (kit/src/auth.ts). */
export interface TestIssuer {
  /** The JWKS to hand createApp (overrides.jwks). */
  jwks: () => Promise<JSONWebKeySet>;
  /** An access token for `userId`, roles ['user'] unless given. */
  sign(userId: string, roles?: string[]): Promise<string>;
  /** A token with the right kid and claims but signed by another key. */
  forge(userId: string): Promise<string>;
}

const KID = 'test-key-1';

async function signWith(key: CryptoKey, userId: string, roles: string[], issuer: string, audience: string): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: ACCESS_TOKEN.alg, typ: ACCESS_TOKEN.typ, kid: KID })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('10m')
    .setJti(randomUUID())
    .sign(key);
}

/** Generates an Ed25519 key pair and a forger's key pair. */
export async function createTestIssuer(issuer: string = ACCESS_TOKEN.defaultIssuer, audience: string = ACCESS_TOKEN.defaultAudience): Promise<TestIssuer> {
  const real = await generateKeyPair(ACCESS_TOKEN.alg, { crv: 'Ed25519', extractable: true });
  const forger = await generateKeyPair(ACCESS_TOKEN.alg, { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(real.publicKey)), kid: KID, alg: ACCESS_TOKEN.alg, use: 'sig' };
  return {
    jwks: async () => ({ keys: [jwk] }),
    sign: (userId, roles = ['user']) => signWith(real.privateKey, userId, roles, issuer, audience),
    forge: (userId) => signWith(forger.privateKey, userId, ['user', 'admin'], issuer, audience),
  };
}
