import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createEventProducer, type EventProducer } from '@pastemesh/analytics-svc/client';
import { apiKeyVerifier, createAuthenticator, type Authenticator } from '@pastemesh/kit/auth';
import {
  createLogger,
  createMetrics,
  createTracing,
  type Logger,
  type Metrics,
  type Tracing,
} from '@pastemesh/kit/observability';
import { isUsableRequestId } from '@pastemesh/kit/rpc';
import { createAdminServer, createServiceApp, closeGracefully, listen, type ServiceApp } from '@pastemesh/kit/server';
import { createPubSub, createRedis } from '@pastemesh/kit/storage';
import type { GatewayConfig } from './config.js';
import { createDownstream } from './downstream.js';
import { createRateLimits } from './rate-limit.js';
import { createHotCache } from './paste/hot-cache.js';
import { createSharedPasteLoader } from './paste/paste.loader.js';
import { createPasteCreator } from './paste/paste.creator.js';
import { createApollo } from './graphql/apollo.js';
import { apolloRoute } from './graphql/http.js';
import { createReadThroughCache } from './graphql/read-through.js';
import { graphqlContext } from './graphql/context.js';
import type { GatewayServices } from './services.js';
import { registerBadRequestLimit } from './http/bad-request-limit.js';
import { limitConnectionsPerIp } from './http/connection-limit.js';
import { registerFastifyErrors } from './http/fastify-errors.js';
import { registerRawRoutes } from './http/raw.routes.js';
import { lazyRequestLogger } from './http/request-logger.js';
import { registerRequestTracing } from './http/request-trace.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { registerWebRoutes } from './http/web.routes.js';
import { registerWellKnownRoutes } from './http/well-known.routes.js';

/** How long past STATS_CACHE_TTL_MS stats totals may be answered while they are refreshed in the background. */
const STATS_STALE_MS = 5_000;

/** The /graphql body limit: JSON may spell each content byte as up to six (`\u0001`), plus the envelope. */
export function graphqlBodyLimit(maxContentBytes: number): number {
  return maxContentBytes * 6 + 64 * 1024;
}

/** Parts tests may replace (e.g. a producer pointed elsewhere); production passes at most a logger. */
export interface GatewayOverrides {
  logger?: Logger;
  producer?: EventProducer;
  authenticator?: Authenticator;
}

/** The gateway's bound ports. */
export interface GatewayPorts {
  http: number;
  admin: number;
}

/** The gateway process: the kit's lifecycle (started once), plus what operators and tests read. */
export interface GatewayApp extends ServiceApp<GatewayPorts> {
  /** The bound ports once started (the configured ones before). */
  readonly ports: GatewayPorts;
  /** The long-lived parts every request uses, from start() on (reading them earlier throws). */
  readonly services: GatewayServices;
  readonly metrics: Metrics;
}

/**
 * Builds the gateway: Fastify with Apollo at /graphql, the plain routes, the web client, and an admin port.
 * Stopping fails /readyz at once but keeps serving for SHUTDOWN_DRAIN_MS, then closes HTTP, Apollo, the
 * event producer, rate limits, hot cache, pub/sub, downstream clients, Redis, the admin server and tracing (its last spans exported), in that
 * order (the reverse of start).
 */
