import { API_KEY_PREFIX, createAuthenticator, type Authenticator } from '@pastemesh/kit/auth';
import { type Logger } from '@pastemesh/kit/observability';
import type { ApiKeyVerifier } from '../api-key/api-key-verifier.js';
import type { SigningKeys } from './signing-keys.js';

/**
 * auth-svc's own verifier: JWTs through the kit's Authenticator (the one
 * verifier every service uses, fed this process's JWKS directly), API keys
 * straight from auth-svc's database, uncached, so a revoked key fails at once.
 */
export function createCredentialVerifier(options: {
  keys: SigningKeys;
  issuer: string;
  audience: string;
  apiKeys: ApiKeyVerifier;
  logger: Logger;
}): Authenticator {
  const jwt = createAuthenticator({
    jwks: async () => options.keys.jwks,
    issuer: options.issuer,
    audience: options.audience,
    logger: options.logger,
  });
  return {
    refresh: () => jwt.refresh(),
    verify: (credential) =>
      credential.startsWith(API_KEY_PREFIX) ? options.apiKeys(credential) : jwt.verify(credential),
  };
}
