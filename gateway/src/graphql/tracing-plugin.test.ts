import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { SpanKind, createTracing } from '@pastemesh/kit/observability';
import { beginRequest } from '@pastemesh/kit/rpc';
import { eventually, startOtlpReceiver, type OtlpReceiver } from '@pastemesh/kit/testing';
import type { GatewayContext } from './context.js';
import { FIELD_SPAN_MIN_MS, tracingPlugin } from './tracing-plugin.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('GraphQL spans (tracingPlugin)', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());

  it('records the operation, and a field’s span only when the field took time or failed', async () => {
    const tracing = createTracing('gateway', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: 10,
    });
    // A clock that moves only when the slow field says so: whether a field took long does not depend on the machine.
    const clock = { timeOrigin: performance.timeOrigin, ms: performance.now(), now: () => clock.ms };
    const schema = makeExecutableSchema({
      typeDefs: 'type Query { slow: String, fast: String, broken: String, plain: String }',
      resolvers: {
        Query: {
          slow: async () => {
            await Promise.resolve();
            clock.ms += FIELD_SPAN_MIN_MS * 20;
            return 'slow';
          },
          fast: () => 'fast',
          broken: () => {
            throw new Error('refused');
          },
        },
      },
    });
    const server = new ApolloServer<GatewayContext>({ schema, plugins: [tracingPlugin(tracing, schema, clock)] });
    await server.start();
    try {
      const edge = beginRequest(
        tracing,
        (name) => (name === 'traceparent' ? `00-${TRACE}-00f067aa0ba902b7-01` : undefined),
        'POST /graphql',
        SpanKind.SERVER,
      );
      const contextValue = { caller: { trace: edge } } as unknown as GatewayContext;
      const res = await server.executeOperation({ query: 'query Fields { slow fast broken plain }' }, { contextValue });
      expect(res.body).toMatchObject({ kind: 'single', singleResult: { data: { slow: 'slow', fast: 'fast' } } });
      edge.span?.end();
      await tracing.flush();
      await eventually(() => receiver.spans.some((s) => s.traceId === TRACE && s.name === 'POST /graphql'));
      const spans = receiver.spans.filter((s) => s.traceId === TRACE);
      const operation = spans.find((s) => s.name === 'query Fields');
      expect(operation).toBeDefined();
      const fields = spans.filter((s) => s.parentSpanId === operation!.spanId).map((s) => [s.name, s.status]);
      // `fast` answered at once and `plain` has no resolver of ours: no span. `broken` failed: a span, marked.
      expect(fields.sort()).toEqual([
        ['Query.broken', 2],
        ['Query.slow', 0],
      ]);
    } finally {
      await server.stop();
      await tracing.shutdown();
    }
  });
});
