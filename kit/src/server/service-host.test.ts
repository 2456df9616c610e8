import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { AnalyticsService, GetPasteStatsRequestSchema, GetPasteStatsResponseSchema } from '@pastemesh/gen/analytics';
import { createServiceHost, type ServiceHost } from './service-host.js';
import { createMetrics } from '../observability/metrics.js';
import { createLogger } from '../observability/logger.js';
import { createServiceClient } from '../rpc/clients.js';
import { errorDetail } from '../rpc/errors.js';
import type { RequestContext } from '../rpc/request-context.js';
import { echoAnalyticsImpl as echoImpl } from '../testing/echo-service.js';
import { expectSocketsClosedSince, freePort, occupyPort, openSockets } from '../testing/start-up.js';

describe('service host', () => {
  const metrics = createMetrics('kit-test');
  const logger = createLogger('kit-test', 'silent');
  const seen: RequestContext[] = [];
  let host: ServiceHost;
  let ports: { grpc: number; connect: number; admin: number };

  beforeAll(async () => {
    host = createServiceHost({
      name: 'kit-test',
      logger,
      metrics,
      host: '127.0.0.1',
      services: [{ service: AnalyticsService, impl: echoImpl(seen) }],
      grpcPort: 0,
      connectPort: 0,
      adminPort: 0,
      readinessChecks: { always: async () => true },
    });
    ports = await host.start();
  });
  afterAll(async () => {
    await host.stop();
  });

  it('answers a typed Connect client over grpc-js and forwards headers', async () => {
    const { client, close } = createServiceClient(AnalyticsService, { address: `127.0.0.1:${ports.grpc}` });
    try {
      const res = await client.getPasteStats(
        { pasteId: 'abc' },
        { headers: { 'x-views': '42', 'x-request-id': 'req-1' } },
      );
      expect(res.stats?.pasteId).toBe('abc');
      expect(res.stats?.totalViews).toBe(42n);
      expect(seen.map((c) => c.requestId)).toContain('req-1');
    } finally {
      close();
    }
  });

  it('carries the gRPC code and the error detail to the client', async () => {
    const { client, close } = createServiceClient(AnalyticsService, { address: `127.0.0.1:${ports.grpc}` });
    try {
      const err = await client.getPasteStats({ pasteId: 'missing' }).catch((e: unknown) => ConnectError.from(e));
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.NotFound);
      expect(errorDetail(err)?.reason).toBe('PASTE_NOT_FOUND');
      expect(errorDetail(err)?.field).toBe('paste_id');
    } finally {
      close();
    }
  });

  it('hides the cause of unexpected errors', async () => {
    const { client, close } = createServiceClient(AnalyticsService, { address: `127.0.0.1:${ports.grpc}` });
    try {
      const err = ConnectError.from(await client.getPasteStats({ pasteId: 'boom' }).catch((e: unknown) => e));
      expect(err.code).toBe(Code.Internal);
      expect(err.rawMessage).toBe('internal error');
      expect(err.message).not.toContain('SELECT');
    } finally {
      close();
    }
  });

  it('enforces the caller deadline', async () => {
    const { client, close } = createServiceClient(AnalyticsService, { address: `127.0.0.1:${ports.grpc}` });
    try {
      const err = ConnectError.from(
        await client.getPasteStats({ pasteId: 'slow500' }, { timeoutMs: 50 }).catch((e: unknown) => e),
      );
      expect(err.code).toBe(Code.DeadlineExceeded);
    } finally {
      close();
    }
  });

  it('answers a stock grpc-js client with SERVING from grpc.health.v1', async () => {
    const client = new grpc.Client(`127.0.0.1:${ports.grpc}`, grpc.credentials.createInsecure());
    // grpc.health.v1.HealthCheckRequest{service=""} is an empty message; the response's field 1 is the status enum.
    const status = await new Promise<number>((resolve, reject) =>
      client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (err, value) => (err ? reject(err) : resolve(value![1]!)),
      ),
    );
    client.close();
    expect(status).toBe(1); // SERVING
  });

  it('answers a stock grpc-js client with protobuf bytes on the service path', async () => {
    const client = new grpc.Client(`127.0.0.1:${ports.grpc}`, grpc.credentials.createInsecure());
    const res = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(
        '/pastemesh.analytics.v1.AnalyticsService/GetPasteStats',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(toBinary(GetPasteStatsRequestSchema, create(GetPasteStatsRequestSchema, { pasteId: 'raw' }))),
        (err, value) => (err ? reject(err) : resolve(value!)),
      ),
    );
    client.close();
    expect(fromBinary(GetPasteStatsResponseSchema, res).stats?.pasteId).toBe('raw');
  });

  it('answers Connect JSON over HTTP/1.1 (curl)', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.connect}/pastemesh.analytics.v1.AnalyticsService/GetPasteStats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pasteId: 'json' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ stats: { pasteId: 'json', totalViews: '7' } });
  });

  it('counts calls in grpc_server_handled_total by method and code', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.admin}/metrics`);
    const text = await res.text();
    expect(text).toMatch(
      /grpc_server_handled_total\{[^}]*grpc_method="GetPasteStats"[^}]*grpc_code="NOT_FOUND"[^}]*\} 1/,
    );
    expect(text).toMatch(/grpc_server_handling_seconds_bucket\{/);
  });

  it('reports readiness on /readyz', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.admin}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { always: 'ok' } });
  });
});

describe('service host start-up', () => {
  it('listens on every port or on none: a start that finds a port taken releases those it bound', async () => {
    const taken = await occupyPort();
    const grpcPort = await freePort();
    const before = openSockets();
    const options = {
      name: 'kit-test',
      logger: createLogger('kit-test', 'silent'),
      metrics: createMetrics('kit-test'),
      host: '127.0.0.1',
      services: [{ service: AnalyticsService, impl: echoImpl([]) }],
      grpcPort,
      adminPort: 0,
    };
    try {
      // gRPC binds first and succeeds; the Connect port is taken.
      await expect(createServiceHost({ ...options, connectPort: taken.port }).start()).rejects.toThrow(/EADDRINUSE/);
      await expectSocketsClosedSince(before);
      const host = createServiceHost({ ...options, connectPort: 0 });
      expect((await host.start()).grpc).toBe(grpcPort);
      await host.stop();
    } finally {
      await taken.close();
    }
  });
});
