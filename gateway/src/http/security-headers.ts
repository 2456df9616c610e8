import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/** The page CSP: no inline script, no third-party anything. */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** Raw pastes are untrusted text: even if a browser sniffed them, a sandbox with nothing allowed runs nothing. */
export const RAW_CSP = "default-src 'none'; sandbox";

/**
 * The headers helmet (the maintained list of what browsers honour) sends with our policy, worked out once.
 * helmet's own Fastify plugin computes them on every request in two onRequest hooks, one async: measured at
 * +26 µs CPU per request (1.56x) on a hot read's route (bench/security-headers.ts), a third of what a hot
 * read costs the gateway. The values never change per request, so helmet runs once at start-up and one
 * callback hook sets its result.
 */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet({
    contentSecurityPolicy: false, // set per response below: routes may tighten it
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  })({} as IncomingMessage, res as unknown as ServerResponse, () => {});
  // helmet has no Permissions-Policy: nothing here uses camera, microphone or location.
  headers['permissions-policy'] = 'camera=(), microphone=(), geolocation=(), interest-cohort=()';
  return headers;
}

/** Security headers on every response; routes may tighten the CSP. A callback hook: an async one costs a promise per response. */
export function registerSecurityHeaders(app: FastifyInstance): void {
  const headers = helmetHeaders();
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.headers(headers);
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', PAGE_CSP);
    done(null, payload);
  });
}
