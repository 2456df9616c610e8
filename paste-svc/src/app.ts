import path from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { AuthService } from '@pastemesh/gen/auth';
import { PasteService } from '@pastemesh/gen/paste';
import { createEventProducer } from '@pastemesh/analytics-svc/client';
import { apiKeyVerifier, createAuthInterceptor, createAuthenticator } from '@pastemesh/kit/auth';
import {
  counterOnce,
  createLogger,
  createMetrics,
  createTracing,
  type Logger,
  type Metrics,
} from '@pastemesh/kit/observability';
import { bindService, createServiceClient } from '@pastemesh/kit/rpc';
import { createServiceApp, createServiceHost, type BoundPorts, type ServiceApp } from '@pastemesh/kit/server';
import { createByteCache, createPubSub, createRedis, openDatabase, serviceDatabaseUrl } from '@pastemesh/kit/storage';
import type { PasteConfig } from './config.js';
import { SESSION_ISOLATION, type PasteDatabase } from './database.js';
import { pasteMigrations } from './migrations/index.js';
import { createPasteCache } from './paste/paste.cache.js';
import { createPasteEvents, type PasteEventSink } from './paste/paste.events.js';
import { createPasteService } from './paste/paste.service.js';
import { createReplicaReads } from './paste/replica.js';
import { createSweeper, type SweepResult } from './paste/paste.sweeper.js';
import { newPasteId } from './paste/paste-id.js';
import { createContentStore, parseContentStore } from './content/content-store.js';
import { createContents } from './content/contents.js';

/** What tests (and embedders) may replace; production passes at most a logger. */
export interface PasteAppOverrides {
  logger?: Logger;
  metrics?: Metrics;
  /** The JWKS to verify access tokens with, instead of fetching AUTH_JWKS_URL. */
  jwks?: () => Promise<JSONWebKeySet>;
  /** Where lifecycle events go, instead of an event producer sending to ANALYTICS_SVC_URL. */
  events?: PasteEventSink;
  /** The clock, in epoch ms. */
  now?: () => number;
  /** The id generator (tests force collisions with it). */
  newId?: () => string;
}

/** What start() resolves with: the bound ports plus handles for operators and tests. */
export interface PasteAppStarted extends BoundPorts {
  /** Runs one sweeper round now. */
  sweepOnce(): Promise<SweepResult>;
  /** Checks the read replica's lag now (a no-op without MYSQL_REPLICA_URL). */
  checkReplica(): Promise<void>;
  metrics: Metrics;
}

