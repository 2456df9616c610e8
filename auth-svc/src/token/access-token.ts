import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { ACCESS_TOKEN } from '@pastemesh/kit/auth';
import type { SigningKeys } from './signing-keys.js';

/** A signed access token and when it stops working. */
export interface IssuedAccessToken {
  token: string;
  expiresAtMs: number;
}

/** How one token differs from a sign-in token. */
export interface IssueOptions {
  /** Life in seconds (default: the configured access-token life). */
  ttlSeconds?: number;
  /**
   * "api_key" for a token minted for an API key: it carries `cred: "api_key"`, so
   * every verifier (the kit's) reports kind 'api_key' and it cannot create keys.
   */
  credential?: 'api_key';
}

/** Mints access tokens (EdDSA JWTs, typ at+jwt) for a user. */
export interface AccessTokenIssuer {
  issue(userId: string, roles: readonly string[], options?: IssueOptions): Promise<IssuedAccessToken>;
}

/** Builds the issuer; every token carries iss, aud, sub, iat, exp, jti and roles, and the kid of the current key. */
export function createAccessTokenIssuer(
  keys: SigningKeys,
  options: { issuer: string; audience: string; ttlSeconds: number },
): AccessTokenIssuer {
  return {
    async issue(userId, roles, { ttlSeconds = options.ttlSeconds, credential } = {}) {
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + ttlSeconds;
      const claims = { roles: [...roles], ...(credential ? { [ACCESS_TOKEN.credentialClaim]: credential } : {}) };
      const token = await new SignJWT(claims)
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
