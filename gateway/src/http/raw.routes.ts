import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Code } from '@connectrpc/connect';
import { isBotUserAgent } from '@pastemesh/analytics-svc/client';
import { Reason, appError } from '@pastemesh/kit/rpc';
import { identifyCaller } from '../request/caller.js';
import { createRequestScope, recordView, type RequestScope } from '../request/scope.js';
import { singleParam, type QueryParams } from '../request/query-params.js';
import type { GatewayServices } from '../services.js';
import { createPaste, pasteUrls, readPaste, revealPaste } from '../paste/paste.actions.js';
import { parseVersion } from '../paste/paste.input.js';
import type { PasteView } from '../paste/paste.view.js';
import { RAW_CSP } from './security-headers.js';
import { sendPlainError } from './http-errors.js';
import { isNotModified, type Validators } from './conditional-get.js';
import { rawCachePolicy } from './raw-cache-policy.js';

type RawRequest = FastifyRequest<{ Params: { id: string }; Querystring: QueryParams }>;

/** A raw read: the paste, and whether the URL named a version (whose content never changes). */
interface RawRead {
  scope: RequestScope;
  view: PasteView;
  pinned: boolean;
}

/** Reads `/raw/:id?v=N` without changing anything: concealed if it burns after reading. */
async function readRaw(services: GatewayServices, req: RawRequest): Promise<RawRead> {
  const scope = createRequestScope(services, await identifyCaller(services, req));
  const version = parseVersion(singleParam(req.query, 'v'));
  const view = await readPaste(scope, req.params.id, version);
  return { scope, view, pinned: version > 0 };
}

/**
 * When this version was made: the paste's creation for version 1, its last update for the latest version,
 * and for one in between the version list (one more call; such reads are rare and a CDN keeps their answers).
 * Null when unknown: the answer then carries the ETag alone.
 */
async function versionCreatedAt(scope: RequestScope, view: PasteView): Promise<Date | null> {
  try {
    const versions = await scope.loaders.versions.load(view.id);
    return versions.find((v) => v.version === view.version)?.createdAt ?? null;
  } catch {
    // Last-Modified is optional: the read itself succeeded and the ETag validates the answer.
    return null;
  }
}

/** A paste version's validators as header values: the same on every read of it, so kept with its view. */
interface ValidatorHeaders {
  /** The quoted ETag. */
  etag: string;
  validators: Validators;
  /** `validators.lastModified` as an HTTP-date, or null. */
  lastModified: string | null;
}

/**
 * The validator headers of each view read, null for a burn-after-read paste (concealed, or revealed once). A
 * hot paste's view is one object for as long as the hot cache keeps it, so its ETag and Last-Modified are
 * written once, not on every read; the entry goes with the view.
 */
const validatorHeaders = new WeakMap<PasteView, ValidatorHeaders | null>();

function toValidatorHeaders(view: PasteView, made: Date | null): ValidatorHeaders | null {
  if (!view.sha256) return null;
  const lastModified = made && made.getTime() > 0 ? made : null;
  return {
    etag: `"${view.sha256}"`,
    validators: { etag: view.sha256, lastModified },
    lastModified: lastModified ? lastModified.toUTCString() : null,
  };
}

/** The view's validator headers: memoised, or computed (an older version's date may take one more call). */
function validatorHeadersOf(
  scope: RequestScope,
  view: PasteView,
): ValidatorHeaders | null | Promise<ValidatorHeaders | null> {
  const known = validatorHeaders.get(view);
  if (known !== undefined) return known;
  if (view.concealed || view.burnAfterRead || !view.sha256) return null;
  const made = view.version === view.latestVersion ? view.updatedAt : view.version === 1 ? view.createdAt : undefined;
  if (made !== undefined) {
    const headers = toValidatorHeaders(view, made);
    validatorHeaders.set(view, headers);
    return headers;
  }
  return versionCreatedAt(scope, view).then((date) => {
    const headers = toValidatorHeaders(view, date);
    validatorHeaders.set(view, headers);
    return headers;
  });
}

/**
 * Sets the headers every answer about a readable paste carries, a 304 included: caching (raw-cache-policy.ts),
 * purge tags, validators, and Content-Location for an older version. True when the request's conditional
 * fields show the client already holds this answer (then 304, no body).
 */
function answerHeaders(
  req: RawRequest,
  reply: FastifyReply,
  read: RawRead,
  validator: ValidatorHeaders | null,
): boolean {
  const { scope, view } = read;
  const now = Date.now();
  const policy = rawCachePolicy(view, {
    pinned: read.pinned,
    authorized: req.headers.authorization !== undefined,
    now,
  });
  reply
    .header('cache-control', policy.cacheControl)
    .header('content-security-policy', RAW_CSP)
    .header('content-type', 'text/plain; charset=utf-8');
  if (policy.purgeTag) reply.header('surrogate-key', policy.purgeTag).header('cache-tag', policy.purgeTag);
  if (view.version !== view.latestVersion) reply.header('content-location', pasteUrls(scope, view).rawUrl);
  if (!validator) return false;
  reply.header('etag', validator.etag);
  let validators = validator.validators;
  const made = validators.lastModified;
  if (made) {
    // Never later than the answer's own date (paste-svc's clock may run ahead of this one).
    if (made.getTime() <= now) reply.header('last-modified', validator.lastModified);
    else {
      validators = { etag: validators.etag, lastModified: new Date(now) };
      reply.header('last-modified', validators.lastModified!.toUTCString());
    }
  }
  const ifNoneMatch = req.headers['if-none-match'];
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifNoneMatch === undefined && ifModifiedSince === undefined) return false;
  return isNotModified({ ifNoneMatch, ifModifiedSince }, validators, now);
}

/** GET and HEAD /raw/:id (text/plain for curl and browsers) and POST / (create from a raw body). */
export function registerRawRoutes(app: FastifyInstance, services: GatewayServices): void {
  // GET reveals a burn-after-read paste to a person (curl, a browser), never to a link-preview bot.
  app.get<{ Params: { id: string }; Querystring: QueryParams }>(
    '/raw/:id',
    { exposeHeadRoute: false },
    async (req, reply) => {
      try {
        const read = await readRaw(services, req);
        const { scope } = read;
        if (read.view.concealed) {
          if (isBotUserAgent(scope.caller.userAgent)) {
            throw appError(Code.NotFound, Reason.PASTE_NOT_FOUND, 'burn-after-read pastes are not shown to bots');
          }
          read.view = await revealPaste(scope, read.view.id);
        }
        let validator = validatorHeadersOf(scope, read.view);
        if (validator instanceof Promise) validator = await validator;
        if (answerHeaders(req, reply, read, validator)) return reply.code(304).send();
        recordView(scope, read.view.id);
        return reply.send(read.view.content ?? '');
      } catch (err) {
        return sendPlainError(reply, err, services.logger);
      }
    },
  );

  // HEAD never reveals and never counts a view: it answers what GET would, minus the body and anything
  // derived from a concealed paste's content.
  app.head<{ Params: { id: string }; Querystring: QueryParams }>('/raw/:id', async (req, reply) => {
    try {
      const read = await readRaw(services, req);
      const { view } = read;
      let validator = validatorHeadersOf(read.scope, view);
      if (validator instanceof Promise) validator = await validator;
      if (answerHeaders(req, reply, read, validator)) return reply.code(304).send();
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