export function createApp(config: GatewayConfig, overrides: GatewayOverrides = {}): GatewayApp {
  const logger = overrides.logger ?? createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const tracing = createTracing('gateway', config);
  const ports: GatewayPorts = { http: config.HTTP_PORT, admin: config.ADMIN_PORT };
  let services: GatewayServices | undefined;
  let started = false;

  const lifecycle = createServiceApp({
    name: 'gateway',
    logger,
    async start(parts) {
      // Its parts register their metrics on `metrics` as they start, which they can do once.
      if (started) throw new Error('a gateway app starts once: createApp another to start again');
      started = true;
      // Started first so it stops last: spans of the final requests are exported before the process ends.
      await parts.start('tracing', async () => tracing, { stop: (t) => t.shutdown() });
      // Metrics only on the admin port: the public one must not tell strangers about traffic and internals.
      // Its /readyz fails until start-up completes and again as soon as stopping begins.
      const admin = createAdminServer({
        registry: metrics.registry,
        readiness: () => lifecycle.readiness(),
        isReady: () => lifecycle.isRunning(),
      });
      ports.admin = await parts.start('admin server', () => listen(admin, config.ADMIN_PORT, config.HOST), {
        stop: () => closeGracefully(admin, 1_000),
      });
      const redis = await parts.start(
        'redis',
        () => (config.REDIS_URL ? createRedis(config.REDIS_URL, logger, 'gateway', tracing) : undefined),
        {
          stop: (r) => r?.disconnect(),
        },
      );
      const downstream = await parts.start('downstream', () => createDownstream(config, metrics, logger, tracing), {
        stop: (d) => d.close(),
      });
      const pubsub = await parts.start('pubsub', () => createPubSub(redis, logger), { stop: (p) => p.close() });
      const hotCache = await parts.start(
        'hot cache',
        async () => {
          const cache = createHotCache({
            enabled: config.HOT_CACHE,
            maxBytes: config.HOT_CACHE_MAX_BYTES,
            ttlMs: config.HOT_CACHE_TTL_MS,
            pubsub,
            metrics,
            logger,
          });
          await cache.start();
          return cache;
        },
        { stop: (c) => c.stop() },
      );
      const limits = await parts.start('rate limits', () => createRateLimits(config, redis, metrics, logger), {
        stop: (l) => l.close(),
      });
      const producer = await parts.start(
        'event producer',
        () =>
          overrides.producer ??
          createEventProducer({
            analytics: config.ANALYTICS_SVC_URL,
            redis,
            logger,
            metrics,
            tracing,
            name: 'gateway-views',
          }),
        { stop: (p) => p.close() },
      );
      const authenticator =
        overrides.authenticator ??
        createAuthenticator({
          jwks: config.AUTH_JWKS_URL,
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          logger,
          apiKeyCacheMs: config.API_KEY_CACHE_MS,
          verifyApiKey: apiKeyVerifier(downstream.auth),
        });
      const current: GatewayServices = {
        config,
        publicUrl: () => config.PUBLIC_URL ?? `http://localhost:${ports.http}`,
        downstream,
        hotCache,
        producer,
        limits,
        authenticator,
        logger,
        anonymousPasteLoader: createSharedPasteLoader(downstream.paste, hotCache, tracing),
        pasteCreator: createPasteCreator(downstream.paste, tracing),
        caches: {
          // A ten-minute bound all the same: a rename RPC added later must not leave old names forever.
          profiles: createReadThroughCache({
            name: 'profiles',
            enabled: config.HOT_CACHE,
            max: config.PROFILE_CACHE_MAX,
            ttlMs: 600_000,
            staleMs: 600_000,
            metrics,
            logger,
          }),
          statsTotals: createReadThroughCache({
            name: 'stats_totals',
            enabled: config.HOT_CACHE,
            max: 10_000,
            ttlMs: config.STATS_CACHE_TTL_MS,
            staleMs: STATS_STALE_MS,
            metrics,
            logger,
          }),
        },
      };
      services = current;
      const apollo = await parts.start(
        'apollo',
        async () => {
          const server = createApollo(config, metrics, logger, tracing);
          await server.start();
          return server;
        },
        { stop: (a) => a.stop() },
      );
      void authenticator.refresh();
      const http = await parts.start(
        'http',
        async () => {
          const app = createHttpApp(config, current, apollo, metrics, logger, tracing, lifecycle);
          try {
            await app.listen({ port: config.HTTP_PORT, host: config.HOST });
          } catch (err) {
            await app.close();
            throw err;
          }
          return app;
        },
        { stop: (app) => app.close() },
      );
      ports.http = (http.server.address() as { port: number }).port;
      parts.addCheck('listening', async () => {
        if (!http.server.listening) throw new Error('not listening');
      });
      // Stopped first: keep serving while load balancers notice the failing /readyz; then close (in-flight requests finish).
      parts.onStop('drain', () =>
        config.SHUTDOWN_DRAIN_MS > 0 ? new Promise((r) => setTimeout(r, config.SHUTDOWN_DRAIN_MS)) : undefined,
      );
      logger.info({ ports, url: current.publicUrl() }, 'gateway listening');
      return { ...ports };
    },
  });

  return {
    ...lifecycle,
    ports,
    metrics,
    get services() {
      if (!services) throw new Error('gateway is not started: its services exist from start() on');
      return services;
    },
  };
}

