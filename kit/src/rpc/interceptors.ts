import { Code, ConnectError, createContextKey, type Interceptor } from '@connectrpc/connect';
import type { Logger } from '../observability/logger.js';
import { observeWithTrace, type Metrics } from '../observability/metrics.js';
import { SpanKind, recordFailure, type Tracing } from '../observability/tracing.js';
import { beginRequest, logFields, requestContextKey } from './request-context.js';
import { toPublicError } from './errors.js';

/** Which wire protocol a call arrived on; the grpc-js adapter sets it, Connect calls infer it. */
export const protocolKey = createContextKey<string | undefined>(undefined, { description: 'wire protocol' });

/** Message sizes of a call, in bytes, as the grpc-js adapter saw them on the wire (for the access log). */
export interface WireSizes {
  requestBytes?: number;
  responseBytes?: number;
}
export const wireSizesKey = createContextKey<WireSizes | undefined>(undefined, { description: 'message sizes' });

function protocolOf(contentType: string | null): string {
  if (!contentType) return 'connect';
  if (contentType.startsWith('application/grpc-web')) return 'grpc-web';
  if (contentType.startsWith('application/grpc')) return 'grpc';
  return 'connect';
}

/**
 * The first interceptor on every server: begins the request (its span, under the caller's trace context;
 * request id and trace headers in the call's context values), records RED metrics with the trace id as an
 * exemplar, writes one access-log line per call, logs failures, and hides the cause of unexpected errors
 * from the caller.
 */
export function createServerObservabilityInterceptor(metrics: Metrics, logger: Logger, tracing: Tracing): Interceptor {
  // Bound histogram children by method and protocol: label objects built once.
  const handling = new Map<string, { observe(seconds: number): void }>();
  return (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    const ctx = beginRequest(tracing, (name) => req.header.get(name) ?? undefined, method, SpanKind.SERVER, {
      'rpc.system': 'grpc',
      'rpc.service': req.service.typeName,
      'rpc.method': req.method.name,
    });
    const protocol = req.contextValues.get(protocolKey) ?? protocolOf(req.header.get('content-type'));
    const labels = { grpc_service: req.service.typeName, grpc_method: req.method.name, protocol };
    const started = process.hrtime.bigint();
    req.contextValues.set(requestContextKey, ctx);
    let code = 'OK';
    let failure: { level: 'error' | 'debug'; err: unknown; message: string } | undefined;
    let status: Code | 0 = 0;
    try {
      return await (ctx.otel && tracing.mode === 'recording'
        ? tracing.withContext(ctx.otel, () => next(req))
        : next(req));
    } catch (err) {
      const { error, unexpected } = toPublicError(err);
      status = error.code;
      code = Code[error.code] ?? 'Unknown';
      if (unexpected) {
        failure = {
          level: 'error',
          err: err instanceof ConnectError && err.cause ? err.cause : err,
          message: 'unexpected error',
        };
      } else if (error.code === Code.Internal || error.code === Code.Unknown) {
        failure = { level: 'error', err: error, message: 'rpc failed' };
      } else {
        // An expected refusal (not found, invalid argument…): its message, so "request id X" can be looked up.
        failure = { level: 'debug', err: error.rawMessage, message: 'rpc refused' };
      }
      throw error;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const grpcCode = codeLabel(code);
      metrics.grpcServerHandled.inc({ ...labels, grpc_code: grpcCode });
      const key = `${method} ${protocol}`;
      let child = handling.get(key);
      if (!child) handling.set(key, (child = metrics.grpcServerHandling.labels(labels)));
      observeWithTrace(metrics.grpcServerHandling, child, labels, seconds, ctx.sampled ? ctx.traceId : undefined);
      const fields = logFields(ctx);
      if (failure?.level === 'error') logger.error({ err: failure.err, method, ...fields }, failure.message);
      else if (failure && logger.isLevelEnabled('debug'))
        logger.debug({ reason: failure.err, method, ...fields }, failure.message);
      if (logger.isLevelEnabled('info')) {
        const sizes = req.contextValues.get(wireSizesKey);
        const contentLength = req.header.get('content-length');
        logger.info(
          {
            method,
            protocol,
            code: grpcCode,
            duration_ms: Math.round(seconds * 1e6) / 1e3,
            bytes_in: sizes?.requestBytes ?? (contentLength ? Number(contentLength) : undefined),
            bytes_out: sizes?.responseBytes,
            ...fields,
          },
          'rpc',
        );
      }
      if (ctx.span) {
        ctx.span.setAttribute('rpc.grpc.status_code', status);
        if (failure?.level === 'error') recordFailure(ctx.span, failure.err, grpcCode);
        ctx.span.end();
      }
    }
  };
}

/** gRPC status names as Prometheus labels conventionally spell them (e.g. NotFound → NOT_FOUND). */
export function codeLabel(name: string): string {
  return name === 'OK' ? 'OK' : name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}
