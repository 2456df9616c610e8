import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { startPasteHarness, type PasteHarness } from './testing/paste-harness.js';

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
    expect(text).toMatch(/^# TYPE paste_sweeper_deleted_total counter/m);
    expect(text).toMatch(/^# TYPE cache_requests_total counter/m);
    expect(text).toMatch(/^# TYPE paste_cache_loads_total counter/m);
    expect(text).toMatch(/^# TYPE db_query_duration_seconds histogram/m);
  });
});
