import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Code } from '@connectrpc/connect';
import { isBotUserAgent } from '@pastemesh/analytics-svc/client';
import { Reason, appError } from '@pastemesh/kit/rpc';
import { identifyCaller } from '../request/caller.js';
import { createRequestScope, recordView, type RequestScope } from '../request/scope.js';
import { singleParam, type QueryParams } from '../request/query-params.js';
import type { GatewayServices } from '../services.js';
import { createPaste, pasteUrls, readPaste, revealPaste } from '../paste/paste.actions.js';
import type { PasteView } from '../paste/paste.view.js';
import { RAW_CSP } from './security-headers.js';
import { sendPlainError } from './http-errors.js';

/** Longest a shared cache may keep a raw paste (a deletion or a new version shows within this). */
const MAX_SHARED_AGE_S = 300;

/**
 * How long browsers and shared caches may keep a raw paste: never beyond its expiry; never shared if it is
 * not public; never kept at all if it burns after reading or is private.
 */
function cacheControl(view: PasteView): string {
  if (view.burnAfterRead || view.visibility === 'PRIVATE') return 'private, no-store';
  const remaining = view.expiresAt ? Math.floor((view.expiresAt.getTime() - Date.now()) / 1000) : MAX_SHARED_AGE_S;
  const maxAge = Math.max(0, Math.min(MAX_SHARED_AGE_S, remaining));
  return `${view.visibility === 'PUBLIC' ? 'public' : 'private'}, max-age=${maxAge}`;
}

type RawRequest = FastifyRequest<{ Params: { id: string }; Querystring: QueryParams }>;

/** Reads `/raw/:id?v=N` without changing anything: concealed if it burns after reading. */
async function readRaw(services: GatewayServices, req: RawRequest): Promise<{ scope: RequestScope; view: PasteView }> {
  const scope = createRequestScope(services, await identifyCaller(services, req));
  const view = await readPaste(scope, req.params.id, singleParam(req.query, 'v'));
  return { scope, view };
}

/** Headers every raw answer about a readable paste carries; content-derived ones only once revealed. */
function rawHeaders(reply: FastifyReply, view: PasteView): void {
  reply
    .header('cache-control', cacheControl(view))
    .header('content-security-policy', RAW_CSP)
    .type('text/plain; charset=utf-8');
  if (!view.concealed && !view.burnAfterRead && view.sha256) reply.header('etag', `"${view.sha256}"`);
}

/** GET and HEAD /raw/:id (text/plain for curl and browsers) and POST / (create from a raw body). */
export function registerRawRoutes(app: FastifyInstance, services: GatewayServices): void {
  // GET reveals a burn-after-read paste to a person (curl, a browser), never to a link-preview bot.
  app.get<{ Params: { id: string }; Querystring: QueryParams }>(
    '/raw/:id',
    { exposeHeadRoute: false },
    async (req, reply) => {
      try {
        let { scope, view } = await readRaw(services, req);
        if (view.concealed) {
          if (isBotUserAgent(scope.caller.userAgent)) {
            throw appError(Code.NotFound, Reason.PASTE_NOT_FOUND, 'burn-after-read pastes are not shown to bots');
          }
          view = await revealPaste(scope, view.id);
        }
        rawHeaders(reply, view);
        if (view.version !== view.latestVersion) reply.header('content-location', pasteUrls(scope, view).rawUrl);
        if (!view.burnAfterRead && req.headers['if-none-match'] === `"${view.sha256}"`) return reply.code(304).send();
        recordView(scope, view.id);
        return reply.send(view.content ?? '');
      } catch (err) {
        return sendPlainError(reply, err, services.logger);
      }
    },
  );

  // HEAD never reveals and never counts a view: it answers what GET would, minus the body and anything
  // derived from a concealed paste's content.
  app.head<{ Params: { id: string }; Querystring: QueryParams }>('/raw/:id', async (req, reply) => {
    try {
      const { view } = await readRaw(services, req);
      rawHeaders(reply, view);
      if (view.sizeBytes !== null && !view.concealed) reply.header('content-length', String(view.sizeBytes));
      return reply.send();
    } catch (err) {
      return sendPlainError(reply, err, services.logger);
    }
  });

  // Any body type is paste content here: `curl --data-binary @file http://host/`.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: services.config.MAX_CONTENT_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.post<{ Querystring: QueryParams; Body: Buffer | undefined }>('/', async (req, reply) => {
      try {
        const request = createRequestScope(services, await identifyCaller(services, req));
        const q = req.query;
        const { paste, deleteToken } = await createPaste(request, {
          content: req.body ?? new Uint8Array(0),
          title: singleParam(q, 'title'),
          language: singleParam(q, 'language'),
          visibility: singleParam(q, 'visibility'),
          expiry: singleParam(q, 'expiry'),
          burnAfterRead: singleParam(q, 'burn'),
        });
        if (deleteToken) reply.header('x-delete-token', deleteToken);
        const { url } = pasteUrls(request, paste);
        return reply.code(201).header('location', url).type('text/plain; charset=utf-8').send(`${url}\n`);
      } catch (err) {
        return sendPlainError(reply, err, services.logger);
      }
    });
  });
}
