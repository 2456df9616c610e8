import { randomUUID } from 'node:crypto';
import type { ServiceImpl } from '@connectrpc/connect';
import type { AuthService } from '@pastemesh/gen/auth';
import { API_KEY_PREFIX, requireCaller } from '@pastemesh/kit/auth';
import { Code, Reason, appError } from '@pastemesh/kit/rpc';
import type { AuthDeps } from '../auth-deps.js';
import { randomBase62, sha256Hex } from '../token/secrets.js';
import { LIMITS, validId, validLabel } from '../user/user.validation.js';
import { findUserApiKey, insertApiKey, listApiKeys, revokeApiKey } from './api-key.repository.js';
import { toApiKey } from './api-key.mapper.js';
import type { ApiKey } from './api-key.js';

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
      // A leaked key must not be able to mint more keys that outlive its revocation; nor may the
      // short-lived token VerifyToken mints for a key (it carries cred: "api_key", so its kind is 'api_key').
      if (caller.kind !== 'access_token') {
        throw appError(
          Code.PermissionDenied,
          Reason.ACCESS_TOKEN_REQUIRED,
          'creating API keys needs a sign-in access token, not an API key or a token minted for one',
        );
      }
      const name = validLabel(req.name, 'name', LIMITS.apiKeyNameMax);
      const secret = API_KEY_PREFIX + randomBase62(SECRET_LENGTH);
      const key: ApiKey = {
        id: randomUUID(),
        userId: caller.userId,
        name,
        prefix: secret.slice(0, PREFIX_LENGTH),
        createdAtMs: deps.now(),
        lastUsedAtMs: null,
        revokedAtMs: null,
      };
      await insertApiKey(db, key, sha256Hex(secret));
      deps.events.inc({ event: 'api_key_created' });
      return { apiKey: toApiKey(key), secret };
    },

    async listApiKeys(_req, ctx) {
      const caller = requireCaller(ctx);
      return { apiKeys: (await listApiKeys(db, caller.userId)).map(toApiKey) };
    },

    async revokeApiKey(req, ctx) {
      const caller = requireCaller(ctx);
      const id = validId(req.id);
      // Someone else's key is "not found" too, so ids cannot be probed.
      const key = await findUserApiKey(db, caller.userId, id);
      if (!key) throw appError(Code.NotFound, Reason.API_KEY_NOT_FOUND, `API key ${id} not found`, { field: 'id' });
      await revokeApiKey(db, key.id, deps.now());
      return {};
    },
  };
}
