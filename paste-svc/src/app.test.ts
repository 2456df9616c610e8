import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STORAGE_MODES, createTestStorage } from '@pastemesh/kit/testing';
import { createApp } from './app.js';
import { loadPasteConfig } from './config.js';
import { pasteMigrations } from './migrations/index.js';
import { startPasteHarness, type PasteHarness } from './testing/paste-harness.js';
import {
  createTestIssuer,
  expectSocketsClosedSince,
  expectStorageReleased,
  freePort,
  occupyPort,
  openSockets,
} from '@pastemesh/kit/testing';

describe.each(STORAGE_MODES)('paste-svc app (%s)', (mode) => {
  let h: PasteHarness;

  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_app');
  });
  afterAll(async () => {
    await h.close();
  });

  it('reports ready on /readyz once its database answers', async () => {
    const res = await fetch(`http://127.0.0.1:${h.ports.admin}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
  });

  it('answers Connect JSON over HTTP/1.1, as curl would send it', async () => {
    const post = (method: string, body: unknown) =>
      fetch(`http://127.0.0.1:${h.ports.connect}/pastemesh.paste.v1.PasteService/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, any>>);
    const created = await post('CreatePaste', { content: Buffer.from('curl me').toString('base64'), language: 'json' });
    const read = await post('GetPaste', { id: created['paste'].id });
    expect(Buffer.from(read['paste'].content, 'base64').toString()).toBe('curl me');
  });

  it('exports the cache and sweeper metrics on /metrics', async () => {
    await h.sweepOnce();
    const text = await h.metricsText();
    // OpenMetrics names a counter's family without _total; its samples keep it.
    expect(text).toMatch(/^# TYPE paste_sweeper_deleted counter/m);
    expect(text).toMatch(/^# TYPE cache_requests counter/m);
    expect(text).toMatch(/^# TYPE paste_cache_loads counter/m);
    expect(text).toMatch(/^# TYPE db_query_duration_seconds histogram/m);
  });
});

describe.each(STORAGE_MODES)('paste-svc start-up (%s)', (mode) => {
  it('closes every port and connection it opened when a later port is taken, so the next start can bind them', async () => {
    const storage = await createTestStorage(mode, 'paste_start');
    const taken = await occupyPort();
    const issuer = await createTestIssuer();
    const config = (env: Record<string, string>) =>
      loadPasteConfig({
        ...storage.env,
        HOST: '127.0.0.1',
        ADMIN_PORT: '0',
        LOG_LEVEL: 'silent',
        AUTH_SVC_URL: '127.0.0.1:1',
        ...env,
      });
    try {
      const grpcPort = await freePort();
      const before = openSockets();
      // gRPC binds first and succeeds; the Connect port is taken, so start fails half-way.
      const failed = createApp(config({ GRPC_PORT: String(grpcPort), CONNECT_PORT: String(taken.port) }), {
        jwks: issuer.jwks,
      });
      await expect(failed.start()).rejects.toThrow(/EADDRINUSE/);
      await expectSocketsClosedSince(before);
      await expectStorageReleased(storage, path.join(storage.dataDir, 'paste-svc.db'), pasteMigrations);

      const app = createApp(config({ GRPC_PORT: String(grpcPort), CONNECT_PORT: '0' }), { jwks: issuer.jwks });
      const ports = await app.start();
      expect(ports.grpc).toBe(grpcPort);
      await app.stop();
    } finally {
      await taken.close();
      await storage.cleanup();
    }
  });
});
