import type { FastifyInstance } from 'fastify';
import { ConnectError } from '@connectrpc/connect';
import { type Logger } from '@pastemesh/kit/observability';
import { errorDetail } from '@pastemesh/kit/rpc';
import { GRAPHQL_CODE_BY_GRPC } from '../graphql/error-codes.js';
import type { RateLimits } from '../rate-limit.js';
import { sendPlainError } from './http-errors.js';

/** What a request earns before any resolver or route ran: it was malformed or too large. */
const BAD_STATUSES = new Set([400, 413, 414, 415]);

/**
 * Requests refused before a resolver never reach the per-scope limits, so a
 * client could flood the gateway with garbage for free. Each one counts
 * against its IP (RATE_LIMIT_BAD_REQUESTS_PER_MIN); past the limit every
 * request from that IP is answered 429 before its body is read, until the
 * minute ends. Callback hooks: an async one costs a promise per request.
 */
export function registerBadRequestLimit(app: FastifyInstance, limits: RateLimits, logger: Logger): void {
  app.addHook('onRequest', (req, reply, done) => {
    if (req.url === '/healthz' || req.url === '/readyz') return done();
    try {
      limits.checkPenalty(req.ip);
    } catch (err) {
      // A close, so the refused client's remaining body is not read.
      reply.header('connection', 'close');
      if (!req.url.startsWith('/graphql')) return void sendPlainError(reply, err, logger);
      const error = ConnectError.from(err);
      const retryAfter = errorDetail(error)?.retryAfterSeconds ?? 60;
      return void reply
        .code(429)
        .header('retry-after', String(retryAfter))
        .send({
          errors: [{ message: error.rawMessage, extensions: { code: GRAPHQL_CODE_BY_GRPC[error.code], retryAfter } }],
        });
    }
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    if (BAD_STATUSES.has(reply.statusCode)) limits.penalise(req.ip);
    done();
  });
}
