import { randomUUID } from 'node:crypto';
import type { ServiceImpl } from '@connectrpc/connect';
import type { AuthService } from '@pastemesh/gen/auth';
import { API_KEY_PREFIX, Code, Reason, appError, invalidArgument, requireCaller } from '@pastemesh/kit';
import type { AuthDeps } from '../auth-deps.js';
import { randomBase62, sha256Hex } from '../token/secrets.js';
import { LIMITS, validLabel } from '../user/user.validation.js';
import { findUserApiKey, insertApiKey, listApiKeys, revokeApiKey } from './api-key.repository.js';
import { toApiKey } from './api-key.mapper.js';
import type { ApiKeyRow } from './api-key.table.js';

type ApiKeyRpcs = Pick<ServiceImpl<typeof AuthService>, 'createApiKey' | 'listApiKeys' | 'revokeApiKey'>;

/** Random characters after `pm_`: 43 base62 characters carry about 256 bits. */
const SECRET_LENGTH = 43;
/** `pm_` and four characters, as the contract's example shows. */
const PREFIX_LENGTH = API_KEY_PREFIX.length + 4;

/** CreateApiKey, ListApiKeys and RevokeApiKey for the caller's own keys. */
export function createApiKeyRpcs(deps: AuthDeps): ApiKeyRpcs {
  const { db } = deps;
  return {
    async createApiKey(req, ctx) {
      const caller = requireCaller(ctx);
      // A leaked key must not be able to mint more keys that outlive its revocation.
      if (caller.kind !== 'access_token') {
        throw appError(Code.PermissionDenied, Reason.ACCESS_TOKEN_REQUIRED, 'creating API keys needs an access token, not an API key');
      }
      const name = validLabel(req.name, 'name', LIMITS.apiKeyNameMax);
      const secret = API_KEY_PREFIX + randomBase62(SECRET_LENGTH);
      const row: ApiKeyRow = {
        id: randomUUID(),
        user_id: caller.userId,
        name,
        prefix: secret.slice(0, PREFIX_LENGTH),
        key_hash: sha256Hex(secret),
        created_at: deps.now(),
        last_used_at: null,
        revoked_at: null,
      };
      await insertApiKey(db, row);
      deps.events.inc({ event: 'api_key_created' });
      return { apiKey: toApiKey(row), secret };
    },

    async listApiKeys(_req, ctx) {
      const caller = requireCaller(ctx);
      return { apiKeys: (await listApiKeys(db, caller.userId)).map(toApiKey) };
    },

    async revokeApiKey(req, ctx) {
      const caller = requireCaller(ctx);
      if (!req.id) throw invalidArgument('id', 'id: required');
      // Someone else's key is "not found" too, so ids cannot be probed.
      const row = await findUserApiKey(db, caller.userId, req.id);
      if (!row) throw appError(Code.NotFound, Reason.API_KEY_NOT_FOUND, `API key ${req.id} not found`, { field: 'id' });
      await revokeApiKey(db, row.id, deps.now());
      return {};
    },
  };
}
