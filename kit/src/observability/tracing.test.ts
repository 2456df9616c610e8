import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '@connectrpc/connect';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { beginRequest, callOptions, createGrpcTransport, requestContextOf } from '../rpc/index.js';
import { createServiceHost, type ServiceHost } from '../server/index.js';
import { echoAnalyticsImpl, eventually, startOtlpReceiver, type OtlpReceiver } from '../testing/index.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { SpanKind, createTracing, linkTo, samplerFor } from './tracing.js';
import { bindService } from '../rpc/grpc-server.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const headers = (h: Record<string, string>) => (name: string) => h[name];

describe('tracing without an endpoint (propagating)', () => {
  const tracing = createTracing('test');

  it('passes the inbound W3C context on unchanged, so the caller’s span stays the parent', () => {
    const ctx = beginRequest(
      tracing,
      headers({ traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'vendor=1', 'x-request-id': 'req-1' }),
      'op',
      SpanKind.SERVER,
    );
    expect(tracing.mode).toBe('propagating');
    expect(ctx).toMatchObject({ requestId: 'req-1', traceId: TRACE, spanId: PARENT });
    // As they came, read only for the ids (nothing recorded, so no span of ours to name).
    expect(ctx.traceHeaders).toEqual({
      traceparent: `00-${TRACE}-${PARENT}-01`,
      tracestate: 'vendor=1',
      'x-request-id': 'req-1',
    });
    expect(ctx.span).toBeUndefined();
  });

  it('accepts B3, single-header and multi-header, as Envoy sends it', () => {
    const single = beginRequest(tracing, headers({ b3: `${TRACE}-${PARENT}-1` }), 'op', SpanKind.SERVER);
    expect(single).toMatchObject({ traceId: TRACE, spanId: PARENT });
    expect(single.traceHeaders).toMatchObject({ b3: `${TRACE}-${PARENT}-1` });
    const multi = beginRequest(
      tracing,
      headers({ 'x-b3-traceid': TRACE.slice(16), 'x-b3-spanid': PARENT, 'x-b3-sampled': '0' }),
      'op',
      SpanKind.SERVER,
    );
    // A 64-bit B3 trace id, as the W3C spelling pads it.
    expect(multi).toMatchObject({ traceId: `${'0'.repeat(16)}${TRACE.slice(16)}`, spanId: PARENT });
    expect(multi.traceHeaders).toMatchObject({ 'x-b3-traceid': TRACE.slice(16), 'x-b3-sampled': '0' });
  });

  it('when recording, serves a request the caller left unsampled, or the sampler declines, without a span', async () => {
    const receiver = await startOtlpReceiver();
    const recording = createTracing('test', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const unsampled: Record<string, string>[] = [
      { traceparent: `00-${TRACE}-${PARENT}-00` },
      { 'x-b3-traceid': TRACE, 'x-b3-spanid': PARENT, 'x-b3-sampled': '0' },
      { b3: `${TRACE}-${PARENT}-0` },
    ];
    for (const inbound of unsampled) {
      const ctx = beginRequest(recording, headers(inbound), 'op', SpanKind.SERVER);
      expect(ctx).toMatchObject({ traceId: TRACE, spanId: PARENT, traceHeaders: inbound });
      expect(ctx.span).toBeUndefined();
    }
    const declining = createTracing('test', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_SAMPLER: 'always_off',
    });
    const declined = beginRequest(declining, headers({}), 'op', SpanKind.SERVER);
    expect(declined.span).toBeUndefined();
    expect(declined.traceHeaders['traceparent']).toBe(`00-${declined.traceId}-${declined.spanId}-00`);
    await recording.shutdown();
    await declining.shutdown();
    expect(receiver.spans).toEqual([]);
    await receiver.close();
  });

  it('accepts B3 and W3C when recording too, and passes both on for its own span', async () => {
    const receiver = await startOtlpReceiver();
    const recording = createTracing('test', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const ctx = beginRequest(recording, headers({ b3: `${TRACE}-${PARENT}-1` }), 'op', SpanKind.SERVER);
    expect(ctx).toMatchObject({ traceId: TRACE, sampled: true });
    expect(ctx.spanId).not.toBe(PARENT);
    expect(ctx.traceHeaders).toMatchObject({
      traceparent: `00-${TRACE}-${ctx.spanId}-01`,
      'x-b3-traceid': TRACE,
      'x-b3-spanid': ctx.spanId,
      'x-b3-sampled': '1',
    });
    ctx.span?.end();
    await recording.shutdown();
    expect(receiver.spans.map((s) => [s.traceId, s.parentSpanId])).toEqual([[TRACE, PARENT]]);
    await receiver.close();
  });

  it('gives a request without trace context fresh ids, so its log lines still share one trace id', () => {
    const ctx = beginRequest(tracing, headers({ traceparent: 'garbage' }), 'op', SpanKind.SERVER);
    expect(ctx.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(ctx.traceHeaders['traceparent']).toBe(`00-${ctx.traceId}-${ctx.spanId}-00`);
    expect(tracing.startChildSpan('db', SpanKind.CLIENT)).toBeUndefined();
  });

  it('with OTEL_SDK_DISABLED passes the trace headers on unread', () => {
    const off = createTracing('test', { OTEL_SDK_DISABLED: true, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' });
    const ctx = beginRequest(off, headers({ traceparent: `00-${TRACE}-${PARENT}-01`, b3: '1' }), 'op', SpanKind.SERVER);
    expect(off.mode).toBe('off');
    expect(ctx.span).toBeUndefined();
    expect(ctx.traceHeaders).toMatchObject({ traceparent: `00-${TRACE}-${PARENT}-01`, b3: '1' });
  });
});

describe('span links from an event’s traceparent', () => {
  it('links to a valid one and ignores anything else', () => {
    expect(linkTo(`00-${TRACE}-${PARENT}-01`)?.context).toMatchObject({ traceId: TRACE, spanId: PARENT });
    for (const bad of [undefined, '', 'garbage', 'x'.repeat(10_000), `00-${'0'.repeat(32)}-${PARENT}-01`])
      expect(linkTo(bad)).toBeUndefined();
  });
});

describe('samplers by OTEL_TRACES_SAMPLER', () => {
  it('builds each standard sampler and names the variable on a bad one', () => {
    expect(samplerFor({}).toString()).toMatch(/ParentBased/);
    expect(samplerFor({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }).toString()).toMatch(
      /TraceIdRatioBased\{0\.1\}/,
    );
    expect(() => samplerFor({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER/);
    expect(() => samplerFor({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG/,
    );
  });
  it('refuses a protocol it cannot speak, naming the variable', () => {
    expect(() =>
      createTracing('t', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
  });
});

describe.each(['http/protobuf', 'http/json'])('a traced gRPC call exported over %s', (protocol) => {
  let receiver: OtlpReceiver;
  let host: ServiceHost;
  const env = () => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_BSP_SCHEDULE_DELAY: 50,
  });
  let serverTracing: ReturnType<typeof createTracing>;
  let clientTracing: ReturnType<typeof createTracing>;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    serverTracing = createTracing('echo-server', env());
    clientTracing = createTracing('echo-client', env());
    const logger = createLogger('echo-server', 'silent');
    host = createServiceHost({
      name: 'echo-server',
      logger,
      metrics: createMetrics('echo-server'),
      tracing: serverTracing,
      services: [
        bindService(AnalyticsService, {
          ...echoAnalyticsImpl(),
          async getPasteStats(req, ctx) {
            // A span the SQL or Redis layer would make, found through the active context.
            serverTracing.startChildSpan('child work', SpanKind.INTERNAL)?.end();
            return { stats: { pasteId: `${req.pasteId}:${requestContextOf(ctx)?.traceId}` } };
          },
        }),
      ],
      host: '127.0.0.1',
      grpcPort: 0,
      connectPort: 0,
      adminPort: 0,
    });
    await host.start();
  });
  afterAll(async () => {
    await host.stop();
    await serverTracing.shutdown();
    await clientTracing.shutdown();
    await receiver.close();
  });

  it('links client span → server span → child span under the inbound trace, and exemplars carry the trace id', async () => {
    const metrics = createMetrics('echo-client');
    const transport = createGrpcTransport({ address: `127.0.0.1:${host.ports.grpc}`, tracing: clientTracing, metrics });
    const client = createClient(AnalyticsService, transport);
    const edge = beginRequest(
      clientTracing,
      headers({ traceparent: `00-${TRACE}-${PARENT}-01` }),
      'edge',
      SpanKind.SERVER,
    );
    const reply = await client.getPasteStats({ pasteId: 'p' }, callOptions({ trace: edge }));
    edge.span!.end();
    transport.close();
    expect(reply.stats?.pasteId).toBe(`p:${TRACE}`);
    await clientTracing.flush();
    await serverTracing.flush();
    await eventually(() => receiver.spans.filter((s) => s.traceId === TRACE).length >= 4);
    const spans = receiver.spans.filter((s) => s.traceId === TRACE);
    const by = (name: string) => spans.find((s) => s.name === name)!;
    const method = `${AnalyticsService.typeName}/GetPasteStats`;
    expect(by('edge')).toMatchObject({ service: 'echo-client', parentSpanId: PARENT });
    const clientSpan = spans.find((s) => s.name === method && s.service === 'echo-client')!;
    const serverSpan = spans.find((s) => s.name === method && s.service === 'echo-server')!;
    expect(clientSpan).toMatchObject({ parentSpanId: by('edge').spanId, kind: 3 });
    expect(serverSpan).toMatchObject({ parentSpanId: clientSpan.spanId, kind: 2 });
    expect(serverSpan.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.method': 'GetPasteStats' });
    expect(by('child work')).toMatchObject({ parentSpanId: serverSpan.spanId });
    expect(receiver.contentTypes[0]).toBe(protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
    expect(await metrics.registry.metrics()).toMatch(
      new RegExp(`grpc_client_handling_seconds_bucket\\{[^}]*\\} \\d+ # \\{trace_id="${TRACE}"\\}`),
    );
  });
});
