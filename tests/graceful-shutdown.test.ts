import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectError } from '@connectrpc/connect';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { createServiceClient } from '@pastemesh/kit/rpc';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('graceful shutdown', () => {
  it('lets every call that started before SIGTERM finish successfully, then exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/echo-server.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const ports = JSON.parse(line.toString()) as { grpc: number };
    const { client, close } = createServiceClient(AnalyticsService, {
      address: `127.0.0.1:${ports.grpc}`,
      defaultTimeoutMs: 5_000,
    });
    try {
      // A stream of calls, each taking about a second; SIGTERM lands while all 40 are in flight.
      const started = Array.from({ length: 40 }, (_, i) => client.getPasteStats({ pasteId: `slow${1_000 + i}` }));
      // A quick call behind them on the same HTTP/2 connection: once it is answered, the server has read all 40
      // (frames arrive in order), however slow the machine; a fixed wait once sent SIGTERM before they connected.
      await client.getPasteStats({ pasteId: 'behind-them' });
      child.kill('SIGTERM');
      const results = await Promise.allSettled(started);
      const failures = results
        .filter((r) => r.status === 'rejected')
        .map((r) => ConnectError.from((r as PromiseRejectedResult).reason).message);
      expect(failures).toEqual([]);
      expect(results).toHaveLength(40);
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
    } finally {
      close();
      child.kill('SIGKILL');
    }
  });
});
