import { AnalyticsService } from '@pastemesh/gen/analytics';
import { createLogger, createMetrics, type Metrics } from '@pastemesh/kit/observability';
import { createServiceClient, type ServiceClient } from '@pastemesh/kit/rpc';
import { type BoundPorts } from '@pastemesh/kit/server';
import type { TestIssuer, TestStorage } from '@pastemesh/kit/testing';
import { createApp, type AnalyticsApp } from '../app.js';
import { loadAnalyticsConfig, type AnalyticsConfig } from '../config.js';

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

/** Starts analytics-svc on `storage` (ports from `env`, 0 by default) and connects a client; tokens from `issuer` verify. */
export async function startTestAnalytics(
  storage: TestStorage,
  options: { env?: Record<string, string>; now?: () => number; issuer?: TestIssuer } = {},
): Promise<TestAnalytics> {
  const config = loadAnalyticsConfig({
    ...storage.env,
    HOST: '127.0.0.1',
    GRPC_PORT: '0',
    CONNECT_PORT: '0',
    ADMIN_PORT: '0',
    LOG_LEVEL: 'silent',
    // Nothing listens here: tokens are verified with `issuer.jwks` or not at all.
    AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
    AUTH_SVC_URL: '127.0.0.1:9',
    ...options.env,
  });
  const metrics = createMetrics('analytics-svc');
  const app = createApp(config, {
    logger: createLogger('analytics-svc', 'silent'),
    metrics,
    ...(options.now ? { now: options.now } : {}),
    ...(options.issuer ? { jwks: options.issuer.jwks } : {}),
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
