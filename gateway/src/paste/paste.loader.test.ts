import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import type { CallOptions, Client } from '@connectrpc/connect';
import { PasteSchema, Visibility, type PasteService } from '@pastemesh/gen/paste';
import { SpanKind, createLogger, createMetrics, createTracing, type Tracing } from '@pastemesh/kit/observability';
import { beginRequest, requestContextKey, type RequestContext } from '@pastemesh/kit/rpc';
import { createPubSub } from '@pastemesh/kit/storage';
import { startOtlpReceiver, type OtlpReceiver } from '@pastemesh/kit/testing';
import { createHotCache } from './hot-cache.js';
import { createSharedPasteLoader } from './paste.loader.js';

// Whose trace the loader that anonymous requests share calls paste-svc under.

const calls: CallOptions[] = [];
const paste = {
  async batchGetPastes(req: { ids: string[] }, options: CallOptions) {
    calls.push(options);
    if (req.ids.some((id) => id.startsWith('down'))) throw new Error('paste-svc unavailable');
    return {
      pastes: req.ids.map((id) =>
        create(PasteSchema, {
          id,
          content: Buffer.from(id),
          contentIncluded: true,
          visibility: Visibility.PUBLIC,
          version: 1,
          latestVersion: 1,
        }),
      ),
    };
  },
} as unknown as Client<typeof PasteService>;

const hotCache = (enabled = false) =>
  createHotCache({
    enabled,
    maxBytes: 1024,
    ttlMs: 1_000,
    pubsub: createPubSub(undefined, createLogger('t', 'silent')),
    metrics: createMetrics('loader-test'),
    logger: createLogger('t', 'silent'),
  });

const request = (tracing: Tracing, traceId: string) =>
  beginRequest(
    tracing,
    (name) => (name === 'traceparent' ? `00-${traceId}-${'1'.repeat(16)}-01` : undefined),
    'GET /raw/:id',
    SpanKind.SERVER,
  );

describe('the shared paste loader', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = createTracing('gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  });
  afterAll(async () => {
    await tracing.shutdown();
    await receiver.close();
  });

  it('calls for one waiting request under that request’s trace, and for several under a trace linked to each', async () => {
    const shared = createSharedPasteLoader(paste, hotCache(), tracing);
    const one = request(tracing, 'a'.repeat(32));
    await shared.forRequest(one).load('p1');
    const carried = (options: CallOptions) => options.contextValues?.get(requestContextKey) as RequestContext;
    expect(calls.at(-1)?.headers).toMatchObject({ traceparent: expect.stringContaining('a'.repeat(32)) });
    expect(carried(calls.at(-1)!)).toBe(one);

    const [two, three] = [request(tracing, 'b'.repeat(32)), request(tracing, 'c'.repeat(32))];
    await Promise.all([shared.forRequest(two).load('p2'), shared.forRequest(three).load('p3')]);
    const batch = carried(calls.at(-1)!);
    expect(batch.traceId).not.toMatch(/^(b+|c+)$/);
    await tracing.flush();
    for (const r of [one, two, three]) r.span?.end();
    await tracing.flush();
    const span = receiver.spans.find((s) => s.name === 'paste batch');
    expect(span?.links.map((l) => l.traceId).sort()).toEqual(['b'.repeat(32), 'c'.repeat(32)]);
    expect(span?.attributes).toMatchObject({ 'pastemesh.requests': 2 });
  });

  it('makes no call, and no span, when every paste a batch wanted was cached', async () => {
    const shared = createSharedPasteLoader(paste, hotCache(true), tracing);
    await shared.forRequest(request(tracing, 'd'.repeat(32))).load('p9'); // now in the hot cache
    const before = calls.length;
    const [e, f] = [request(tracing, 'e'.repeat(32)), request(tracing, 'f'.repeat(32))];
    const views = await Promise.all([shared.forRequest(e).load('p9'), shared.forRequest(f).load('p9')]);
    expect(views.map((v) => v?.id)).toEqual(['p9', 'p9']);
    expect(calls.length).toBe(before);
    await tracing.flush();
    expect(
      receiver.spans.filter((s) => s.name === 'paste batch' && s.links.some((l) => l.traceId === 'e'.repeat(32))),
    ).toEqual([]);
  });

  it('fails only the requests whose pastes the failed call was for, never a cached one beside them', async () => {
    const shared = createSharedPasteLoader(paste, hotCache(true), tracing);
    await shared.forRequest(request(tracing, '1'.repeat(32))).load('warm'); // now in the hot cache
    const [warm, cold] = await Promise.allSettled([
      shared.forRequest(request(tracing, '2'.repeat(32))).load('warm'),
      shared.forRequest(request(tracing, '3'.repeat(32))).load('down-1'),
    ]);
    expect(warm).toMatchObject({ status: 'fulfilled', value: { id: 'warm' } });
    expect(cold).toMatchObject({ status: 'rejected', reason: new Error('paste-svc unavailable') });
  });
});
