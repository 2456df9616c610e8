import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger, createMetrics, createTracing, type Tracing } from '@pastemesh/kit/observability';
import {
  STORAGE_MODES,
  createTestStorage,
  eventually,
  startOtlpReceiver,
  type OtlpReceiver,
  type TestStorage,
} from '@pastemesh/kit/testing';
import { startTestAnalytics, type TestAnalytics } from '../testing/index.js';
import { createEventProducer } from './event-producer.js';

const CAUSE_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CAUSE_SPAN = 'b7ad6b7169203331';

describe.each(STORAGE_MODES)('events across the queue are traced (%s)', (mode) => {
  let storage: TestStorage;
  let receiver: OtlpReceiver;
  let analytics: TestAnalytics;
  let tracing: Tracing;

  beforeAll(async () => {
    storage = await createTestStorage(mode, 'evtrace');
    receiver = await startOtlpReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
    analytics = await startTestAnalytics(storage, { env: otel });
    tracing = createTracing('producer', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: 50 });
  });
  afterAll(async () => {
    await tracing?.shutdown();
    await analytics?.stop();
    await receiver?.close();
    await storage?.cleanup();
  });

  it('sends a batch in a trace of its own, linked to the requests whose events it carries, into ingestion', async () => {
    const producer = createEventProducer({
      analytics: `127.0.0.1:${analytics.ports.grpc}`,
      logger: createLogger('producer', 'silent'),
      metrics: createMetrics('producer'),
      tracing,
      name: `trace-${mode}`,
    });
    producer.recordView({ pasteId: 'p1', viewerKey: 'v1', traceparent: `00-${CAUSE_TRACE}-${CAUSE_SPAN}-01` });
    // An event of an unsampled request (no traceparent) rides in the same batch without a link.
    producer.recordView({ pasteId: 'p2', viewerKey: 'v2' });
    await producer.close();
    await tracing.flush();

    const linked = (name: string) =>
      receiver.spans.find(
        (s) => s.name === name && s.links.some((l) => l.traceId === CAUSE_TRACE && l.spanId === CAUSE_SPAN),
      );
    await eventually(
      () =>
        linked('analytics send RecordViews') !== undefined &&
        linked('pastemesh.analytics.v1.AnalyticsService/RecordViews') !== undefined,
    );
    const send = linked('analytics send RecordViews')!;
    const ingest = linked('pastemesh.analytics.v1.AnalyticsService/RecordViews')!;
    expect(send).toMatchObject({ service: 'producer', parentSpanId: '', kind: 4 });
    expect(send.links).toHaveLength(1);
    expect(send.traceId).not.toBe(CAUSE_TRACE);
    // The RPC's client span is the send's child, and analytics-svc's server span the client span's child.
    const client = receiver.spans.find((s) => s.service === 'producer' && s.parentSpanId === send.spanId)!;
    expect(client).toMatchObject({ traceId: send.traceId, kind: 3 });
    expect(ingest).toMatchObject({ service: 'analytics-svc', traceId: send.traceId, parentSpanId: client.spanId });
    // The SQL that stored the views is under the ingestion span.
    expect(
      receiver.spans.some(
        (s) =>
          s.parentSpanId === ingest.spanId &&
          s.attributes['db.system.name'] === (mode === 'mysql' ? 'mysql' : 'sqlite'),
      ),
    ).toBe(true);
  });
});
