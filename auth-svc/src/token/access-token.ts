import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { ACCESS_TOKEN } from '@pastemesh/kit';
import type { SigningKeys } from './signing-keys.js';

/** A signed access token and when it stops working. */
export interface IssuedAccessToken {
  token: string;
  expiresAtMs: number;
}

/** Mints access tokens (EdDSA JWTs, typ at+jwt) for a user. */
export interface AccessTokenIssuer {
  issue(userId: string, roles: readonly string[], ttlSeconds?: number): Promise<IssuedAccessToken>;
}

/** Builds the issuer; every token carries iss, aud, sub, iat, exp, jti and roles, and the kid of the current key. */
export function createAccessTokenIssuer(
  keys: SigningKeys,
  options: { issuer: string; audience: string; ttlSeconds: number },
): AccessTokenIssuer {
  return {
    async issue(userId, roles, ttlSeconds = options.ttlSeconds) {
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + ttlSeconds;
      const token = await new SignJWT({ roles: [...roles] })
        .setProtectedHeader({ alg: ACCESS_TOKEN.alg, typ: ACCESS_TOKEN.typ, kid: keys.kid })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(userId)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(randomUUID())
        .sign(keys.privateKey);
      return { token, expiresAtMs: exp * 1000 };
    },
  };
}
