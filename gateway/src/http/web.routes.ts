import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The built client (gateway/web/build.ts writes it; `npm install` and `npm start` run the build). */
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/** Paths the client routes itself; each gets index.html. Keep in step with gateway/web/src/main.ts. */
const PAGES = ['/', '/p/:id', '/login', '/register', '/mine', '/top'];

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};
/** A bare file name: no separators, no `..`, so nothing outside dist/assets can be named. */
const ASSET_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/;

/** Serves the web client: its pages at `/`, `/p/:id`, … and its hashed assets at `/assets/*`. */
export function registerWebRoutes(app: FastifyInstance): void {
  // Hashed names never change content, so each is read once.
  const assets = new Map<string, Buffer>();

  const sendIndex = async (_req: unknown, reply: FastifyReply) => {
    let html: Buffer;
    try {
      html = await fs.readFile(path.join(DIST, 'index.html'));
    } catch {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web client is not built: run `npm run build:web` (npm install does it too).\n');
    }
    // Always revalidate the page, so a new build's asset names are picked up at once.
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  };
  for (const url of PAGES) app.get(url, sendIndex);

  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    const name = req.params.file;
    const type = TYPES[path.extname(name)];
    if (!ASSET_NAME.test(name) || !type) return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
    let body = assets.get(name);
    if (!body) {
      try {
        body = await fs.readFile(path.join(DIST, 'assets', name));
      } catch {
        return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
      }
      assets.set(name, body);
    }
    return reply.type(type).header('cache-control', 'public, max-age=31536000, immutable').send(body);
  });
}
