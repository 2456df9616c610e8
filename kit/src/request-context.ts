import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Headers that carry a trace across hops; Istio (Envoy) needs them forwarded to stitch spans. */
export const TRACE_HEADERS = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
] as const;

/** What one inbound request carries through every async step it causes. */
export interface RequestContext {
  requestId: string;
  traceId: string | undefined;
  /** Trace headers to forward on outbound calls, already lower-cased. */
  traceHeaders: Record<string, string>;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Builds a context from inbound headers, minting a request id when none came in. */
export function contextFromHeaders(get: (name: string) => string | undefined): RequestContext {
  const traceHeaders: Record<string, string> = {};
  for (const name of TRACE_HEADERS) {
    const value = get(name);
    if (value) traceHeaders[name] = value;
  }
  const requestId = traceHeaders['x-request-id'] ?? randomUUID();
  traceHeaders['x-request-id'] = requestId;
  const traceparent = traceHeaders['traceparent'];
  const traceId = traceparent?.split('-')[1] ?? traceHeaders['x-b3-traceid'];
  return { requestId, traceId, traceHeaders };
}

/** Runs `fn` with `ctx` as the current request context. */
export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The current request context, if any. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
