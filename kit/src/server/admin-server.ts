import http from 'node:http';
import type { Registry } from 'prom-client';

/** A plain handler for an extra admin route (e.g. auth-svc's JWKS). */
export type AdminRoute = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/** What the admin server asks the process about its health. */
export interface AdminServerOptions {
  registry: Registry;
  /** Readiness: each check's result; ready when all are ok. */
  readiness: () => Promise<Record<string, string>>;
  isReady: () => boolean;
  routes?: Record<string, AdminRoute>;
}

/**
 * The admin HTTP/1.1 server: /metrics (Prometheus), /healthz (liveness: the event
 * loop answers), /readyz (readiness: dependencies reachable), plus extra routes.
 */
export function createAdminServer(options: AdminServerOptions): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = options.routes?.[path];
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    void (async () => {
      try {
        if (route) return await route(req, res);
        if (path === '/metrics') return reply(200, options.registry.contentType, await options.registry.metrics());
        if (path === '/healthz') return reply(200, 'application/json', '{"status":"ok"}');
        if (path === '/readyz') {
          const checks = await options.readiness();
          const ready = options.isReady() && Object.values(checks).every((v) => v === 'ok');
          return reply(
            ready ? 200 : 503,
            'application/json',
            JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }),
          );
        }
        reply(404, 'application/json', '{"error":"not found"}');
      } catch (err) {
        reply(500, 'application/json', JSON.stringify({ error: String(err) }));
      }
    })();
  });
}
