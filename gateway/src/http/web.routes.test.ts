import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import { ensureWebBuilt } from '../../web/build.js';
import { registerWebRoutes } from './web.routes.js';

const app = Fastify();
registerWebRoutes(app);
let base = '';

/** A real request (Fastify's inject cannot load under jest's ESM mode). */
async function get(url: string) {
  const res = await fetch(base + url);
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

beforeAll(async () => {
  await ensureWebBuilt();
  base = await app.listen({ port: 0, host: '127.0.0.1' });
}, 60_000);
afterAll(() => app.close());

describe('registerWebRoutes', () => {
  it('answers every client page with index.html, revalidated on each visit', async () => {
    for (const url of ['/', '/p/aB3dE5gH7jK', '/login', '/register', '/mine', '/top']) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toMatch(/<script type="module" src="\/assets\/app-\w+\.js"><\/script>/);
    }
  });

  it('serves the hashed assets the page names, cacheable for a year', async () => {
    const html = (await get('/')).body;
    const js = /src="(\/assets\/app-\w+\.js)"/.exec(html)![1]!;
    const css = /href="(\/assets\/app-\w+\.css)"/.exec(html)![1]!;
    const script = await get(js);
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get(css)).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('never serves anything outside the built assets', async () => {
    for (const url of [
      '/assets/..%2F..%2Fpackage.json',
      '/assets/%2e%2e%2fbuild.ts',
      '/assets/app.ts',
      '/assets/missing-123.js',
      '/assets/.env',
    ]) {
      expect((await get(url)).statusCode).toBe(404);
    }
  });
});
