import type { FastifyReply } from 'fastify';
import { Code, ConnectError } from '@connectrpc/connect';
import { errorDetail, type Logger } from '@pastemesh/kit';

/** HTTP status for a gRPC code on the plain endpoints (curl, browsers). */
const HTTP_STATUS: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.OutOfRange]: 400,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.Aborted]: 409,
  [Code.FailedPrecondition]: 412,
  [Code.ResourceExhausted]: 429,
  [Code.Canceled]: 499,
  [Code.Unavailable]: 503,
  [Code.DeadlineExceeded]: 503,
};

/** Answers a failed plain-HTTP request as one line of text with a fitting status (and Retry-After on 429). */
export function sendPlainError(reply: FastifyReply, err: unknown, logger: Logger): FastifyReply {
  const error = ConnectError.from(err);
  const detail = errorDetail(error);
  let status = HTTP_STATUS[error.code] ?? 500;
  if (detail?.reason === 'CONTENT_TOO_LARGE') status = 413;
  if (status === 500) logger.error({ err, requestId: reply.request.id }, 'plain endpoint failed');
  if (detail?.retryAfterSeconds) reply.header('retry-after', String(detail.retryAfterSeconds));
  const message = status === 500 ? `internal error (request id ${reply.request.id})` : error.rawMessage;
  return reply.code(status).type('text/plain; charset=utf-8').send(`error: ${message}\n`);
}
