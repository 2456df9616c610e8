import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { randomHex } from './random-ids.js';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as OTLPProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OTLPJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';

export { SpanKind, SpanStatusCode, ROOT_CONTEXT, trace, type Context, type Span, type Attributes, type Link };

/** The OpenTelemetry variables a process honours (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). */
export interface TracingEnv {
  OTEL_SDK_DISABLED?: boolean | undefined;
  OTEL_SERVICE_NAME?: string | undefined;
  OTEL_RESOURCE_ATTRIBUTES?: string | undefined;
  OTEL_TRACES_EXPORTER?: string | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_PROTOCOL?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?: string | undefined;
  OTEL_EXPORTER_OTLP_HEADERS?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_HEADERS?: string | undefined;
  OTEL_TRACES_SAMPLER?: string | undefined;
  OTEL_TRACES_SAMPLER_ARG?: number | string | undefined;
  OTEL_BSP_SCHEDULE_DELAY?: number | undefined;
}

/**
 * How one process takes part in traces. Three modes:
 * - **off** (`OTEL_SDK_DISABLED=true`): no trace context is read, passed on or logged;
 * - **propagating** (no endpoint, the default): the inbound context (W3C or B3) is passed on unchanged, so
 *   Envoy's spans still join up, and logs carry its ids; nothing is recorded, and no AsyncLocalStorage exists;
 * - **recording** (an OTLP endpoint, or `OTEL_TRACES_EXPORTER=console`): spans are sampled, recorded and
 *   exported, and the active span is kept in AsyncLocalStorage so SQL and Redis spans find their parent.
 */
export interface Tracing {
  readonly mode: 'off' | 'propagating' | 'recording';
  /** The sampler follows the caller's decision when there is one (the parentbased_ samplers, the default). */
  readonly followsParent: boolean;
  /** The trace context in inbound headers (`traceparent`/`tracestate`, or B3), or ROOT_CONTEXT. */
  extract(get: (name: string) => string | undefined): Context;
  /** Writes `ctx`'s span as `traceparent`/`tracestate` and B3 (multi-header, what Envoy reads) into `headers`. */
  inject(ctx: Context, headers: Record<string, string>): void;
  /**
   * A span under `parent`. Recording: a real span, sampled by the configured sampler. Otherwise the
   * parent's span context as it is (so what is passed on names the caller's span, which exists), or, with
   * no parent, fresh unsampled ids so the request's log lines still share a trace id. `startTime` (epoch ms)
   * opens a span after the fact, for work whose duration decides whether it is worth one.
   */
  startSpan(
    name: string,
    kind: SpanKind,
    parent: Context,
    attributes?: Attributes,
    links?: Link[],
    startTime?: number,
  ): Span;
  /** A span under the active context only if one is being recorded (SQL, Redis); never a new trace. */
  startChildSpan(name: string, kind: SpanKind, attributes?: Attributes, startTime?: number): Span | undefined;
  /**
   * Runs the async `fn` with `ctx` active, for a sampled span (recording only; otherwise just runs it). The
   * AsyncLocalStorage is switched off whenever no sampled call is in flight: on Node 20 it hooks every promise
   * of the process while on (~30 µs per create in paste-svc, bench/README "Tracing cost").
   */
  withContext<T>(ctx: Context, fn: () => Promise<T>): Promise<T>;
  /** The active context (recording only). */
  active(): Context | undefined;
  /** Exports what is buffered. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Marks a span failed with the error's message (its stack stays in the logs). */
export function recordFailure(span: Span, err: unknown, message?: string): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: message ?? (err instanceof Error ? err.message : String(err)),
  });
}

/** The ids a log line carries, from a span context; none when it is not valid. */
export function traceIdsOf(span: Span | undefined): { trace_id: string; span_id: string } | undefined {
  const sc = span?.spanContext();
  return sc && isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : undefined;
}

const w3c = new W3CTraceContextPropagator();

/** A span link to the span a W3C `traceparent` names (events carry one across a queue), or none if it is not one. */
export function linkTo(traceparent: string | undefined): Link | undefined {
  if (!traceparent || traceparent.length > 55) return undefined;
  const sc = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, traceparent, { get: (t) => t, keys: () => [] }));
  return sc && isSpanContextValid(sc) ? { context: sc } : undefined;
}

const headerGetter: TextMapGetter<(name: string) => string | undefined> = {
  get: (get, key) => get(key),
  keys: () => [],
};
const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (headers, key, value) => {
    headers[key] = value;
  },
};

// B3 first, W3C last: each extracts over the previous, so a request carrying both follows traceparent.
const propagator = new CompositePropagator({
  propagators: [new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }), w3c],
});

const freshRoot = (): SpanContext => ({
  traceId: randomHex(16),
  spanId: randomHex(8),
  traceFlags: TraceFlags.NONE,
});

