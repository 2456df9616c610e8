import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  LATENCY_BUCKETS,
  SpanKind,
  bindHistogram,
  histogramOnce,
  observeWithTrace,
  recordFailure,
  type Attributes,
  type Logger,
  type Metrics,
  type Tracing,
} from '@pastemesh/kit/observability';
import { beginRequest, logFields, type RequestContext } from '@pastemesh/kit/rpc';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's trace context and ids, from its first hook on (every route, errors included). */
    trace: RequestContext;
    /** What the request's span and duration metric need of its method and route, worked out once per route. */
    traceRoute: RouteRecord;
  }
}

/** One method and route: its span name and attributes, and its duration histogram's children by status. */
interface RouteRecord {
  method: string;
  route: string;
  spanName: string;
  attributes: Attributes;
  byStatus: Map<number, BoundDuration>;
}

/** A child of http_server_request_duration_seconds with its labels (an exemplar observation names them). */
interface BoundDuration {
  labels: { method: string; route: string; status_code: string };
  observe(seconds: number): void;
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
  // Per method and route: the span's name and attributes, and the histogram's children by status (bound once,
  // label objects and keys built once): Fastify's routeOptions getter builds an object on every read, so it is
  // read once per request, and nothing else is built per request for the span when not recording.
  const routes = new Map<string, Map<string, RouteRecord>>();
  const recordOf = (method: string, route: string): RouteRecord => {
    let byMethod = routes.get(route);
    if (!byMethod) {
      byMethod = new Map();
      if (routes.size < 1_000) routes.set(route, byMethod);
    }
    let record = byMethod.get(method);
    if (!record) {
      record = {
        method,
        route,
        spanName: `${method} ${route}`,
        attributes: { 'http.request.method': method, 'http.route': route },
        byStatus: new Map(),
      };
      byMethod.set(method, record);
    }
    return record;
  };
  const recording = tracing.mode === 'recording';
  app.decorateRequest('trace', undefined as unknown as RequestContext);
  app.decorateRequest('traceRoute', undefined as unknown as RouteRecord);
  app.addHook('onRequest', (req, _reply, done) => {
    const record = recordOf(req.method, req.routeOptions.url ?? 'unmatched');
    req.traceRoute = record;
    req.trace = beginRequest(
      tracing,
      (name) => (name === 'x-request-id' ? String(req.id) : header(req, name)),
      // Read only when a span is recorded.
      recording ? record.spanName : '',
      SpanKind.SERVER,
      recording ? record.attributes : undefined,
    );
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const trace = req.trace;
    const record = req.traceRoute ?? recordOf(req.method, req.routeOptions.url ?? 'unmatched');
    const route = record.route;
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    let child = record.byStatus.get(status);
    if (!child) {
      const labels = { method: record.method, route, status_code: String(status) };
      child = { labels, observe: bindHistogram(duration, labels).observe };
      if (record.byStatus.size < 100) record.byStatus.set(status, child);
    }
    observeWithTrace(duration, child, child.labels, seconds, trace?.sampled ? trace.traceId : undefined);
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
