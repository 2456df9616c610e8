import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import { PAGE_CSP, RAW_CSP, registerSecurityHeaders } from './security-headers.js';

/** What every response carries (helmet's list with our policy, plus Permissions-Policy), CSP aside. */
const EXPECTED = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

const app = Fastify();
registerSecurityHeaders(app);
app.get('/page', async () => ({ ok: true }));
app.get('/raw', async (_req, reply) => reply.header('content-security-policy', RAW_CSP).send('text'));
app.get('/fails', async () => {
  throw new Error('boom');
});
let base = '';

beforeAll(async () => {
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => app.close());

/** A real request (Fastify's inject cannot load under jest's ESM mode): status and headers. */
async function get(url: string) {
  const res = await fetch(base + url);
  await res.arrayBuffer();
  return { status: res.status, headers: Object.fromEntries(res.headers) };
}

describe('registerSecurityHeaders', () => {
  it('sends the same security headers on an answer, a 404 and a 500, with the page CSP by default', async () => {
    for (const [url, status] of [
      ['/page', 200],
      ['/nothing-here', 404],
      ['/fails', 500],
    ] as const) {
      const res = await get(url);
      expect(res.status).toBe(status);
      expect(res.headers).toMatchObject({ ...EXPECTED, 'content-security-policy': PAGE_CSP });
    }
  });

  it("keeps a route's own tighter CSP", async () => {
    const res = await get('/raw');
    expect(res.headers).toMatchObject({ ...EXPECTED, 'content-security-policy': RAW_CSP });
  });
});
