import type { FastifyInstance } from 'fastify';
import { Code } from '@connectrpc/connect';
import { Expiry, Visibility } from '@pastemesh/gen/paste';
import { EXPIRY_NAMES, parseExpiryWord, appError, invalidArgument, isBotUserAgent, Reason } from '@pastemesh/kit';
import { asCaller, createContext, identifyCaller, recordView, type GatewayServices } from '../graphql/context.js';
import { toPasteView, type PasteView } from '../paste/paste.view.js';
import { RAW_CSP } from './security-headers.js';
import { sendPlainError } from './http-errors.js';

function parseExpiry(value: string | undefined): Expiry {
  if (!value) return Expiry.UNSPECIFIED;
  const expiry = parseExpiryWord(value);
  if (expiry === undefined) throw invalidArgument('expiry', `expiry: one of ${EXPIRY_NAMES.join(', ')} (got "${value}")`);
  return expiry;
}

function parseVisibility(value: string | undefined): Visibility {
  if (!value) return Visibility.PUBLIC;
  const v = Visibility[value.toUpperCase() as keyof typeof Visibility];
  if (v === undefined || v === Visibility.UNSPECIFIED) throw invalidArgument('visibility', `visibility: one of public, unlisted, private (got "${value}")`);
  return v;
}

/** How long browsers and proxies may keep a raw paste: never beyond its expiry, never shared if not public. */
function cacheControl(view: PasteView): string {
  if (view.burnAfterRead || view.visibility === 'PRIVATE') return 'private, no-store';
  const remaining = view.expiresAt ? Math.floor((view.expiresAt.getTime() - Date.now()) / 1000) : 300;
  const maxAge = Math.max(0, Math.min(300, remaining));
  return `${view.visibility === 'PUBLIC' ? 'public' : 'private'}, max-age=${maxAge}`;
}

/** GET /raw/:id (text/plain for curl and browsers) and POST / (create from a raw body). */
export function registerRawRoutes(app: FastifyInstance, services: GatewayServices): void {
  app.get<{ Params: { id: string } }>('/raw/:id', async (req, reply) => {
    try {
      const caller = await identifyCaller(services, req);
      await services.limits.consume('read', [`ip:${caller.ip}`]);
      const ctx = createContext(services, caller);
      let view = await ctx.loaders.paste.load(req.params.id);
      if (!view) throw appError(Code.NotFound, Reason.PASTE_NOT_FOUND, `paste ${req.params.id} not found`);
      if (view.content === null && view.burnAfterRead) {
        // Link-preview bots must not burn a paste meant for a person.
        if (isBotUserAgent(caller.userAgent)) throw appError(Code.NotFound, Reason.PASTE_NOT_FOUND, 'burn-after-read pastes are not shown to bots');
        const res = await services.downstream.paste.getPaste({ id: view.id }, asCaller(caller));
        view = toPasteView(res.paste!);
      }
      const etag = `"${view.sha256}"`;
      reply.header('etag', etag).header('cache-control', cacheControl(view)).header('content-security-policy', RAW_CSP);
      if (req.headers['if-none-match'] === etag && !view.burnAfterRead) return reply.code(304).send();
      recordView(services, caller, view.id);
      return reply.type('text/plain; charset=utf-8').send(view.content ?? '');
    } catch (err) {
      return sendPlainError(reply, err, services.logger);
    }
  });

  // Any body type is paste content here: `curl --data-binary @file http://host/`.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post<{ Querystring: Record<string, string | undefined>; Body: Buffer }>('/', async (req, reply) => {
      try {
        const caller = await identifyCaller(services, req);
        await services.limits.consume('create', [`ip:${caller.ip}`, ...(caller.principal ? [`user:${caller.principal.userId}`] : [])]);
        const q = req.query;
        const res = await services.downstream.paste.createPaste(
          {
            content: req.body ?? Buffer.alloc(0),
            title: q['title'] ?? '',
            language: q['language'] ?? '',
            visibility: parseVisibility(q['visibility']),
            expiry: parseExpiry(q['expiry']),
            burnAfterRead: q['burn'] === '1' || q['burn'] === 'true',
          },
          asCaller(caller),
        );
        if (res.deleteToken) reply.header('x-delete-token', res.deleteToken);
        const url = `${services.config.PUBLIC_URL}/p/${res.paste!.id}`;
        return reply.code(201).header('location', url).type('text/plain; charset=utf-8').send(`${url}\n`);
      } catch (err) {
        return sendPlainError(reply, err, services.logger);
      }
    });
  });
}
