import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { createContextKey, type HandlerContext, type Interceptor } from '@connectrpc/connect';
import { Code, Reason, appError } from '../rpc/errors.js';
import type { Logger } from '../observability/logger.js';

/** The conventions every issuer and verifier of Pastemesh access tokens shares. */
export const ACCESS_TOKEN = Object.freeze({
  /** RFC 9068 type, so a refresh token or an ID token can never pass as an access token. */
  typ: 'at+jwt',
  alg: 'EdDSA',
  defaultIssuer: 'pastemesh-auth',
  defaultAudience: 'pastemesh',
  /** Claim naming the credential a token stands for: absent for a sign-in, "api_key" for a token minted for an API key. */
  credentialClaim: 'cred',
});

/** API keys start with this, so people and secret scanners recognise them. */
export const API_KEY_PREFIX = 'pm_';

/** Who is calling, once a credential has been verified. */
export interface Principal {
  userId: string;
  roles: string[];
  isAdmin: boolean;
  kind: 'access_token' | 'api_key';
  /** A JWT acting as this user, to forward to other services. */
  accessToken: string;
}

/** What a verifier needs; the JWKS comes from auth-svc's admin port. */
export interface AuthenticatorOptions {
  /** e.g. http://127.0.0.1:9001/.well-known/jwks.json, or a function (tests, auth-svc itself). */
  jwks: string | (() => Promise<JSONWebKeySet>);
  issuer?: string;
  audience?: string;
  /** Resolves an API key to a principal (through auth-svc's VerifyToken); without it API keys are refused. */
  verifyApiKey?: (key: string) => Promise<Principal>;
  logger: Logger;
  /** How long a verified API key is trusted before asking again, in ms (revocation takes at most this long). */
  apiKeyCacheMs?: number;
}

/** Verifies bearer credentials locally; keeps the last good JWKS so verification survives an auth-svc outage. */
export interface Authenticator {
  /** Verifies a credential; throws Unauthenticated (TOKEN_INVALID) if it is not valid. */
  verify(credential: string): Promise<Principal>;
  /** Fetches the JWKS now (start-up warms it; failures are logged, not thrown). */
  refresh(): Promise<void>;
}

/** Builds an Authenticator. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const issuer = options.issuer ?? ACCESS_TOKEN.defaultIssuer;
  const audience = options.audience ?? ACCESS_TOKEN.defaultAudience;
  const fetchJwks =
    typeof options.jwks === 'function'
      ? options.jwks
      : async () => {
          const res = await fetch(options.jwks as string, { signal: AbortSignal.timeout(2_000) });
          if (!res.ok) throw new Error(`JWKS fetch answered ${res.status}`);
          return (await res.json()) as JSONWebKeySet;
        };
  let keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt = 0;
  let attemptedAt = 0;
  let inflight: Promise<void> | undefined;
  const refresh = () =>
    (inflight ??= ((attemptedAt = Date.now()), fetchJwks())
      .then((jwks) => {
        keySet = createLocalJWKSet(jwks);
        fetchedAt = Date.now();
      })
      .catch((err: unknown) => {
        options.logger.warn({ err: String(err) }, 'JWKS refresh failed; keeping the last good key set');
      })
      .finally(() => (inflight = undefined)));

  const apiKeys = new LRUCache<string, Principal>({ max: 10_000, ttl: options.apiKeyCacheMs ?? 30_000 });

  // At most one fetch attempt every 10 s, so an auth-svc outage never makes each request wait on a fetch; every
  // second while no key set was ever fetched (a slow first fetch at start-up must not refuse tokens for 10 s).
  const mayRefresh = () => Date.now() - attemptedAt > (keySet ? 10_000 : 1_000);

  async function verifyJwt(token: string, retried = false): Promise<Principal> {
    if (!keySet) {
      if (mayRefresh() || inflight) await refresh();
      if (!keySet) throw appError(Code.Unavailable, Reason.SERVICE_UNAVAILABLE, 'token keys are not available yet');
    } else if (Date.now() - fetchedAt > 5 * 60_000 && mayRefresh()) {
      // Stale but usable: verify with what we have and refresh in the background.
      void refresh();
    }
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer,
        audience,
        algorithms: [ACCESS_TOKEN.alg],
        typ: ACCESS_TOKEN.typ,
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      });
      return principalFromClaims(payload, token);
    } catch (err) {
      // A new signing key we have not seen yet: fetch once more (rate-limited to every 10 s).
      if (err instanceof joseErrors.JWKSNoMatchingKey && !retried && mayRefresh()) {
        await refresh();
        return verifyJwt(token, true);
      }
      const why = err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid';
      throw appError(Code.Unauthenticated, Reason.TOKEN_INVALID, `access token ${why}`);
    }
  }

  return {
    refresh,
    async verify(credential) {
      if (credential.startsWith(API_KEY_PREFIX)) {
        const cached = apiKeys.get(credential);
        if (cached) return cached;
        if (!options.verifyApiKey)
          throw appError(Code.Unauthenticated, Reason.TOKEN_INVALID, 'API keys are not accepted here');
        const principal = await options.verifyApiKey(credential);
        apiKeys.set(credential, principal);
        return principal;
      }
      return verifyJwt(credential);
    },
  };
}

/**
 * Reads a principal from verified claims. A token auth-svc minted for an API key
 * carries `cred: "api_key"`, so it keeps the key's limits (it cannot create keys)
 * wherever it is forwarded.
 */
export function principalFromClaims(payload: JWTPayload, token: string): Principal {
  const roles = Array.isArray(payload['roles']) ? (payload['roles'] as unknown[]).map(String) : ['user'];
  const kind: Principal['kind'] = payload[ACCESS_TOKEN.credentialClaim] === 'api_key' ? 'api_key' : 'access_token';
  return { userId: String(payload.sub), roles, isAdmin: roles.includes('admin'), kind, accessToken: token };
}

/** Where the auth interceptor leaves the caller for handlers. */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: 'verified caller' });

/** Extracts the bearer credential from an `authorization` header value. */
export function bearer(header: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Verifies `authorization: Bearer …` when present and leaves the principal in
 * the handler context; a call without one proceeds anonymously; a bad one fails.
 */
export function createAuthInterceptor(authenticator: Authenticator): Interceptor {
  return (next) => async (req) => {
    const credential = bearer(req.header.get('authorization'));
    if (credential) req.contextValues.set(principalKey, await authenticator.verify(credential));
    return next(req);
  };
}

/** The caller, or undefined when anonymous. */
export function callerOf(ctx: HandlerContext): Principal | undefined {
  return ctx.values.get(principalKey);
}

/** The caller; throws Unauthenticated when anonymous. */
export function requireCaller(ctx: HandlerContext): Principal {
  const principal = ctx.values.get(principalKey);
  if (!principal)
    throw appError(
      Code.Unauthenticated,
      Reason.UNAUTHENTICATED,
      'sign in first: this call needs a bearer token or API key',
    );
  return principal;
}
