import { decodeJwt } from 'jose';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import { CredentialKind, type AuthService } from '@pastemesh/gen/auth';
import { API_KEY_PREFIX } from '@pastemesh/kit/auth';
import { invalidArgument } from '@pastemesh/kit/rpc';
import type { AuthDeps } from '../auth-deps.js';
import { toProtoRoles } from '../user/user.mapper.js';

type SessionRpcs = Pick<ServiceImpl<typeof AuthService>, 'logout' | 'refreshToken' | 'verifyToken'>;

/** Logout, RefreshToken and VerifyToken. */
export function createSessionRpcs(deps: AuthDeps): SessionRpcs {
  const { sessions, credentials, apiKeys } = deps;
  return {
    async logout(req) {
      await sessions.end(req.refreshToken);
      deps.events.inc({ event: 'logout' });
      return {};
    },

    async refreshToken(req) {
      return { tokens: await sessions.rotate(req.refreshToken) };
    },

    async verifyToken(req) {
      const token = req.token.trim();
      if (!token) throw invalidArgument('token', 'token: required');
      if (token.startsWith(API_KEY_PREFIX)) {
        const principal = await apiKeys(token);
        return {
          userId: principal.userId,
          roles: toProtoRoles(principal.roles),
          kind: CredentialKind.API_KEY,
          accessToken: principal.accessToken,
        };
      }
      // The same verifier as the interceptor's: algorithm, issuer, audience and typ are pinned there.
      // A token minted for an API key (cred: "api_key") says so: it has the key's limits.
      const principal = await credentials.verify(token);
      const { exp } = decodeJwt(token);
      return {
        userId: principal.userId,
        roles: toProtoRoles(principal.roles),
        kind: principal.kind === 'api_key' ? CredentialKind.API_KEY : CredentialKind.ACCESS_TOKEN,
        ...(exp ? { expireTime: timestampFromMs(exp * 1000) } : {}),
      };
    },
  };
}