/** paste-svc as one object: the same in production (main.ts) and tests. */
export function createApp(config: PasteConfig, overrides: PasteAppOverrides = {}): ServiceApp<PasteAppStarted> {
  const logger = overrides.logger ?? createLogger('paste-svc', config.LOG_LEVEL);
  const metrics = overrides.metrics ?? createMetrics('paste-svc');
  const tracing = createTracing('paste-svc', config);
  const now = overrides.now ?? Date.now;

  return createServiceApp({
    name: 'paste-svc',
    logger,
    async start(parts) {
      // Started first so it stops last: spans of the final calls are exported before the process ends.
      await parts.start('tracing', async () => tracing, { stop: (t) => t.shutdown() });
      const databaseUrl = serviceDatabaseUrl(config.MYSQL_URL, 'pastemesh_paste');
      const database = await parts.start(
        'database',
        () =>
          openDatabase<PasteDatabase>({
            url: databaseUrl,
            // The replica's database is the primary's (the same name appended).
            replicaUrl: serviceDatabaseUrl(
              config.MYSQL_REPLICA_URL,
              databaseUrl ? decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) : 'pastemesh_paste',
            ),
            sqliteFile: path.join(config.DATA_DIR, 'paste-svc.db'),
            migrations: pasteMigrations,
            logger,
            metrics,
            tracing,
            isolation: SESSION_ISOLATION,
          }),
        { stop: (d) => d.close(), check: (d) => d.ping() },
      );
      // Redis is only a cache: the service stays ready (and correct) without it, so it has no readiness check.
      const redis = await parts.start(
        'redis',
        () => (config.REDIS_URL ? createRedis(config.REDIS_URL, logger, 'paste-svc', tracing) : undefined),
        {
          stop: (r) => r?.disconnect(),
        },
      );
      const pubsub = await parts.start('pubsub', () => createPubSub(redis, logger), { stop: (p) => p.close() });
      // The object store, when CONTENT_STORE names one. Not a readiness check: an outage is the same for every
      // replica, and reads the caches can answer should go on (creates and cold reads answer UNAVAILABLE).
      const contentStore = await parts.start(
        'content store',
        () => createContentStore(parseContentStore(config.CONTENT_STORE), config),
        { stop: (s) => s?.close() },
      );
      const previousStore = config.CONTENT_STORE_PREVIOUS
        ? await parts.start(
            'previous content store',
            () => createContentStore(parseContentStore(config.CONTENT_STORE_PREVIOUS!), config),
            { stop: (s) => s?.close() },
          )
        : undefined;

      // Which database each read goes to; the replica is not a readiness check (reads fall back to the primary).
      const reads = await parts.start(
        'read routing',
        () => {
          const routing = createReplicaReads({
            primary: database.db,
            replica: database.replica,
            positions: () => database.replicaPositions(),
            pubsub,
            freshnessMs: config.REPLICA_FRESHNESS_MS,
            now,
            logger,
            metrics,
          });
          routing.start();
          return routing;
        },
        { stop: (r) => r.stop() },
      );
      // Not awaited, like the cache's invalidations below.
      reads.listen().then(
        (unlisten) => parts.onStop('listing changes', unlisten),
        (err: unknown) => logger.warn({ err: String(err) }, 'not listening for listing changes'),
      );

      const loads = counterOnce(metrics.registry, {
        name: 'paste_cache_loads_total',
        help: 'Database loads after a cache miss: one per GetPaste miss (single-flight shares one), one per BatchGetPastes with misses',
      });
      const cache = await parts.start(
        'cache',
        () =>
          createPasteCache({
            cache: createByteCache({ name: 'paste', redis, maxBytes: config.CACHE_MAX_BYTES, metrics, logger }),
            pubsub,
            logger,
            now,
            maxTtlMs: config.CACHE_MAX_TTL_MS,
            onLoad: () => loads.inc(),
            onChange: (id) => reads.pasteChanged(id),
          }),
        { stop: (c) => c.close() },
      );
      // Not awaited: with Redis down a subscription waits for it, and reads must not. Undone when it settles
      // (at once, if the app stopped meanwhile).
      cache.listen().then(
        (unlisten) => parts.onStop('cache invalidations', unlisten),
        (err: unknown) => logger.warn({ err: String(err) }, 'not listening for invalidations'),
      );

      const producer = overrides.events
        ? undefined
        : await parts.start(
            'event producer',
            () =>
              createEventProducer({
                analytics: config.ANALYTICS_SVC_URL,
                redis,
                logger,
                metrics,
                tracing,
                name: 'paste-svc',
              }),
            {
              stop: (p) => p.close(),
            },
          );
      const events = createPasteEvents(overrides.events ?? producer!, logger, now);

      const auth = await parts.start(
        'auth client',
        () => createServiceClient(AuthService, { address: config.AUTH_SVC_URL, metrics, tracing }),
        { stop: (c) => c.close() },
      );
      const authenticator = createAuthenticator({
        jwks: overrides.jwks ?? config.AUTH_JWKS_URL,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        verifyApiKey: apiKeyVerifier(auth.client),
        logger,
      });
      void authenticator.refresh(); // warm the key set; failures are logged and retried on first use

      const service = createPasteService({
        db: database.db,
        dialect: database.dialect,
        reads,
        cache,
        contents: createContents({ store: contentStore, previous: previousStore, logger }),
        events,
        limits: {
          maxContentBytes: config.MAX_CONTENT_BYTES,
          allowedExpiries: config.ALLOWED_EXPIRIES,
          defaultExpiry: config.DEFAULT_EXPIRY,
        },
        logger,
        now,
        newId: overrides.newId ?? newPasteId,
      });
      const host = createServiceHost({
        tracing,
        name: 'paste-svc',
        logger,
        metrics,
        host: config.HOST,
        services: [bindService(PasteService, service)],
        interceptors: [createAuthInterceptor(authenticator)],
        grpcPort: config.GRPC_PORT,
        connectPort: config.CONNECT_PORT,
        adminPort: config.ADMIN_PORT,
        readinessChecks: parts.checks,
      });
      const ports = await parts.start('server', () => host.start(), { stop: () => host.stop() });
      const sweeper = await parts.start(
        'sweeper',
        () => {
          const sweeper = createSweeper({
            db: database.db,
            dialect: database.dialect,
            cache,
            events,
            logger,
            metrics,
            now,
            intervalMs: config.SWEEP_INTERVAL_MS,
            batchSize: config.SWEEP_BATCH_SIZE,
            dutyCycle: config.SWEEP_DUTY_CYCLE,
            orphanGraceMs: config.ORPHAN_GRACE_MS,
            store: contentStore,
            orphanScanIntervalMs: config.ORPHAN_SCAN_INTERVAL_MS,
          });
          if (config.SWEEP_ENABLED) sweeper.start();
          return sweeper;
        },
        { stop: (s) => s.stop() },
      );
      return { ...ports, sweepOnce: sweeper.sweepOnce, checkReplica: reads.check, metrics };
    },
  });
}
