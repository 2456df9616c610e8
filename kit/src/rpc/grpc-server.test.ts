import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { addServiceToGrpcServer, bindService } from './grpc-server.js';
import { createServiceClient } from './clients.js';
import { echoAnalyticsImpl } from '../testing/echo-service.js';
import { eventually } from '../testing/index.js';

/** What the handler saw of one call's context. */
interface Seen {
  signal: AbortSignal;
  abortedWhileRunning: unknown;
  headers: Record<string, string>;
}

describe('grpc-js server binding: call context', () => {
  const seen = new Map<string, Seen>();
  const server = new grpc.Server();
  let address: string;

  beforeAll(async () => {
    const impl: ServiceImpl<typeof AnalyticsService> = {
      ...echoAnalyticsImpl([]),
      async getPasteStats(req, ctx: HandlerContext) {
        const entry: Seen = {
          signal: ctx.signal,
          abortedWhileRunning: undefined,
          headers: Object.fromEntries(ctx.requestHeader),
        };
        seen.set(req.pasteId, entry);
        if (req.pasteId.startsWith('wait')) {
          // Runs until the caller gives up (cancel or deadline); records why the signal fired.
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
          entry.abortedWhileRunning = ctx.signal.reason;
        }
        return { stats: { pasteId: req.pasteId } };
      },
    };
    addServiceToGrpcServer(server, bindService(AnalyticsService, impl), [], new AbortController().signal);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    address = `127.0.0.1:${port}`;
  });
  afterAll(() => server.forceShutdown());

  it('ends a finished call as finished, not as cancelled (grpc-js emits "cancelled" after every status)', async () => {
    const { client, close } = createServiceClient(AnalyticsService, { address, defaultTimeoutMs: 5_000 });
    try {
      await client.getPasteStats({ pasteId: 'done' });
      // The server side ends the call after the client has its answer: wait for that, not for a time.
      await eventually(() => seen.get('done')?.signal.aborted === true, 10_000, 5);
      const { signal } = seen.get('done')!;
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(ConnectError);
      expect((signal.reason as ConnectError).rawMessage).toBe('the call has finished');
    } finally {
      close();
    }
  });

  it('aborts a running handler when the caller cancels, and when its deadline passes', async () => {
    const { client, close } = createServiceClient(AnalyticsService, { address, defaultTimeoutMs: 5_000 });
    try {
      const caller = new AbortController();
      const cancelled = client.getPasteStats({ pasteId: 'wait-cancel' }, { signal: caller.signal });
      // Cancel once the handler runs (a cancel before it started would prove nothing about a running one).
      await eventually(() => seen.has('wait-cancel'), 10_000, 5);
      caller.abort();
      await expect(cancelled).rejects.toMatchObject({ code: Code.Canceled });
      // Long enough for the call to reach its handler on a loaded machine: the handler must be running when it passes.
      const late = client.getPasteStats({ pasteId: 'wait-deadline' }, { timeoutMs: 1_000 });
      await expect(late).rejects.toMatchObject({ code: Code.DeadlineExceeded });
      await eventually(
        () => ['wait-cancel', 'wait-deadline'].every((id) => seen.get(id)?.abortedWhileRunning !== undefined),
        10_000,
        5,
      );
      for (const id of ['wait-cancel', 'wait-deadline']) {
        const reason = seen.get(id)!.abortedWhileRunning;
        expect(reason).toBeInstanceOf(ConnectError);
        expect([Code.Canceled, Code.DeadlineExceeded]).toContain((reason as ConnectError).code);
        expect((reason as ConnectError).rawMessage).not.toBe('the call has finished');
      }
    } finally {
      close();
    }
  });

  it('hands the handler every metadata value, binary ones in base64', async () => {
    const { client, close } = createServiceClient(AnalyticsService, { address, defaultTimeoutMs: 5_000 });
    try {
      await client.getPasteStats(
        { pasteId: 'headers' },
        { headers: { 'x-request-id': 'req-1', 'x-trace-bin': Buffer.from([1, 2, 3]).toString('base64') } },
      );
      const { headers } = seen.get('headers')!;
      expect(headers['x-request-id']).toBe('req-1');
      expect(headers['x-trace-bin']).toBe('AQID');
    } finally {
      close();
    }
  });
});
