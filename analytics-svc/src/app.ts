import path from 'node:path';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { AuthService } from '@pastemesh/gen/auth';
import {
  apiKeyVerifier,
  createAuthInterceptor,
  createAuthenticator,
  createLogger,
  createMetrics,
  createServiceClient,
  createServiceHost,
  openDatabase,
  serviceDatabaseUrl,
  type AuthenticatorOptions,
  type BoundPorts,
  type Logger,
  type Metrics,
  type Principal,
  type ServiceClient,
  type ServiceDatabase,
  type ServiceHost,
} from '@pastemesh/kit';
import type { AnalyticsConfig } from './config.js';
import { analyticsMigrations, type AnalyticsDatabase } from './database.js';
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
export interface AnalyticsApp {
  start(): Promise<BoundPorts>;
  stop(): Promise<void>;
  /** Runs one retention pass now (it also runs every PRUNE_INTERVAL_MS). */
  prune(): Promise<PruneResult>;
}

/** Builds analytics-svc from its configuration; nothing listens until start(). */
export function createApp(config: AnalyticsConfig, overrides: AnalyticsAppOverrides = {}): AnalyticsApp {
  const logger = overrides.logger ?? createLogger('analytics-svc', config.LOG_LEVEL);
  const metrics = overrides.metrics ?? createMetrics('analytics-svc');
  const analyticsMetrics = createAnalyticsMetrics(metrics);
  const now = overrides.now ?? Date.now;
  let database: ServiceDatabase<AnalyticsDatabase> | undefined;
  let host: ServiceHost | undefined;
  let auth: ServiceClient<typeof AuthService> | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  let pruning: Promise<PruneResult> | undefined;
  let stopping = false;

  async function prune(): Promise<PruneResult> {
    if (!database) throw new Error('analytics-svc is not started');
    const db = database;
    pruning ??= pruneExpired(db.db, db.dialect, retentionCutoffMs(now(), config.RETENTION_DAYS), config.PRUNE_BATCH_SIZE, () => stopping)
      .then((result) => {
        for (const [table, rows] of Object.entries(result)) if (rows > 0) analyticsMetrics.pruned.inc({ table }, rows);
        if (Object.values(result).some((n) => n > 0)) logger.info({ pruned: result }, 'retention pruning');
        return result;
      })
      .finally(() => (pruning = undefined));
    return pruning;
  }

  // API keys resolve through auth-svc (operators may call UsageSummary with one).
  function verifyApiKey(key: string): Promise<Principal> {
    auth ??= createServiceClient(AuthService, { address: config.AUTH_SVC_URL, metrics });
    return apiKeyVerifier(auth.client)(key);
  }

  return {
    prune,
    async start() {
      stopping = false;
      database = await openDatabase<AnalyticsDatabase>({
        url: serviceDatabaseUrl(config.MYSQL_URL, 'pastemesh_analytics'),
        sqliteFile: path.join(config.DATA_DIR, 'analytics-svc.db'),
        migrations: analyticsMigrations,
        logger,
        metrics,
      });
      const authenticator = createAuthenticator({
        jwks: overrides.jwks ?? config.AUTH_JWKS_URL,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        verifyApiKey,
        logger,
      });
      const db = database;
      host = createServiceHost({
        name: 'analytics-svc',
        logger,
        metrics,
        services: [
          {
            service: AnalyticsService,
            impl: createAnalyticsService({ db: db.db, dialect: db.dialect, metrics: analyticsMetrics, retentionDays: config.RETENTION_DAYS, now }),
          },
        ],
        interceptors: [createAuthInterceptor(authenticator)],
        host: config.HOST,
        grpcPort: config.GRPC_PORT,
        connectPort: config.CONNECT_PORT,
        adminPort: config.ADMIN_PORT,
        readinessChecks: { database: () => db.ping() },
      });
      const ports = await host.start();
      pruneTimer = setInterval(() => void prune().catch((err: unknown) => logger.error({ err }, 'retention pruning failed')), config.PRUNE_INTERVAL_MS);
      pruneTimer.unref();
      void prune().catch((err: unknown) => logger.error({ err }, 'retention pruning failed'));
      return ports;
    },
    async stop() {
      stopping = true;
      clearInterval(pruneTimer);
      await host?.stop();
      await pruning?.catch(() => {});
      auth?.close();
      auth = undefined;
      await database?.close();
      database = undefined;
    },
  };
}
