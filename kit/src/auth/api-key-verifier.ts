import { Code, ConnectError, type Client } from '@connectrpc/connect';
import { Role, type AuthService } from '@pastemesh/gen/auth';
import { Reason, appError } from '../rpc/errors.js';
import type { Principal } from './auth.js';

/** Codes with which auth-svc says "this key is not valid" (anything else means it could not tell). */
const REFUSED = new Set([Code.Unauthenticated, Code.NotFound, Code.InvalidArgument, Code.PermissionDenied]);

/**
 * Resolves an API key through auth-svc's VerifyToken, for `createAuthenticator`'s
 * `verifyApiKey` (which caches the answer briefly). The principal carries the
 * short-lived access token auth-svc minted for the key's user. A refused key is
 * Unauthenticated; an unreachable auth-svc is Unavailable (never its raw error).
 */
export function apiKeyVerifier(auth: Client<typeof AuthService>): (key: string) => Promise<Principal> {
  return async (key) => {
    try {
      const res = await auth.verifyToken({ token: key });
      const roles = res.roles.includes(Role.ADMIN) ? ['user', 'admin'] : ['user'];
      return {
        userId: res.userId,
        roles,
        isAdmin: roles.includes('admin'),
        kind: 'api_key',
        accessToken: res.accessToken,
      };
    } catch (err) {
      const code = ConnectError.from(err).code;
      if (REFUSED.has(code)) throw appError(Code.Unauthenticated, Reason.TOKEN_INVALID, 'API key invalid or revoked');
      throw appError(
        Code.Unavailable,
        Reason.SERVICE_UNAVAILABLE,
        'API keys cannot be checked right now; try again or use an access token',
      );
    }
  };
}
