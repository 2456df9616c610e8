import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { ACCESS_TOKEN, createLogger, createMetrics, createServiceClient, type BoundPorts, type Metrics, type ServiceClient } from '@pastemesh/kit';
import type { TestStorage } from '@pastemesh/kit/testing';
import { createApp, type AnalyticsApp } from '../app.js';
import { loadAnalyticsConfig, type AnalyticsConfig } from '../config.js';

/** Signs access tokens the test app accepts (an Ed25519 key of its own, served as its JWKS). */
export interface TestTokens {
  jwks: () => Promise<JSONWebKeySet>;
  sign(roles: string[], userId?: string): Promise<string>;
}

/** A signing key and its JWKS for tests. */
export async function createTestTokens(): Promise<TestTokens> {
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN.alg, { crv: 'Ed25519' });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: ACCESS_TOKEN.alg, use: 'sig' };
  return {
    jwks: async () => ({ keys: [jwk] }),
    sign: (roles, userId = randomUUID()) =>
      new SignJWT({ roles })
        .setProtectedHeader({ alg: ACCESS_TOKEN.alg, typ: ACCESS_TOKEN.typ, kid })
        .setIssuer(ACCESS_TOKEN.defaultIssuer)
        .setAudience(ACCESS_TOKEN.defaultAudience)
        .setSubject(userId)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey),
  };
}

/** A started analytics-svc on test storage, with a client to it. */
export interface TestAnalytics {
  app: AnalyticsApp;
  config: AnalyticsConfig;
  ports: BoundPorts;
  metrics: Metrics;
  client: ServiceClient<typeof AnalyticsService>['client'];
  /** Stops the client and the app (storage is the caller's). */
  stop(): Promise<void>;
}

/** Starts analytics-svc on `storage` (ports from `env`, 0 by default) and connects a client. */
export async function startTestAnalytics(
  storage: TestStorage,
  options: { env?: Record<string, string>; now?: () => number; tokens?: TestTokens } = {},
): Promise<TestAnalytics> {
  const config = loadAnalyticsConfig({
    ...storage.env,
    HOST: '127.0.0.1',
    GRPC_PORT: '0',
    CONNECT_PORT: '0',
    ADMIN_PORT: '0',
    LOG_LEVEL: 'silent',
    // Nothing listens here: tokens are verified with `tokens.jwks` or not at all.
    AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
    AUTH_SVC_URL: '127.0.0.1:9',
    ...options.env,
  });
  const metrics = createMetrics('analytics-svc');
  const app = createApp(config, {
    logger: createLogger('analytics-svc', 'silent'),
    metrics,
    ...(options.now ? { now: options.now } : {}),
    ...(options.tokens ? { jwks: options.tokens.jwks } : {}),
  });
  const ports = await app.start();
  const connection = createServiceClient(AnalyticsService, { address: `127.0.0.1:${ports.grpc}` });
  return {
    app,
    config,
    ports,
    metrics,
    client: connection.client,
    async stop() {
      connection.close();
      await app.stop();
    },
  };
}
