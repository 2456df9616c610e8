import { randomUUID } from 'node:crypto';
import { randomHex } from '../observability/random-ids.js';
import { createContextKey, createContextValues, type ContextValues } from '@connectrpc/connect';
import {
  ROOT_CONTEXT,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanKind,
  type Tracing,
} from '../observability/tracing.js';

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
  /** The span this process serves the request in (its log lines name it). */
  spanId?: string | undefined;
  /** Trace headers to forward on outbound calls, already lower-cased: x-request-id and the span's context. */
  traceHeaders: Record<string, string>;
  /** The request's span, ended by whoever began the request (absent with OTEL_SDK_DISABLED). */
  span?: Span | undefined;
  /** The OpenTelemetry context holding `span`: the parent of every span made for the request. */
  otel?: Context | undefined;
  /** True when `span` is sampled: its trace id goes on histogram exemplars. */
  sampled?: boolean | undefined;
  /** Connect context values carrying this context to the transport, which makes client spans (recording only). */
  values?: ContextValues | undefined;
}

/*
 * A request's context travels explicitly, never through AsyncLocalStorage: on Node 20 one store hooks every
 * promise the process makes, which cost Apollo alone 10–18% more CPU per request (bench/README.md). Servers
 * keep it in Connect's context values (`requestContextOf`); the gateway keeps it on its GraphQL caller; an
 * outbound call forwards it in its call options (`callOptions`).
 */
export const requestContextKey = createContextKey<RequestContext | undefined>(undefined, {
  description: 'request context',
});

/** The context the server interceptor put in scope for this call. */
export function requestContextOf(ctx: { values: ContextValues }): RequestContext | undefined {
  return ctx.values.get(requestContextKey);
}

/**
 * True when an inbound trace header may be passed on: visible ASCII and spaces only (what gRPC metadata and
 * HTTP/2 accept; grpc-js refuses anything else, which failed the whole request) and at most 512 characters
 * (W3C tracestate's own bound). Anything else is dropped, as if the client had not sent it.
 */
export function isForwardableHeader(value: string | undefined): value is string {
  return value !== undefined && value.length > 0 && value.length <= 512 && /^[\x20-\x7e]*$/.test(value);
}

/** An inbound x-request-id worth keeping (ids are quoted in logs and error messages): 1–128 characters of [A-Za-z0-9._:-]. */
export function isUsableRequestId(value: string | undefined): value is string {
  return value !== undefined && /^[\w.:-]{1,128}$/.test(value);
}

/**
 * Begins serving a request: reads its trace context (W3C or B3), starts this process's span for it
 * (`tracing.startSpan`: recorded, or the inbound context passed on as it is) and mints a request id when none
 * usable came in. With OTEL_SDK_DISABLED the inbound trace headers are passed on unread, as before tracing.
 */
export function beginRequest(
  tracing: Tracing,
  get: (name: string) => string | undefined,
  spanName: string,
  kind: SpanKind,
  attributes?: Attributes,
): RequestContext {
  if (tracing.mode === 'off') return contextFromHeaders(get);
  // Nothing recorded: the inbound headers go on as they came (Envoy reads them), read only for the ids logs
  // carry; no OpenTelemetry object is made (on a 60 µs read, parsing and re-writing them cost 10-20%).
  if (tracing.mode === 'propagating') return withTraceIds(contextFromHeaders(get));
  // Recording, but the caller (Envoy, usually) decided this trace is not sampled and the sampler follows it:
  // the same, without asking the SDK.
  if (tracing.followsParent && unsampledByCaller(get)) return withTraceIds(contextFromHeaders(get));
  const inbound = get('x-request-id');
  const requestId = isUsableRequestId(inbound) ? inbound : randomUUID();
  const parent = tracing.extract((name) => {
    const value = get(name);
    return isForwardableHeader(value) ? value : undefined;
  });
  const span = tracing.startSpan(spanName, kind, parent, attributes);
  // Not sampled (the sampler declined): nothing of this request is recorded, so it is served as above.
  if (!span.isRecording()) return withTraceIds(contextFromHeaders(get));
  const otel = trace.setSpan(parent, span);
  const traceHeaders: Record<string, string> = { 'x-request-id': requestId };
  tracing.inject(otel, traceHeaders);
  const sc = span.spanContext();
  const ctx: RequestContext = {
    requestId,
    traceId: sc.traceId,
    spanId: sc.spanId,
    traceHeaders,
    span,
    otel,
    sampled: span.isRecording() && (sc.traceFlags & 1) === 1,
  };
  if (tracing.mode === 'recording') ctx.values = createContextValues().set(requestContextKey, ctx);
  return ctx;
}

/**
 * Begins work no request asked for (a batch sent from a queue, a sweep) as a trace of its own, linked to the
 * spans of the requests that caused it; calls made with it are traced like a request's. Undefined unless
 * recording and some link is given: background work without a cause is not worth a trace.
 */
