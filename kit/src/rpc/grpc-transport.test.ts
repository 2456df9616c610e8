import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { createServiceHost, type ServiceHost } from '../server/service-host.js';
import { createMetrics } from '../observability/metrics.js';
import { createLogger } from '../observability/logger.js';
import { createServiceClient, type ServiceClient } from './clients.js';
import { MAX_REPLY_BYTES, grpcTarget, isLocalFailure } from './grpc-transport.js';
import { ConnectError, Code } from '@connectrpc/connect';
import { errorDetail } from './errors.js';
import { echoAnalyticsImpl } from '../testing/echo-service.js';
import type { RequestContext } from './request-context.js';

describe('grpc transport target', () => {
  it('keeps one host:port as it is and turns a list of replicas into a balanced ipv4 target', () => {
    expect(grpcTarget('http://127.0.0.1:5002')).toEqual({ target: '127.0.0.1:5002', balanced: false });
    expect(grpcTarget('127.0.0.1:5002, 127.0.0.1:5012')).toEqual({
      target: 'ipv4:127.0.0.1:5002,127.0.0.1:5012',
      balanced: true,
    });
    expect(grpcTarget('[::1]:5002,[::1]:5012')).toEqual({ target: 'ipv6:[::1]:5002,[::1]:5012', balanced: true });
    expect(grpcTarget('dns:///paste-svc:5002')).toEqual({ target: 'dns:///paste-svc:5002', balanced: true });
  });

  it('refuses a list of host names, naming the DNS form instead', () => {
    expect(() => grpcTarget('paste-a:5002,paste-b:5002')).toThrow(/dns:\/\/\/name:port/);
  });
});

describe('grpc transport over two replicas', () => {
  const logger = createLogger('kit-test', 'silent');
  const seen: [RequestContext[], RequestContext[]] = [[], []];
  let hosts: ServiceHost[];
  let address: string;

  beforeAll(async () => {
    hosts = seen.map((ids, i) =>
      createServiceHost({
        name: `replica-${i}`,
        logger,
        metrics: createMetrics(`replica-${i}`),
        host: '127.0.0.1',
        services: [{ service: AnalyticsService, impl: echoAnalyticsImpl(ids) }],
        grpcPort: 0,
        connectPort: 0,
        adminPort: 0,
      }),
    );
    const ports = await Promise.all(hosts.map((h) => h.start()));
    address = ports.map((p) => `127.0.0.1:${p.grpc}`).join(',');
  });
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
  });

  it('spreads calls over both replicas and keeps every call working while one shuts down', async () => {
    const { client, close } = createServiceClient(AnalyticsService, { address, defaultTimeoutMs: 5_000 });
    try {
      for (let i = 0; i < 20; i++) await client.getPasteStats({ pasteId: `p${i}` });
      expect(seen[0].length).toBeGreaterThan(0);
      expect(seen[1].length).toBeGreaterThan(0);
      // Calls keep coming (some slow, so they are in flight) while replica 0 drains and closes.
      const calls = Array.from({ length: 60 }, (_, i) =>
        new Promise((r) => setTimeout(r, i * 5)).then(() =>
          client.getPasteStats({ pasteId: i % 3 === 0 ? 'slow100' : `q${i}` }),
        ),
      );
      await new Promise((r) => setTimeout(r, 50));
      await hosts[0]!.stop();
      const results = await Promise.allSettled(calls);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    } finally {
      close();
    }
  });
});

describe("grpc transport failures on the caller's side", () => {
  const logger = createLogger('kit-test', 'silent');
  let host: ServiceHost;
  let client: ServiceClient<typeof AnalyticsService>;
  beforeAll(async () => {
    host = createServiceHost({
      name: 'local-failures',
      logger,
      metrics: createMetrics('local-failures'),
      host: '127.0.0.1',
      services: [{ service: AnalyticsService, impl: echoAnalyticsImpl() }],
      grpcPort: 0,
      connectPort: 0,
      adminPort: 0,
    });
    const ports = await host.start();
    client = createServiceClient(AnalyticsService, { address: `127.0.0.1:${ports.grpc}` });
  });
  afterAll(async () => {
    client.close();
    await host.stop();
  });
  const failure = (call: Promise<unknown>) =>
    call.then(
      () => undefined,
      (err: unknown) => err,
    );

  it("answers a reply above the receive limit as the caller's mistake, naming the limit, not as the peer's health", async () => {
    const err = await failure(client.client.getPasteStats({ pasteId: `big${MAX_REPLY_BYTES + 1}` }));
    expect(ConnectError.from(err).code).toBe(Code.InvalidArgument);
    expect(errorDetail(err)).toMatchObject({ reason: 'REPLY_TOO_LARGE', limit: BigInt(MAX_REPLY_BYTES) });
    expect(isLocalFailure(err)).toBe(true);
  });

  it('fails a request it cannot encode before sending it, as a local failure', async () => {
    // An enum given by name where protobuf wants its number (what `?visibility=1` once produced).
    const err = await failure(client.client.topPastes({ window: 'DAY' as never }));
    expect(ConnectError.from(err).code).toBe(Code.Internal);
    expect(isLocalFailure(err)).toBe(true);
    // The connection still works.
    expect((await client.client.getPasteStats({ pasteId: 'after' })).stats?.pasteId).toBe('after');
  });

  it("keeps what the peer answered as the peer's answer", async () => {
    const err = await failure(client.client.getPasteStats({ pasteId: 'boom' }));
    expect(ConnectError.from(err).code).toBe(Code.Internal);
    expect(isLocalFailure(err)).toBe(false);
  });
});
