import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify, { type FastifyInstance } from 'fastify';
import { PAGE_CSP, RAW_CSP, registerSecurityHeaders } from './security-headers.js';

/** What every response carries (helmet's list with our policy, plus Permissions-Policy), CSP and HSTS aside. */
const EVERY_ANSWER = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'referrer-policy': 'no-referrer',
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

/** What answers to HTTPS requests carry as well (RFC 6797 §7.2: never over plain HTTP). */
const HSTS = { 'strict-transport-security': 'max-age=31536000; includeSubDomains' };

/** The routes, as served directly (no proxy trusted) and behind one trusted proxy (TRUST_PROXY_HOPS=1). */
function serve(app: FastifyInstance): FastifyInstance {
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
  return app;
}
const direct = serve(Fastify());
const proxied = serve(Fastify({ trustProxy: (_address: string, hop: number) => hop < 1 }));
let base = '';
let proxiedBase = '';

beforeAll(async () => {
  base = await direct.listen({ port: 0, host: '127.0.0.1' });
  proxiedBase = await proxied.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => Promise.all([direct.close(), proxied.close()]));

/** A real request (Fastify's inject cannot load under jest's ESM mode): status and headers. */
async function get(url: string, headers: Record<string, string> = {}, at = base) {
  const res = await fetch(at + url, { headers });
  await res.arrayBuffer();
  return { status: res.status, headers: Object.fromEntries(res.headers) };
}

describe('registerSecurityHeaders', () => {
  it('sends every security header, with the page CSP by default, on answers a browser may parse as markup', async () => {
    for (const url of ['/page', '/svg']) {
      const res = await get(url);
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject({ ...EVERY_ANSWER, ...DOCUMENTS_ALSO, 'content-security-policy': PAGE_CSP });
      expect(res.headers).not.toHaveProperty('strict-transport-security');
    }
  });

  it('adds HSTS only when a trusted proxy says the request came over HTTPS', async () => {
    const viaHttps = { 'x-forwarded-proto': 'https' };
    for (const url of ['/page', '/json', '/raw', '/nothing-here']) {
      const res = await get(url, viaHttps, proxiedBase);
      expect(res.headers).toMatchObject({ ...EVERY_ANSWER, ...HSTS });
    }
    expect((await get('/page', viaHttps, proxiedBase)).headers).toMatchObject(DOCUMENTS_ALSO);
    expect((await get('/raw', viaHttps, proxiedBase)).headers).not.toHaveProperty('x-xss-protection');
    // Plain HTTP through the proxy, and a client's own X-Forwarded-Proto where no proxy is trusted: none.
    expect((await get('/page', { 'x-forwarded-proto': 'http' }, proxiedBase)).headers).not.toHaveProperty(
      'strict-transport-security',
    );
    expect((await get('/page', viaHttps)).headers).not.toHaveProperty('strict-transport-security');
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
      for (const name of [...Object.keys(DOCUMENTS_ALSO), ...Object.keys(HSTS)]) {
        expect(res.headers).not.toHaveProperty(name);
      }
    }
  });

  it("keeps a text/plain route's own tighter CSP, without the document-only headers", async () => {
    const res = await get('/raw');
    expect(res.headers).toMatchObject({ ...EVERY_ANSWER, 'content-security-policy': RAW_CSP });
    for (const name of Object.keys(DOCUMENTS_ALSO)) expect(res.headers).not.toHaveProperty(name);
  });
});
