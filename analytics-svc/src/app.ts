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
} from '@pastemesh/kit';
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
  let auth: ServiceClient<typeof AuthService> | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  let pruning: Promise<PruneResult> | undefined;
  let stopping = false;
  // Closed in reverse order by stop(), or by start() itself if it fails half-way:
  // each resource is registered as soon as it exists, before the next step can fail.
  const closers: (() => Promise<unknown> | unknown)[] = [];

  async function stopAll(): Promise<void> {
    stopping = true;
    while (closers.length > 0) {
      await Promise.resolve(closers.pop()!()).catch((err: unknown) => logger.warn({ err: String(err) }, 'close failed'));
    }
  }

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
      try {
        const db = await openDatabase<AnalyticsDatabase>({
          url: serviceDatabaseUrl(config.MYSQL_URL, 'pastemesh_analytics'),
          sqliteFile: path.join(config.DATA_DIR, 'analytics-svc.db'),
          migrations: analyticsMigrations,
          logger,
          metrics,
        });
        database = db;
        closers.push(async () => {
          database = undefined;
          await db.close();
        });
        // Created on first use by verifyApiKey; closed with the rest.
        closers.push(() => {
          auth?.close();
          auth = undefined;
        });
        const authenticator = createAuthenticator({
          jwks: overrides.jwks ?? config.AUTH_JWKS_URL,
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          verifyApiKey,
          logger,
        });
        const host = createServiceHost({
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
        // Before start(): a start that binds one port and fails on the next must close the first.
        closers.push(() => host.stop());
        const ports = await host.start();
        // A pruning pass in progress finishes (it checks `stopping`) before the database closes.
        closers.push(async () => {
          clearInterval(pruneTimer);
          await pruning?.catch(() => {});
        });
        pruneTimer = setInterval(() => void prune().catch((err: unknown) => logger.error({ err }, 'retention pruning failed')), config.PRUNE_INTERVAL_MS);
        pruneTimer.unref();
        void prune().catch((err: unknown) => logger.error({ err }, 'retention pruning failed'));
        return ports;
      } catch (err) {
        await stopAll();
        throw err;
      }
    },
    stop: stopAll,
  };
}
