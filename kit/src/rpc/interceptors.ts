import { Code, ConnectError, createContextKey, type Interceptor } from '@connectrpc/connect';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { contextFromHeaders, logFields, requestContextKey } from './request-context.js';
import { toPublicError } from './errors.js';

/** Which wire protocol a call arrived on; the grpc-js adapter sets it, Connect calls infer it. */
export const protocolKey = createContextKey<string | undefined>(undefined, { description: 'wire protocol' });

function protocolOf(contentType: string | null): string {
  if (!contentType) return 'connect';
  if (contentType.startsWith('application/grpc-web')) return 'grpc-web';
  if (contentType.startsWith('application/grpc')) return 'grpc';
  return 'connect';
}

/**
 * The first interceptor on every server: puts the request context (request id,
 * trace headers) in the call's context values, records RED metrics, logs failures, and hides the
 * cause of unexpected errors from the caller.
 */
export function createServerObservabilityInterceptor(metrics: Metrics, logger: Logger): Interceptor {
  return (next) => async (req) => {
    const ctx = contextFromHeaders((name) => req.header.get(name) ?? undefined);
    const protocol = req.contextValues.get(protocolKey) ?? protocolOf(req.header.get('content-type'));
    const labels = { grpc_service: req.service.typeName, grpc_method: req.method.name, protocol };
    const started = process.hrtime.bigint();
    req.contextValues.set(requestContextKey, ctx);
    let code = 'OK';
    try {
      return await next(req);
    } catch (err) {
      const { error, unexpected } = toPublicError(err);
      code = Code[error.code] ?? 'Unknown';
      const scope = { method: req.method.name, ...logFields(ctx) };
      if (unexpected) {
        logger.error({ err: err instanceof ConnectError && err.cause ? err.cause : err, ...scope }, 'unexpected error');
      } else if (error.code === Code.Internal || error.code === Code.Unknown) {
        logger.error({ err: error, ...scope }, 'rpc failed');
      }
      throw error;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.grpcServerHandled.inc({ ...labels, grpc_code: codeLabel(code) });
      metrics.grpcServerHandling.observe(labels, seconds);
    }
  };
}

/** gRPC status names as Prometheus labels conventionally spell them (e.g. NotFound → NOT_FOUND). */
export function codeLabel(name: string): string {
  return name === 'OK' ? 'OK' : name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}
