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
  // helmet has no Permissions-Policy: nothing here uses camera, microphone or location. No `interest-cohort`:
  // FLoC never shipped, and browsers log an unrecognised feature on every page that names it.
  headers['permissions-policy'] = 'camera=(), microphone=(), geolocation=()';
  return headers;
}

/**
 * Headers only a document a browser may parse as HTML acts on: the legacy XSS filter's switch, IE8's download
 * prompt, DNS prefetching of the document's links, and the document's agent cluster. An answer typed text/plain
 * or JSON is never parsed as HTML (X-Content-Type-Options: nosniff holds it to its type; raw answers are also
 * sandboxed by their CSP), so these four are left off it: four of the ~23 lines of a raw read's answer, whose
 * header lines are a measurable share of its cost (bench/README.md, "Raw hot read").
 */
const DOCUMENT_ONLY = ['x-xss-protection', 'x-download-options', 'x-dns-prefetch-control', 'origin-agent-cluster'];

const HSTS = 'strict-transport-security';

/** Answer types a browser never parses as a document that could hold markup or script. */
const NOT_A_DOCUMENT = /^(?:text\/plain|application\/(?:graphql-response\+)?json)\b/i;

/** Names left out of `headers`. */
const without = (headers: Record<string, string>, names: string[]) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));

/**
 * Security headers on every response; routes may tighten the CSP. A callback hook: an async one costs a promise
 * per response. Strict-Transport-Security goes only on answers to HTTPS requests (TLS here, or
 * `X-Forwarded-Proto: https` from a trusted proxy, TRUST_PROXY_HOPS): RFC 6797 §7.2 forbids it over plain HTTP,
 * where browsers ignore it anyway.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  const everywhere = helmetHeaders();
  const notDocuments = without(everywhere, DOCUMENT_ONLY);
  const secure = { everywhere, notDocuments };
  const plain = { everywhere: without(everywhere, [HSTS]), notDocuments: without(notDocuments, [HSTS]) };
  app.addHook('onSend', (req, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    const set = req.protocol === 'https' ? secure : plain;
    reply.headers(typeof type === 'string' && NOT_A_DOCUMENT.test(type) ? set.notDocuments : set.everywhere);
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', PAGE_CSP);
    done(null, payload);
  });
}
