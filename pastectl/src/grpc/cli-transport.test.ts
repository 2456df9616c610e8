import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ServiceImpl } from '@connectrpc/connect';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { createLogger, createMetrics } from '@pastemesh/kit/observability';
import { createServiceHost, type ServiceHost } from '@pastemesh/kit/server';
import { echoAnalyticsImpl } from '@pastemesh/kit/testing';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { createCliTransport } from './cli-transport.js';

const failure = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (err: unknown) => err,
  );

describe('pastectl transport', () => {
  let host: ServiceHost;
  let address: string;
  beforeAll(async () => {
    // A real gRPC server: the echo contract, whose GetPasteStats answers with the credential it was sent.
    const impl: ServiceImpl<typeof AnalyticsService> = {
      ...echoAnalyticsImpl(),
      async getPasteStats(req, ctx) {
        if (req.pasteId === 'whoami') return { stats: { pasteId: ctx.requestHeader.get('authorization') ?? '(none)' } };
        return echoAnalyticsImpl().getPasteStats(req, ctx);
      },
    };
    host = createServiceHost({
      name: 'pastectl-transport-test',
      logger: createLogger('pastectl-transport-test', 'silent'),
      metrics: createMetrics('pastectl-transport-test'),
      host: '127.0.0.1',
      services: [{ service: AnalyticsService, impl }],
      grpcPort: 0,
      connectPort: 0,
      adminPort: 0,
    });
    address = `127.0.0.1:${(await host.start()).grpc}`;
  });
  afterAll(async () => {
    await host.stop();
  });

  it('sends the API key as a bearer credential on every call, and none without one', async () => {
    const keyed = createCliTransport({ address: `http://${address}`, apiKey: 'pm_test_key', timeoutMs: 10_000 });
    const anonymous = createCliTransport({ address, timeoutMs: 10_000 });
    try {
      for (let i = 0; i < 2; i++)
        expect((await keyed.client(AnalyticsService).getPasteStats({ pasteId: 'whoami' })).stats?.pasteId).toBe(
          'Bearer pm_test_key',
        );
      expect((await anonymous.client(AnalyticsService).getPasteStats({ pasteId: 'whoami' })).stats?.pasteId).toBe(
        '(none)',
      );
    } finally {
      keyed.close();
      anonymous.close();
    }
  });

  it('turns a service error into a CliError with the gRPC code name and Pastemesh’s error detail', async () => {
    const t = createCliTransport({ address, timeoutMs: 10_000 });
    try {
      const err = await failure(t.client(AnalyticsService).getPasteStats({ pasteId: 'missing' }));
      expect(err).toBeInstanceOf(CliError);
      expect(err).toMatchObject({
        message: 'paste missing not found',
        grpcCode: 'NOT_FOUND',
        exitCode: ExitCode.NOT_FOUND,
      });
      expect((err as CliError).detail).toMatchObject({ reason: 'PASTE_NOT_FOUND', field: 'paste_id' });
    } finally {
      t.close();
    }
  });

  it('names the address and the cause when a service cannot be reached', async () => {
    const t = createCliTransport({ address: '127.0.0.1:1', timeoutMs: 10_000 });
    try {
      const err = await failure(t.client(AnalyticsService).getPasteStats({ pasteId: 'x' }));
      expect(err).toMatchObject({ grpcCode: 'UNAVAILABLE', exitCode: ExitCode.UNAVAILABLE });
      expect((err as CliError).message).toMatch(/^GetPasteStats: 127\.0\.0\.1:1 is unreachable \(.*ECONNREFUSED.*\)$/);
    } finally {
      t.close();
    }
  });

  it('says a service did not answer in time when the deadline passes', async () => {
    const t = createCliTransport({ address, timeoutMs: 200 });
    try {
      const err = await failure(t.client(AnalyticsService).getPasteStats({ pasteId: 'slow5000' }));
      expect(err).toMatchObject({
        grpcCode: 'DEADLINE_EXCEEDED',
        exitCode: ExitCode.UNAVAILABLE,
        message: `GetPasteStats: ${address} did not answer in time`,
      });
    } finally {
      t.close();
    }
  });
});
