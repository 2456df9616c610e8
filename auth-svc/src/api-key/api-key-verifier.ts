import { API_KEY_PREFIX, Code, Reason, appError, type Principal } from '@pastemesh/kit';
import type { AuthDb } from '../database.js';
import type { AccessTokenIssuer } from '../token/access-token.js';
import { sha256Hex } from '../token/secrets.js';
import { roleNames } from '../user/user.mapper.js';
import { findApiKeyByHash, touchApiKey } from './api-key.repository.js';

/** `last_use_time` is written at most this often per key. */
export const LAST_USE_RESOLUTION_MS = 60_000;

/** Resolves an API key straight from the database (auth-svc owns them, so revocation is immediate here). */
export type ApiKeyVerifier = (key: string) => Promise<Principal & { accessTokenExpiresAtMs: number }>;

/** Builds the verifier; each success mints a short-lived access token acting as the key's user. */
export function createApiKeyVerifier(options: {
  db: AuthDb;
  accessTokens: AccessTokenIssuer;
  accessTokenTtlSeconds: number;
  now: () => number;
}): ApiKeyVerifier {
  return async (key) => {
    if (!key.startsWith(API_KEY_PREFIX)) throw appError(Code.Unauthenticated, Reason.TOKEN_INVALID, 'API key invalid');
    const row = await findApiKeyByHash(options.db, sha256Hex(key));
    if (!row) throw appError(Code.Unauthenticated, Reason.TOKEN_INVALID, 'API key invalid');
    if (row.revoked_at !== null) throw appError(Code.Unauthenticated, Reason.TOKEN_INVALID, 'API key revoked');
    const now = options.now();
    if (row.last_used_at === null || row.last_used_at <= now - LAST_USE_RESOLUTION_MS) {
      await touchApiKey(options.db, row.id, now, LAST_USE_RESOLUTION_MS);
    }
    const roles = roleNames(row);
    const access = await options.accessTokens.issue(row.user_id, roles, options.accessTokenTtlSeconds);
    return {
      userId: row.user_id,
      roles,
      isAdmin: roles.includes('admin'),
      kind: 'api_key',
      accessToken: access.token,
      accessTokenExpiresAtMs: access.expiresAtMs,
    };
  };
}
