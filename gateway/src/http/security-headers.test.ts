import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import { PAGE_CSP, RAW_CSP, registerSecurityHeaders } from './security-headers.js';

/** What every response carries (helmet's list with our policy, plus Permissions-Policy), CSP aside. */
const EVERY_ANSWER = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
};
/** What only answers a browser may parse as HTML carry as well. */
const DOCUMENTS_ALSO = {
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-xss-protection': '0',
};

const app = Fastify();
registerSecurityHeaders(app);
app.get('/page', async (_req, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><p>page'));
app.get('/svg', async (_req, reply) => reply.type('image/svg+xml').send('<svg xmlns="http://www.w3.org/2000/svg"/>'));
app.get('/json', async () => ({ ok: true }));
app.get('/raw', async (_req, reply) =>
  reply.header('content-security-policy', RAW_CSP).type('text/plain; charset=utf-8').send('<script>x</script>'),
);
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
  it('sends every security header, with the page CSP by default, on answers a browser may parse as markup', async () => {
    for (const url of ['/page', '/svg']) {
      const res = await get(url);
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject({ ...EVERY_ANSWER, ...DOCUMENTS_ALSO, 'content-security-policy': PAGE_CSP });
    }
  });

  it('leaves the document-only headers off JSON answers, errors included, and keeps the rest', async () => {
    for (const [url, status] of [
      ['/json', 200],
      ['/nothing-here', 404],
      ['/fails', 500],
    ] as const) {
      const res = await get(url);
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers).toMatchObject({ ...EVERY_ANSWER, 'content-security-policy': PAGE_CSP });
      for (const name of Object.keys(DOCUMENTS_ALSO)) expect(res.headers).not.toHaveProperty(name);
    }
  });

  it("keeps a text/plain route's own tighter CSP, without the document-only headers", async () => {
    const res = await get('/raw');
    expect(res.headers).toMatchObject({ ...EVERY_ANSWER, 'content-security-policy': RAW_CSP });
    for (const name of Object.keys(DOCUMENTS_ALSO)) expect(res.headers).not.toHaveProperty(name);
  });
});
