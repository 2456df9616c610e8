import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  LATENCY_BUCKETS,
  SpanKind,
  histogramOnce,
  observeWithTrace,
  recordFailure,
  type Logger,
  type Metrics,
  type Tracing,
} from '@pastemesh/kit/observability';
import { beginRequest, logFields, type RequestContext } from '@pastemesh/kit/rpc';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's trace context and ids, from its first hook on (every route, errors included). */
    trace: RequestContext;
  }
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The edge of every trace: each HTTP request begins here (its span under the inbound W3C or B3 context, the
 * request id Fastify settled on), and ends with one access-log line (method, route, status, duration, bytes,
 * request and trace ids) and an observation in http_server_request_duration_seconds, whose exemplar is the
 * trace id when the request is sampled.
 */
export function registerRequestTracing(app: FastifyInstance, tracing: Tracing, metrics: Metrics, logger: Logger): void {
  const duration = histogramOnce(metrics.registry, {
    name: 'http_server_request_duration_seconds',
    help: 'Time from a request arriving at the gateway to its response, by method, route and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS,
    enableExemplars: true,
  });
  // Bound children by method, route and status: label objects built once.
  const children = new Map<string, { observe(seconds: number): void }>();
  app.decorateRequest('trace', undefined as unknown as RequestContext);
  app.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    req.trace = beginRequest(
      tracing,
      (name) => (name === 'x-request-id' ? String(req.id) : header(req, name)),
      `${req.method} ${route}`,
      SpanKind.SERVER,
      { 'http.request.method': req.method, 'http.route': route },
    );
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const trace = req.trace;
    const route = req.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    const labels = { method: req.method, route, status_code: String(status) };
    const key = `${req.method} ${route} ${status}`;
    let child = children.get(key);
    if (!child) {
      child = duration.labels(labels);
      if (children.size < 1_000) children.set(key, child);
    }
    observeWithTrace(duration, child, labels, seconds, trace?.sampled ? trace.traceId : undefined);
    if (logger.isLevelEnabled('info')) {
      const bytesOut = reply.getHeader('content-length');
      logger.info(
        {
          method: req.method,
          url: req.url.length > 200 ? `${req.url.slice(0, 200)}…` : req.url,
          route,
          status,
          duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
          bytes_in: Number(req.headers['content-length'] ?? 0),
          bytes_out: bytesOut === undefined ? undefined : Number(bytesOut),
          ...logFields(trace),
        },
        'request',
      );
    }
    if (trace?.span) {
      trace.span.setAttribute('http.response.status_code', status);
      if (status >= 500) recordFailure(trace.span, undefined, String(status));
      trace.span.end();
    }
    done();
  });
}
