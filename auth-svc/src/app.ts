import type http from 'node:http';
import { Counter } from 'prom-client';
import { AuthService } from '@pastemesh/gen/auth';
import { createAuthInterceptor } from '@pastemesh/kit/auth';
import { createLogger, createMetrics, createTracing, type Logger, type Metrics } from '@pastemesh/kit/observability';
import { createServiceApp, createServiceHost, type BoundPorts, type ServiceApp } from '@pastemesh/kit/server';
import { createRedis } from '@pastemesh/kit/storage';
import type { AuthConfig } from './config.js';
import { openAuthDatabase } from './database.js';
import type { AuthDeps } from './auth-deps.js';
import { createAuthService } from './auth.service.js';
import { createPasswordHasher, type Argon2Params, type PasswordHasher } from './password/password-hasher.js';
import { createLoginLimiter } from './rate-limit/login-limiter.js';
import { applyAdminEmails } from './user/admin-emails.js';
import { createSessions } from './session/sessions.js';
import { createApiKeyVerifier } from './api-key/api-key-verifier.js';
import { createAccessTokenIssuer } from './token/access-token.js';
import { createCredentialVerifier } from './token/credential-verifier.js';
import { loadSigningKeys, type SigningKeys } from './token/signing-keys.js';

export { loadAuthConfig, type AuthConfig } from './config.js';

/** Where verifiers fetch the public keys, on the admin port. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** Test seams; production passes none. */
export interface AuthAppOverrides {
  logger?: Logger;
  metrics?: Metrics;
  /** Clock for stored timestamps (epoch ms). */
  now?: () => number;
  /** The database a server-only MYSQL_URL is given (default pastemesh_auth), so tests need not share it. */
  databaseName?: string;
  /** Builds the password hasher from the configured argon2 cost (tests wrap the real one to count hashes). */
  createPasswordHasher?: (params: Argon2Params) => PasswordHasher;
}

/** The bound ports; the JWKS is at http://<host>:<admin>/.well-known/jwks.json. */
export type StartedAuthApp = BoundPorts;

const SWEEP_INTERVAL_MS = 3600_000;

/** Builds auth-svc; `start()` opens storage, loads the signing key and listens. */
export function createApp(config: AuthConfig, overrides: AuthAppOverrides = {}): ServiceApp<StartedAuthApp> {
  const logger = overrides.logger ?? createLogger('auth-svc', config.LOG_LEVEL);
  const metrics = overrides.metrics ?? createMetrics('auth-svc');
  const tracing = createTracing('auth-svc', config);
  const now = overrides.now ?? Date.now;
  const events = new Counter({
    name: 'auth_events_total',
    help: 'Account events: register, login, login_failed, login_blocked, logout, refresh_reuse, password_changed, api_key_created',
    labelNames: ['event'],
    registers: [metrics.registry],
  });

  return createServiceApp({
    name: 'auth-svc',
    logger,
    async start(parts) {
      // Started first so it stops last: spans of the final calls are exported before the process ends.
      await parts.start('tracing', async () => tracing, { stop: (t) => t.shutdown() });
      const database = await parts.start(
        'database',
        () =>
          openAuthDatabase({
            mysqlUrl: config.MYSQL_URL,
            databaseName: overrides.databaseName,
            sqliteFile: config.SQLITE_FILE,
            logger,
            metrics,
            tracing,
          }),
        { stop: (d) => d.close(), check: (d) => d.ping() },
      );
      const db = database.db;
      // Only accounts that exist now: registering a listed address later grants nothing (emails are unverified).
      await applyAdminEmails(db, config.ADMIN_EMAILS, now(), logger);
      const keys = await loadSigningKeys({
        privateKey: config.JWT_PRIVATE_KEY,
        previousPublicKeys: config.JWT_PREVIOUS_PUBLIC_KEYS,
        dataDir: config.DATA_DIR,
        logger,
      });
      // Redis only holds rate-limit counters, which fall back to memory: its absence is logged, not fatal.
      const redis = await parts.start(
        'redis',
        () => (config.REDIS_URL ? createRedis(config.REDIS_URL, logger, 'auth-svc', tracing) : undefined),
        {
          stop: (r) => r?.disconnect(),
        },
      );
      const accessTokens = createAccessTokenIssuer(keys, {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      });
      const apiKeys = createApiKeyVerifier({
        db,
        accessTokens,
        accessTokenTtlSeconds: config.API_KEY_ACCESS_TOKEN_TTL_SECONDS,
        now,
      });
      const credentials = createCredentialVerifier({
        keys,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        apiKeys,
        logger,
      });
      const deps: AuthDeps = {
        config,
        db,
        hasher: (overrides.createPasswordHasher ?? createPasswordHasher)({
          memoryKib: config.ARGON2_MEMORY_KIB,
          iterations: config.ARGON2_ITERATIONS,
          parallelism: config.ARGON2_PARALLELISM,
        }),
        sessions: createSessions({
          db,
          accessTokens,
          refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
          logger,
          now,
          onReuse: () => events.inc({ event: 'refresh_reuse' }),
        }),
        limiter: createLoginLimiter(redis, {
          maxFailuresPerEmailIp: config.LOGIN_MAX_FAILURES_PER_EMAIL_IP,
          blockSeconds: config.LOGIN_BLOCK_SECONDS,
          maxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP,
          ipBlockSeconds: config.LOGIN_IP_BLOCK_SECONDS,
          failureWindowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
          registerMaxPerIp: config.REGISTER_MAX_PER_IP,
          registerWindowSeconds: config.REGISTER_WINDOW_SECONDS,
        }),
        credentials,
        apiKeys,
        logger,
        events,
        now,
      };
      const host = createServiceHost({
        tracing,
        name: 'auth-svc',
        logger,
        metrics,
        host: config.HOST,
        services: [{ service: AuthService, impl: createAuthService(deps) }],
        interceptors: [createAuthInterceptor(credentials)],
        grpcPort: config.GRPC_PORT,
        connectPort: config.CONNECT_PORT,
        adminPort: config.ADMIN_PORT,
        readinessChecks: parts.checks,
        adminRoutes: { [JWKS_PATH]: jwksRoute(keys) },
      });
      const ports = await parts.start('server', () => host.start(), { stop: () => host.stop() });
      const sweep = () =>
        deps.sessions
          .sweep()
          .then((deleted) => logger.debug(deleted, 'refresh tokens swept'))
          .catch((err: unknown) => logger.warn({ err }, 'refresh token sweep failed'));
      await parts.start('token sweeper', () => setInterval(() => void sweep(), SWEEP_INTERVAL_MS).unref(), {
        stop: (timer) => clearInterval(timer),
      });
      return ports;
    },
  });
}

// Public keys change only on a restart (rotation), so verifiers may cache them for a few minutes.
function jwksRoute(keys: SigningKeys) {
  const body = JSON.stringify(keys.jwks);
  return (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
    res.end(body);
  };
}
