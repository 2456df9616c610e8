import { setMaxListeners } from 'node:events';
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Interceptor, ServiceImpl } from '@connectrpc/connect';
import type { DescService } from '@bufbuild/protobuf';
import { addServiceToGrpcServer, type ServiceBinding } from '../rpc/grpc-server.js';
import { createServerObservabilityInterceptor } from '../rpc/interceptors.js';
import { addReflection } from '../rpc/reflection.js';
import { createAdminServer, type AdminRoute } from './admin-server.js';
import { closeGracefully, listen } from './listen.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createTracing, type Tracing } from '../observability/tracing.js';

/** Largest request either port accepts (content limits are far below it; this bounds memory per call). */
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Everything a service process serves, described once. */
export interface ServiceHostOptions {
  name: string;
  logger: Logger;
  metrics: Metrics;
  /** The process's tracing (createTracing); default: trace context passed on, nothing recorded. */
  tracing?: Tracing;
  services: ServiceBinding[];
  /** Interceptors after the kit's observability one (e.g. authentication). */
  interceptors?: Interceptor[];
  host?: string;
  /** gRPC (HTTP/2, grpc-js): what the mesh and stock gRPC clients use. */
  grpcPort: number;
  /** Connect, gRPC-Web and JSON over HTTP/1.1 (connect-node), for browsers and curl. */
  connectPort: number;
  /** /metrics, /healthz, /readyz. */
  adminPort: number;
  /** Named dependency checks; the service is SERVING only while all pass. */
  readinessChecks?: Record<string, () => Promise<unknown>>;
  /** How often readiness is re-checked, in milliseconds. */
  readinessIntervalMs?: number;
  adminRoutes?: Record<string, AdminRoute>;
  /** In-flight calls get this long to finish on shutdown, in milliseconds. */
  shutdownTimeoutMs?: number;
}

/** Bound ports after start (they differ from the options when 0 was asked for). */
export interface BoundPorts {
  grpc: number;
  connect: number;
  admin: number;
}

/** A running (or startable) service process. */
export interface ServiceHost {
  /** Listens on every port, or on none: a start that fails releases the ports it had already bound. */
  start(): Promise<BoundPorts>;
  /** Stops accepting, lets in-flight calls finish (up to the timeout), then closes. */
  stop(): Promise<void>;
  readonly ports: BoundPorts;
}

/** Builds the one start-up every service uses: grpc-js + connect-node + admin, health, reflection, shutdown. */
export function createServiceHost(options: ServiceHostOptions): ServiceHost {
  const host = options.host ?? '0.0.0.0';
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const shutdown = new AbortController();
  // Every in-flight call listens on this signal; thousands at once are normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  const interceptors = [
    createServerObservabilityInterceptor(
      options.metrics,
      options.logger,
      options.tracing ?? createTracing(options.name),
    ),
    ...(options.interceptors ?? []),
  ];

  initialiseServerCounters(options.metrics, options.services);

  const grpcServer = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
  for (const binding of options.services) addServiceToGrpcServer(grpcServer, binding, interceptors, shutdown.signal);
  // '' and each service follow readiness (dependencies reachable); 'liveness' only says the process answers.
  const health = new HealthImplementation({ '': 'NOT_SERVING', liveness: 'SERVING' });
  health.addToServer(grpcServer);
  addReflection(
    grpcServer,
    options.services.map((b) => b.service),
  );

  const connectServer = http.createServer(
    connectNodeAdapter({
      routes: (router) => {
        for (const b of options.services) router.service(b.service, b.impl as Partial<ServiceImpl<DescService>>);
      },
      interceptors,
      shutdownSignal: shutdown.signal,
      // Small pastes dominate: compression costs more CPU than it saves on these links.
      acceptCompression: [],
      // The same cap as the gRPC port: a request is buffered before handlers see it.
      readMaxBytes: MAX_MESSAGE_BYTES,
    }),
  );

  const checks = options.readinessChecks ?? {};
  let lastChecks: Record<string, string> = {};
  let ready = false;
  let stopping = false;
  const setServing = (serving: boolean) => {
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', status);
    for (const b of options.services) health.setStatus(b.service.typeName, status);
  };
  async function checkReadiness(): Promise<Record<string, string>> {
    const results: Record<string, string> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2_000);
          results[name] = 'ok';
        } catch (err) {
          results[name] = err instanceof Error ? err.message : String(err);
        }
      }),
    );
    const nowReady = !stopping && Object.values(results).every((r) => r === 'ok');
    if (nowReady !== ready) {
      options.logger[nowReady ? 'info' : 'warn']({ checks: results }, nowReady ? 'ready' : 'not ready');
      ready = nowReady;
      setServing(ready);
    }
    lastChecks = results;
    return results;
  }
  const adminServer = createAdminServer({
    registry: options.metrics.registry,
    readiness: checkReadiness,
    isReady: () => ready,
    routes: options.adminRoutes ?? {},
  });

  let timer: NodeJS.Timeout | undefined;
  const ports: BoundPorts = { grpc: options.grpcPort, connect: options.connectPort, admin: options.adminPort };

  return {
    ports,
    async start() {
      try {
        ports.grpc = await new Promise<number>((resolve, reject) =>
          grpcServer.bindAsync(`${host}:${options.grpcPort}`, grpc.ServerCredentials.createInsecure(), (err, port) =>
            err ? reject(err) : resolve(port),
          ),
        );
        ports.connect = await listen(connectServer, options.connectPort, host);
        ports.admin = await listen(adminServer, options.adminPort, host);
      } catch (err) {
        // A port was taken: release those already bound, so a failed start holds nothing (nothing was served yet).
        grpcServer.forceShutdown();
        await Promise.all([closeGracefully(connectServer, 0), closeGracefully(adminServer, 0)]);
        throw err;
      }
      await checkReadiness();
      timer = setInterval(() => void checkReadiness(), options.readinessIntervalMs ?? 5_000);
      timer.unref();
      options.logger.info({ ports, checks: lastChecks }, `${options.name} listening`);
      return { ...ports };
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      ready = false;
      setServing(false);
      health.setStatus('liveness', 'NOT_SERVING');
      options.logger.info('shutting down: draining in-flight calls');
      const grpcDrained = new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          options.logger.warn('shutdown timeout: cancelling remaining calls');
          grpcServer.forceShutdown();
          resolve();
        }, shutdownTimeoutMs);
        grpcServer.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await Promise.all([grpcDrained, closeGracefully(connectServer, shutdownTimeoutMs)]);
      shutdown.abort();
      await closeGracefully(adminServer, 1_000);
      options.logger.info('stopped');
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The codes PastemeshHighErrorRate counts as the server's failure (istio/monitoring/alerts), and OK. */
const WATCHED_CODES = ['OK', 'UNKNOWN', 'INTERNAL', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'DATA_LOSS'];

/**
 * Every method's series of grpc_server_handled_total at 0 for the codes the error-rate alert watches, on the
 * mesh's protocol: a series that first appears at 1 is invisible to rate() and increase(), so without this the
 * first burst of failures of a method would not count.
 */
function initialiseServerCounters(metrics: Metrics, services: ServiceBinding[]): void {
  for (const { service } of services)
    for (const method of service.methods)
      for (const grpc_code of WATCHED_CODES)
        metrics.grpcServerHandled.inc(
          { grpc_service: service.typeName, grpc_method: method.name, protocol: 'grpc', grpc_code },
          0,
        );
}