/** Builds the process's tracing from its OTEL_* settings; `service` names it when OTEL_SERVICE_NAME is unset. */
export function createTracing(service: string, env: TracingEnv = {}): Tracing {
  if (env.OTEL_SDK_DISABLED) return offTracing;
  const exporter = exporterFor(env);
  if (!exporter) return propagatingTracing;

  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...parseKeyValues(env.OTEL_RESOURCE_ATTRIBUTES, 'OTEL_RESOURCE_ATTRIBUTES'),
      'service.name': env.OTEL_SERVICE_NAME || service,
      'service.namespace': 'pastemesh',
      'service.instance.id': randomBytes(8).toString('hex'),
    }),
    sampler: samplerFor(env),
    spanProcessors: [
      new BatchSpanProcessor(
        exporter,
        env.OTEL_BSP_SCHEDULE_DELAY ? { scheduledDelayMillis: env.OTEL_BSP_SCHEDULE_DELAY } : {},
      ),
    ],
  });
  const tracer: Tracer = provider.getTracer('pastemesh');
  const storage = new AsyncLocalStorage<Context>();
  let active = 0;
  return {
    mode: 'recording',
    followsParent: (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').startsWith('parentbased_'),
    extract: (get) => propagator.extract(ROOT_CONTEXT, get, headerGetter),
    inject: (ctx, headers) => propagator.inject(ctx, headers, headerSetter),
    startSpan: (name, kind, parent, attributes, links, startTime) =>
      tracer.startSpan(
        name,
        {
          kind,
          ...(attributes ? { attributes } : {}),
          ...(links ? { links } : {}),
          ...(startTime ? { startTime } : {}),
        },
        parent,
      ),
    startChildSpan(name, kind, attributes, startTime) {
      const parent = storage.getStore();
      if (!parent || !trace.getSpan(parent)?.isRecording()) return undefined;
      return tracer.startSpan(
        name,
        { kind, ...(attributes ? { attributes } : {}), ...(startTime ? { startTime } : {}) },
        parent,
      );
    },
    withContext(ctx, fn) {
      if (!trace.getSpan(ctx)?.isRecording()) return fn();
      active++;
      return storage.run(ctx, fn).finally(() => {
        if (--active === 0) storage.disable();
      });
    },
    active: () => storage.getStore(),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

const passThrough = (parent: Context): Span => {
  const sc = trace.getSpanContext(parent);
  return trace.wrapSpanContext(sc && isSpanContextValid(sc) ? sc : freshRoot());
};

const propagatingTracing: Tracing = {
  mode: 'propagating',
  followsParent: false,
  extract: (get) => propagator.extract(ROOT_CONTEXT, get, headerGetter),
  inject: (ctx, headers) => propagator.inject(ctx, headers, headerSetter),
  startSpan: (_name, _kind, parent) => passThrough(parent),
  startChildSpan: () => undefined,
  withContext: (_ctx, fn) => fn(),
  active: () => undefined,
  flush: async () => {},
  shutdown: async () => {},
};

const offTracing: Tracing = {
  ...propagatingTracing,
  mode: 'off',
  extract: () => ROOT_CONTEXT,
  inject: () => {},
  startSpan: () => trace.wrapSpanContext({ traceId: '', spanId: '', traceFlags: TraceFlags.NONE }),
};

/** The exporter the variables ask for, or none (no endpoint: nothing is exported, as the issue of cost asks). */
function exporterFor(env: TracingEnv): SpanExporter | undefined {
  const kind = (env.OTEL_TRACES_EXPORTER ?? 'otlp').trim();
  if (kind === 'none') return undefined;
  if (kind === 'console') return new ConsoleSpanExporter();
  if (kind !== 'otlp') throw new Error(`OTEL_TRACES_EXPORTER: "${kind}" is not supported; use otlp, console or none`);
  const url =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!url) return undefined;
  const headers = {
    ...parseKeyValues(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'),
    ...parseKeyValues(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
  };
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (protocol === 'http/protobuf') return new OTLPProtoExporter({ url, headers });
  if (protocol === 'http/json') return new OTLPJsonExporter({ url, headers });
  throw new Error(
    `OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported; use http/protobuf or http/json (an OpenTelemetry Collector turns either into gRPC)`,
  );
}

/** The sampler OTEL_TRACES_SAMPLER names (default parentbased_always_on, as the specification says). */
export function samplerFor(env: TracingEnv): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim();
  const ratio = () => {
    const arg = env.OTEL_TRACES_SAMPLER_ARG;
    if (arg === undefined || arg === '') return 1;
    if (typeof arg === 'number') return arg;
    const value = Number(arg);
    if (!Number.isFinite(value) || value < 0 || value > 1)
      throw new Error(`OTEL_TRACES_SAMPLER_ARG: "${arg}" must be a ratio between 0 and 1`);
    return value;
  };
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      throw new Error(
        `OTEL_TRACES_SAMPLER: "${name}" is not supported; use always_on, always_off, traceidratio or their parentbased_ forms`,
      );
  }
}

/** `key=value,key2=value2` (W3C baggage style, values percent-encoded), as OTEL_RESOURCE_ATTRIBUTES and the headers use. */
function parseKeyValues(text: string | undefined, variable: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(',')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${variable}: "${pair.trim()}" is not key=value`);
    out[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return out;
}
