import type { FastifyInstance } from 'fastify';
import type { Logger } from '@pastemesh/kit/observability';
import type { GatewayConfig } from '../config.js';

/** Re-serves auth-svc's JWKS (cached a minute; the last good copy while auth-svc is down). */
export function registerWellKnownRoutes(app: FastifyInstance, config: GatewayConfig, logger: Logger): void {
  let cached: { body: string; at: number } | undefined;
  app.get('/.well-known/jwks.json', async (_req, reply) => {
    if (!cached || Date.now() - cached.at > 60_000) {
      try {
        const res = await fetch(config.AUTH_JWKS_URL, { signal: AbortSignal.timeout(2_000) });
        if (!res.ok) throw new Error(`auth-svc answered ${res.status}`);
        cached = { body: await res.text(), at: Date.now() };
      } catch (err) {
        logger.warn({ err: String(err) }, 'JWKS fetch failed');
        if (!cached) return reply.code(503).type('application/json').send('{"error":"keys unavailable"}');
      }
    }
    return reply.type('application/jwk-set+json').header('cache-control', 'public, max-age=60').send(cached!.body);
  });
}
