import path from 'node:path';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { AuthService } from '@pastemesh/gen/auth';
import {
  apiKeyVerifier,
  createAuthInterceptor,
  createAuthenticator,
  type AuthenticatorOptions,
  type Principal,
} from '@pastemesh/kit/auth';
import { createLogger, createMetrics, createTracing, type Logger, type Metrics } from '@pastemesh/kit/observability';
import { createServiceClient, type ServiceClient } from '@pastemesh/kit/rpc';
import { createServiceApp, createServiceHost, type BoundPorts, type ServiceApp } from '@pastemesh/kit/server';
import { openDatabase, serviceDatabaseUrl } from '@pastemesh/kit/storage';
import type { AnalyticsConfig } from './config.js';
import type { AnalyticsDatabase } from './database.js';
import { analyticsMigrations } from './migrations/index.js';
import { createAnalyticsMetrics } from './analytics.metrics.js';
import { createAnalyticsService } from './analytics.service.js';
import { retentionCutoffMs } from './days.js';
import { pruneExpired, type PruneResult } from './events/event-retention.js';

/** What tests (and embedding processes) may replace. */
export interface AnalyticsAppOverrides {
  logger?: Logger;
  metrics?: Metrics;
  /** The clock: ingestion time, "today", and the retention cutoff. */
  now?: () => number;
  /** The JWKS, instead of fetching AUTH_JWKS_URL. */
  jwks?: Exclude<AuthenticatorOptions['jwks'], string>;
}

/** The analytics-svc process: the same object runs in production and in tests. */
export interface AnalyticsApp extends ServiceApp<BoundPorts> {
  /** Runs one retention pass now (it also runs every PRUNE_INTERVAL_MS); rejects while not started. */
  prune(): Promise<PruneResult>;
}

/** Builds analytics-svc from its configuration; nothing listens until start(). */
export function createApp(config: AnalyticsConfig, overrides: AnalyticsAppOverrides = {}): AnalyticsApp {
  const logger = overrides.logger ?? createLogger('analytics-svc', config.LOG_LEVEL);
  const metrics = overrides.metrics ?? createMetrics('analytics-svc');
  const tracing = createTracing('analytics-svc', config);
  const analyticsMetrics = createAnalyticsMetrics(metrics);
  const now = overrides.now ?? Date.now;
  // The running app's retention pass, while it runs.
  let prune: (() => Promise<PruneResult>) | undefined;

  const app = createServiceApp({
    name: 'analytics-svc',
    logger,
    async start(parts) {
      // Started first so it stops last: spans of the final calls are exported before the process ends.
      await parts.start('tracing', async () => tracing, { stop: (t) => t.shutdown() });
      const db = await parts.start(
        'database',
        () =>
          openDatabase<AnalyticsDatabase>({
            url: serviceDatabaseUrl(config.MYSQL_URL, 'pastemesh_analytics'),
            sqliteFile: path.join(config.DATA_DIR, 'analytics-svc.db'),
            migrations: analyticsMigrations,
            logger,
            metrics,
            tracing,
          }),
        { stop: (d) => d.close(), check: (d) => d.ping() },
      );
      // API keys resolve through auth-svc (operators may call UsageSummary with one): its client is created on
      // first use, and closed with the rest.
      let auth: ServiceClient<typeof AuthService> | undefined;
      parts.onStop('auth client', () => auth?.close());
      const verifyApiKey = (key: string): Promise<Principal> => {
        auth ??= createServiceClient(AuthService, { address: config.AUTH_SVC_URL, metrics, tracing });
        return apiKeyVerifier(auth.client)(key);
      };
      const authenticator = createAuthenticator({
        jwks: overrides.jwks ?? config.AUTH_JWKS_URL,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        verifyApiKey,
        logger,
      });
      const host = createServiceHost({
        tracing,
        name: 'analytics-svc',
        logger,
        metrics,
        services: [
          {
            service: AnalyticsService,
            impl: createAnalyticsService({
              db: db.db,
              dialect: db.dialect,
              metrics: analyticsMetrics,
              retentionDays: config.RETENTION_DAYS,
              now,
            }),
          },
        ],
        interceptors: [createAuthInterceptor(authenticator)],
        host: config.HOST,
        grpcPort: config.GRPC_PORT,
        connectPort: config.CONNECT_PORT,
        adminPort: config.ADMIN_PORT,
        readinessChecks: parts.checks,
      });
      const ports = await parts.start('server', () => host.start(), { stop: () => host.stop() });

      // One pass at a time; a pass in progress ends early once stop begins, and finishes before the database closes.
      let pruning: Promise<PruneResult> | undefined;
      const pruneOnce = (): Promise<PruneResult> =>
        (pruning ??= pruneExpired(
          db.db,
          db.dialect,
          retentionCutoffMs(now(), config.RETENTION_DAYS),
          config.PRUNE_BATCH_SIZE,
          () => parts.signal.aborted,
        )
          .then((result) => {
            for (const [table, rows] of Object.entries(result))
              if (rows > 0) analyticsMetrics.pruned.inc({ table }, rows);
            if (Object.values(result).some((n) => n > 0)) logger.info({ pruned: result }, 'retention pruning');
            return result;
          })
          .finally(() => (pruning = undefined)));
      const pruneInBackground = () =>
        void pruneOnce().catch((err: unknown) => logger.error({ err }, 'retention pruning failed'));
      await parts.start(
        'retention pruning',
        () => {
          prune = pruneOnce;
          pruneInBackground();
          return setInterval(pruneInBackground, config.PRUNE_INTERVAL_MS).unref();
        },
        {
          async stop(timer) {
            clearInterval(timer);
            prune = undefined;
            await pruning?.catch(() => {});
          },
        },
      );
      return ports;
    },
  });

  return {
    ...app,
    async prune() {
      if (!prune) throw new Error('analytics-svc is not started');
      return prune();
    },
  };
}
