import type { ServiceImpl } from '@connectrpc/connect';
import type { AuthService } from '@pastemesh/gen/auth';
import type { AuthDeps } from './auth-deps.js';
import { createSignInRpcs } from './user/sign-in.service.js';
import { createUserRpcs } from './user/user.service.js';
import { createSessionRpcs } from './session/session.service.js';
import { createApiKeyRpcs } from './api-key/api-key.service.js';

/** The AuthService implementation, composed from its feature folders. */
export function createAuthService(deps: AuthDeps): ServiceImpl<typeof AuthService> {
  return {
    ...createSignInRpcs(deps),
    ...createUserRpcs(deps),
    ...createSessionRpcs(deps),
    ...createApiKeyRpcs(deps),
  };
}