export function beginLinkedWork(
  tracing: Tracing,
  spanName: string,
  kind: SpanKind,
  links: Link[],
  attributes?: Attributes,
): RequestContext | undefined {
  if (tracing.mode !== 'recording' || links.length === 0) return undefined;
  const span = tracing.startSpan(spanName, kind, ROOT_CONTEXT, attributes, links);
  const sc = span.spanContext();
  const otel = trace.setSpan(ROOT_CONTEXT, span);
  const ctx: RequestContext = {
    requestId: randomUUID(),
    traceId: sc.traceId,
    spanId: sc.spanId,
    traceHeaders: {},
    span,
    otel,
    sampled: span.isRecording(),
  };
  ctx.traceHeaders['x-request-id'] = ctx.requestId;
  tracing.inject(otel, ctx.traceHeaders);
  ctx.values = createContextValues().set(requestContextKey, ctx);
  return ctx;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** True when the inbound trace context is valid and says "not sampled" (W3C flags, or B3). */
function unsampledByCaller(get: (name: string) => string | undefined): boolean {
  const traceparent = get('traceparent');
  if (traceparent !== undefined) {
    const w3c = TRACEPARENT.exec(traceparent);
    return w3c !== null && (Number.parseInt(w3c[3]!, 16) & 1) === 0;
  }
  const b3Sampled = get('x-b3-sampled');
  if (b3Sampled !== undefined) return b3Sampled === '0' && get('x-b3-traceid') !== undefined;
  const b3 = get('b3');
  return b3 !== undefined && (b3 === '0' || /^[0-9a-f]+-[0-9a-f]{16}-0(?:-|$)/.test(b3));
}
const B3_SINGLE = /^([0-9a-f]{16}|[0-9a-f]{32})-([0-9a-f]{16})(?:-|$)/;

/**
 * The trace and span ids a context's headers name (W3C first, then B3 multi- and single-header), or, when they
 * name none, fresh ones written as an unsampled `traceparent`, so every process's log lines for the request
 * share one trace id.
 */
function withTraceIds(ctx: RequestContext): RequestContext {
  // `ctx` is contextFromHeaders' fresh object: the ids are set on it, not on a copy.
  const h = ctx.traceHeaders;
  const traceparent = h['traceparent'];
  const w3c = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (w3c) {
    ctx.traceId = w3c[1];
    ctx.spanId = w3c[2];
    return ctx;
  }
  const b3 = h['x-b3-traceid']
    ? [h['x-b3-traceid'], h['x-b3-spanid']]
    : h['b3']
      ? B3_SINGLE.exec(h['b3'])?.slice(1)
      : undefined;
  if (b3?.[0] && /^([0-9a-f]{16}|[0-9a-f]{32})$/.test(b3[0])) {
    ctx.traceId = b3[0].padStart(32, '0');
    ctx.spanId = b3[1];
    return ctx;
  }
  const traceId = randomHex(16);
  const spanId = randomHex(8);
  // A garbage traceparent is replaced: what goes on must be one the next hop can read.
  h['traceparent'] = `00-${traceId}-${spanId}-00`;
  ctx.traceId = traceId;
  ctx.spanId = spanId;
  return ctx;
}

/** Builds a context from inbound headers, minting a request id when none (or none usable) came in. */
export function contextFromHeaders(get: (name: string) => string | undefined): RequestContext {
  const traceHeaders: Record<string, string> = {};
  for (const name of TRACE_HEADERS) {
    const value = get(name);
    if (name === 'x-request-id' ? isUsableRequestId(value) : isForwardableHeader(value)) traceHeaders[name] = value!;
  }
  const requestId = traceHeaders['x-request-id'] ?? randomUUID();
  traceHeaders['x-request-id'] = requestId;
  const traceparent = traceHeaders['traceparent'];
  const traceId = traceparent?.split('-')[1] ?? traceHeaders['x-b3-traceid'];
  return { requestId, traceId, traceHeaders };
}

/** The request's `traceparent` when its span is sampled: what an event put on a queue carries to be linked. */
export function sampledTraceparent(ctx: RequestContext | undefined): string | undefined {
  return ctx?.sampled ? ctx.traceHeaders['traceparent'] : undefined;
}

/** The fields a request-scoped log line carries (`logger.error({ err, ...logFields(ctx) }, …)`), as OpenTelemetry's log data model names them. */
export function logFields(ctx: RequestContext | undefined): {
  request_id?: string;
  trace_id?: string;
  span_id?: string;
} {
  if (!ctx) return {};
  return {
    request_id: ctx.requestId,
    ...(ctx.traceId ? { trace_id: ctx.traceId } : {}),
    ...(ctx.spanId ? { span_id: ctx.spanId } : {}),
  };
}

/** Call options of an outbound call made for a request: its trace headers, the caller's bearer token, a deadline. */
export interface CallOrigin {
  trace?: RequestContext | undefined;
  token?: string | undefined;
  timeoutMs?: number | undefined;
}

/** Connect call options for `origin`; the grpc-transport sends the headers as metadata. */
export function callOptions({ trace, token, timeoutMs }: CallOrigin): {
  headers?: Record<string, string>;
  timeoutMs?: number;
  contextValues?: ContextValues;
} {
  let headers: Record<string, string> | undefined;
  if (trace) headers = token ? { ...trace.traceHeaders, authorization: `Bearer ${token}` } : trace.traceHeaders;
  else if (token) headers = { authorization: `Bearer ${token}` };
  return {
    ...(headers ? { headers } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(trace?.values ? { contextValues: trace.values } : {}),
  };
}
