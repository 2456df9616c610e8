import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, type Stack } from '../scripts/stack.js';
import { metricValue } from './support/graphql.js';

const run = promisify(execFile);
const buf = path.join(path.dirname(fileURLToPath(import.meta.url)), '../node_modules/.bin/buf');
const bufCurl = async (...args: string[]) => (await run(buf, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], { timeout: 20_000 })).stdout;

describe('stock clients against every service (embedded default)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ mode: 'embedded', ports: 'random', env: { LOG_LEVEL: 'error' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gets SERVING from grpc.health.v1 Check with buf curl on auth, paste and analytics', async () => {
    for (const address of Object.values(stack.grpc)) {
      const out = await bufCurl(`http://${address}/grpc.health.v1.Health/Check`);
      expect(JSON.parse(out)).toEqual({ status: 'SERVING' });
    }
  });

  it('lists each service\'s methods through server reflection, with no proto files', async () => {
    const expected = {
      auth: 'pastemesh.auth.v1.AuthService/Login',
      paste: 'pastemesh.paste.v1.PasteService/CreatePaste',
      analytics: 'pastemesh.analytics.v1.AnalyticsService/TopPastes',
    };
    for (const [name, address] of Object.entries(stack.grpc)) {
      const out = await bufCurl('--list-methods', `http://${address}`);
      expect(out).toContain(expected[name as keyof typeof expected]);
      expect(out).toContain('grpc.health.v1.Health/Check');
    }
  });

  it('creates and reads a paste with buf curl using reflection (JSON in, JSON out)', async () => {
    const created = JSON.parse(await bufCurl('-d', JSON.stringify({ content: Buffer.from('from buf curl').toString('base64') }), `http://${stack.grpc.paste}/pastemesh.paste.v1.PasteService/CreatePaste`));
    expect(created.paste.id).toMatch(/^[0-9A-Za-z]{11}$/);
    const read = JSON.parse(await bufCurl('-d', JSON.stringify({ id: created.paste.id }), `http://${stack.grpc.paste}/pastemesh.paste.v1.PasteService/GetPaste`));
    expect(Buffer.from(read.paste.content, 'base64').toString()).toBe('from buf curl');
  });

  it('answers Connect JSON over HTTP/1.1 on each Connect port (curl)', async () => {
    const res = await fetch(`http://127.0.0.1:${stack.ports.paste['connect']}/pastemesh.paste.v1.PasteService/ListLanguages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { languages: { id: string }[] };
    expect(body.languages.map((l) => l.id)).toContain('typescript');
  });

  it('shows RED metrics rising on each admin port after calls', async () => {
    const calls = {
      auth: 'pastemesh.auth.v1.AuthService/BatchGetUsers',
      paste: 'pastemesh.paste.v1.PasteService/ListLanguages',
      analytics: 'pastemesh.analytics.v1.AnalyticsService/TopPastes',
    } as const;
    for (const [name, path] of Object.entries(calls) as [keyof typeof calls, string][]) {
      const admin = `http://127.0.0.1:${stack.ports[name]['admin']}/metrics`;
      const method = path.split('/')[1]!;
      const count = async () => metricValue(await (await fetch(admin)).text(), 'grpc_server_handled_total', { grpc_method: method, grpc_code: 'OK' });
      const before = await count();
      await bufCurl('-d', '{}', `http://${stack.grpc[name]}/${path}`);
      await bufCurl('-d', '{}', `http://${stack.grpc[name]}/${path}`);
      expect(await count()).toBe(before + 2);
      const text = await (await fetch(admin)).text();
      expect(metricValue(text, 'grpc_server_handling_seconds_count', { grpc_method: method })).toBeGreaterThanOrEqual(2);
      expect(metricValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    }
  });
});
