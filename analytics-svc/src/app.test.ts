import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '@pastemesh/kit/observability';
import { STORAGE_MODES, createTestStorage } from '@pastemesh/kit/testing';
import { createApp } from './app.js';
import { loadAnalyticsConfig } from './config.js';
import { analyticsMigrations } from './migrations/index.js';
import {
  expectSocketsClosedSince,
  expectStorageReleased,
  freePort,
  occupyPort,
  openSockets,
} from '@pastemesh/kit/testing';

describe.each(STORAGE_MODES)('analytics-svc start-up (%s)', (mode) => {
  it('closes every port and connection it opened when a later port is taken, so the next start can bind them', async () => {
    const storage = await createTestStorage(mode, 'analytics_start');
    const taken = await occupyPort();
    const config = (env: Record<string, string>) =>
      loadAnalyticsConfig({
        ...storage.env,
        HOST: '127.0.0.1',
        ADMIN_PORT: '0',
        LOG_LEVEL: 'silent',
        AUTH_SVC_URL: '127.0.0.1:9',
        ...env,
      });
    const logger = createLogger('analytics-svc', 'silent');
    try {
      const grpcPort = await freePort();
      const before = openSockets();
      // gRPC binds first and succeeds; the Connect port is taken, so start fails half-way.
      const failed = createApp(config({ GRPC_PORT: String(grpcPort), CONNECT_PORT: String(taken.port) }), { logger });
      await expect(failed.start()).rejects.toThrow(/EADDRINUSE/);
      await expectSocketsClosedSince(before);
      await expectStorageReleased(storage, path.join(storage.dataDir, 'analytics-svc.db'), analyticsMigrations);

      const app = createApp(config({ GRPC_PORT: String(grpcPort), CONNECT_PORT: '0' }), { logger });
      const ports = await app.start();
      expect(ports.grpc).toBe(grpcPort);
      await app.stop();
    } finally {
      await taken.close();
      await storage.cleanup();
    }
  });
});
