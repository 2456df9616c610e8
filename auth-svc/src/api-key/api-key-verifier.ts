import { API_KEY_PREFIX, type Principal } from '@pastemesh/kit/auth';
import { Code, Reason, appError } from '@pastemesh/kit/rpc';
import type { AuthDb } from '../database.js';
import type { AccessTokenIssuer } from '../token/access-token.js';
import { sha256Hex } from '../token/secrets.js';
import { roleNames } from '../user/user.js';
import { findApiKeyByHash, touchApiKey } from './api-key.repository.js';

/** `last_use_time` is written at most this often per key. */
export const LAST_USE_RESOLUTION_MS = 60_000;

/** Resolves an API key straight from the database (auth-svc owns them, so revocation is immediate here). */
export type ApiKeyVerifier = (key: string) => Promise<Principal & { accessTokenExpiresAtMs: number }>;

/**
 * Builds the verifier; each success mints a short-lived access token acting as
 * the key's user, marked `cred: "api_key"` so it keeps the key's limits wherever
 * it is forwarded. It cannot be recalled: after a revocation it works until it
 * expires (API_KEY_ACCESS_TOKEN_TTL_SECONDS, 5 min).
 */
export function createApiKeyVerifier(options: {
  db: AuthDb;
  accessTokens: AccessTokenIssuer;
  accessTokenTtlSeconds: number;
  now: () => number;
}): ApiKeyVerifier {
  return async (secret) => {
    if (!secret.startsWith(API_KEY_PREFIX))
      throw appError(Code.Unauthenticated, Reason.TOKEN_INVALID, 'API key invalid');
    const key = await findApiKeyByHash(options.db, sha256Hex(secret));
    if (!key) throw appError(Code.Unauthenticated, Reason.TOKEN_INVALID, 'API key invalid');
    if (key.revokedAtMs !== null) throw appError(Code.Unauthenticated, Reason.TOKEN_INVALID, 'API key revoked');
    const now = options.now();
    if (key.lastUsedAtMs === null || key.lastUsedAtMs <= now - LAST_USE_RESOLUTION_MS) {
      await touchApiKey(options.db, key.id, now, LAST_USE_RESOLUTION_MS);
    }
    const roles = roleNames({ isAdmin: key.ownerIsAdmin });
    const access = await options.accessTokens.issue(key.userId, roles, {
      ttlSeconds: options.accessTokenTtlSeconds,
      credential: 'api_key',
    });
    return {
      userId: key.userId,
      roles,
      isAdmin: key.ownerIsAdmin,
      kind: 'api_key',
      accessToken: access.token,
      accessTokenExpiresAtMs: access.expiresAtMs,
    };
  };
}