/** Fastify with every route: /graphql, the plain routes, the web client, /healthz and /readyz. */
function createHttpApp(
  config: GatewayConfig,
  services: GatewayServices,
  apollo: ReturnType<typeof createApollo>,
  metrics: Metrics,
  logger: Logger,
  tracing: Tracing,
  lifecycle: Pick<ServiceApp<unknown>, 'readiness' | 'isRunning'>,
): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request log lines cost CPU on every read; errors are logged where they are handled.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    // GraphQL's JSON: the limit that counts is the content's decoded size (checked by the use case), and JSON
    // may escape each byte of it as up to six (`\u0001`); POST / has its own limit, the content's.
    bodyLimit: graphqlBodyLimit(config.MAX_CONTENT_BYTES),
    // Slow clients: a whole request within REQUEST_TIMEOUT_MS (Node answers 408 and closes), headers within
    // HEADERS_TIMEOUT_MS, idle keep-alive connections closed after KEEP_ALIVE_TIMEOUT_MS; checked every second.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    http: { headersTimeout: config.HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    // The inbound x-request-id when it is a usable id (it is quoted in logs and error messages), else a new one.
    requestIdHeader: false,
    genReqId: (req) => {
      const inbound = req.headers['x-request-id'];
      return typeof inbound === 'string' && isUsableRequestId(inbound) ? inbound : randomUUID();
    },
    // Trust X-Forwarded-For only from the configured number of proxies in front (the Istio ingress). With none,
    // `false`: req.ip is then the socket's address, read directly, where a function runs proxy-addr (parsing
    // X-Forwarded-For) on every read of req.ip, twice per request. Not a number: Fastify 5.12 reads a hop count
    // as "trust no forwarded address" (it cannot check the nearest peer), which would ignore the ingress's.
    trustProxy: config.TRUST_PROXY_HOPS > 0 ? (_address: string, hop: number) => hop < config.TRUST_PROXY_HOPS : false,
  });
  limitConnectionsPerIp(app.server, config.MAX_CONNECTIONS_PER_IP ?? (config.TRUST_PROXY_HOPS > 0 ? 0 : 64), metrics);
  // First: every later hook, handler and error answer runs with the request's trace context.
  registerRequestTracing(app, tracing, metrics, logger);
  registerSecurityHeaders(app);
  registerBadRequestLimit(app, services.limits, logger);
  registerFastifyErrors(app, config.MAX_CONTENT_BYTES, logger);

  app.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    handler: apolloRoute(apollo, graphqlContext(services)),
  });
  registerRawRoutes(app, services);
  registerWebRoutes(app);
  registerWellKnownRoutes(app, config, logger);

  // Readiness is this process only: a downstream outage is the same for every replica, and taking all of them
  // out of the load balancer would turn degraded answers (SERVICE_UNAVAILABLE, partial data) into none at all.
  // Breaker state is reported here and in gateway_breaker_state for operators.
  const breakers = services.downstream.breakers;
  const breakerStates = () =>
    Object.fromEntries(
      Object.entries(breakers).map(([name, b]) => [name, b.opened ? 'open' : b.halfOpen ? 'half-open' : 'closed']),
    );
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const checks = await lifecycle.readiness();
    const ready = lifecycle.isRunning() && Object.values(checks).every((v) => v === 'ok');
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not ready', checks, breakers: breakerStates() });
  });
  return app;
}
