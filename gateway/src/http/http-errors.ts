import type { FastifyReply } from 'fastify';
import type { Logger } from '@pastemesh/kit/observability';
import { logEdgeError, toEdgeError } from '../request/edge-error.js';

/**
 * Answers a failed plain-HTTP request (curl, browsers) as one line of text, `error: <message>`, with the
 * status, Retry-After and WWW-Authenticate the one error shaping (request/edge-error.ts) gives it (or
 * `status`, for what Fastify refused with a more exact one, such as 415); a 5xx names the request id so a
 * user's report can be found in the log. No cache keeps an error (`no-store`): a 404, 401 or 429 belongs
 * to its moment and its caller, and a CDN must not answer anyone else with it.
 */
export function sendPlainError(reply: FastifyReply, err: unknown, logger: Logger, status?: number): FastifyReply {
  const requestId = String(reply.request.id);
  const edge = toEdgeError(err);
  logEdgeError(edge, err, requestId, logger);
  if (edge.extensions.retryAfter) reply.header('retry-after', String(edge.extensions.retryAfter));
  if (edge.wwwAuthenticate) reply.header('www-authenticate', edge.wwwAuthenticate);
  const message = edge.status >= 500 ? `${edge.message} (request id ${requestId})` : edge.message;
  return reply
    .code(status ?? edge.status)
    .header('cache-control', 'no-store')
    .type('text/plain; charset=utf-8')
    .send(`error: ${message}\n`);
}
