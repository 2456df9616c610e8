import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Code } from '@connectrpc/connect';
import type { Logger } from '@pastemesh/kit/observability';
import { Reason, appError, invalidArgument } from '@pastemesh/kit/rpc';
import { contentTooLarge } from '@pastemesh/paste-svc/client';
import { logEdgeError, toEdgeError } from '../request/edge-error.js';
import { sendPlainError } from './http-errors.js';

/**
 * What Fastify refused before any route ran (an over-size body, malformed JSON, an unsupported content type)
 * as the error a use case would have thrown, so it reaches the client in the one shape: for POST / the
 * content limit and `error: content: …`; for /graphql a GraphQL error with the body limit.
 */
function asUseCaseError(err: FastifyError, req: FastifyRequest, contentLimit: number): unknown {
  const status = err.statusCode ?? 500;
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const sent = Number(req.headers['content-length']);
    const known = Number.isSafeInteger(sent) && sent > 0 ? sent : undefined;
    if (!isGraphql(req)) return contentTooLarge(contentLimit, known);
    const got = known === undefined ? '' : ` (got ${known})`;
    const limit = req.routeOptions.bodyLimit ?? 0;
    return appError(
      Code.InvalidArgument,
      Reason.BODY_TOO_LARGE,
      `body: at most ${limit} bytes of JSON${got} (content itself: at most ${contentLimit} bytes)`,
      {
        field: 'body',
        limit,
      },
    );
  }
  if (status >= 400 && status < 500) return invalidArgument('body', `body: ${err.message}`);
  return err;
}

const isGraphql = (req: FastifyRequest) => req.url.startsWith('/graphql');

/** Answers a refused /graphql request as GraphQL clients expect: `{ errors: [...] }` with the same facts. */
function sendGraphqlError(reply: FastifyReply, status: number, err: unknown, logger: Logger): FastifyReply {
  const requestId = String(reply.request.id);
  const edge = toEdgeError(err);
  logEdgeError(edge, err, requestId, logger);
  if (edge.extensions.retryAfter) reply.header('retry-after', String(edge.extensions.retryAfter));
  return reply
    .code(edge.status === 400 ? status : edge.status)
    .type('application/json; charset=utf-8')
    .send({ errors: [{ message: edge.message, extensions: { ...edge.extensions, requestId } }] });
}

/** Fastify's own refusals and unknown routes, in the gateway's error shape. */
export function registerFastifyErrors(app: FastifyInstance, contentLimit: number, logger: Logger): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const useCaseError = asUseCaseError(err, req, contentLimit);
    // 413 and 415 keep their status; other refusals of the body are 400.
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
    if (isGraphql(req)) return sendGraphqlError(reply, status, useCaseError, logger);
    return sendPlainError(reply, useCaseError, logger, status === 415 ? 415 : undefined);
  });
  app.setNotFoundHandler((req, reply) => {
    const notFound = appError(
      Code.NotFound,
      Reason.INVALID_ARGUMENT,
      `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 100)}`,
    );
    return sendPlainError(reply, notFound, logger);
  });
}
