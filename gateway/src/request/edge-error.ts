import { Code, ConnectError } from '@connectrpc/connect';
import { type Logger } from '@pastemesh/kit/observability';
import { errorDetail, logFields, type RequestContext } from '@pastemesh/kit/rpc';

/** GraphQL `extensions.code` for every gRPC code: the one mapping the gateway uses. */
export const GRAPHQL_CODE_BY_GRPC: Readonly<Record<Code, string>> = Object.freeze({
  [Code.Canceled]: 'CANCELLED',
  [Code.Unknown]: 'INTERNAL_SERVER_ERROR',
  [Code.InvalidArgument]: 'BAD_USER_INPUT',
  [Code.DeadlineExceeded]: 'SERVICE_UNAVAILABLE',
  [Code.NotFound]: 'NOT_FOUND',
  [Code.AlreadyExists]: 'CONFLICT',
  [Code.PermissionDenied]: 'FORBIDDEN',
  [Code.ResourceExhausted]: 'RATE_LIMITED',
  [Code.FailedPrecondition]: 'FAILED_PRECONDITION',
  [Code.Aborted]: 'CONFLICT',
  [Code.OutOfRange]: 'BAD_USER_INPUT',
  [Code.Unimplemented]: 'INTERNAL_SERVER_ERROR',
  [Code.Internal]: 'INTERNAL_SERVER_ERROR',
  [Code.Unavailable]: 'SERVICE_UNAVAILABLE',
  [Code.DataLoss]: 'INTERNAL_SERVER_ERROR',
  [Code.Unauthenticated]: 'UNAUTHENTICATED',
});

/** HTTP status for a gRPC code; what is not here is a 500. */
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

/** Reasons that are about a body's size: 413 on plain HTTP, whatever gRPC code carried them. */
const TOO_LARGE = new Set(['CONTENT_TOO_LARGE', 'BODY_TOO_LARGE']);

/** An error as every edge shows it: one status, one code, one message, the same facts on every path. */
export interface EdgeError {
  /** HTTP status (plain endpoints; GraphQL when the error ends the request). */
  status: number;
  /** What a client may read: never an internal address, SQL or stack. */
  message: string;
  /** GraphQL `extensions` (code, reason, field, limit, retryAfter): the machine-readable facts. */
  extensions: { code: string; reason?: string; field?: string; limit?: number; retryAfter?: number };
  /** For 401: the RFC 6750 challenge. */
  wwwAuthenticate?: string;
  /** What the log must keep that the client is not shown: a fault of ours (error) or a lost dependency (warn). */
  log: 'error' | 'warn' | undefined;
}

/**
 * Shapes anything a use case threw for a client. Errors with an ErrorDetail come from our own code and say
 * what to change; an Unavailable or DeadlineExceeded without one comes from the transport (its message names
 * internal addresses), so the client gets a generic message and the cause goes to the log (logEdgeError);
 * anything unexpected is an internal error, masked the same way.
 */
export function toEdgeError(err: unknown): EdgeError {
  // One error is shaped up to four times per GraphQL request (the plugin's log, formatError, and each one's
  // isUnexpected), and a rate-limit refusal is one error shared by many requests: shaped once, kept with it.
  // Callers read an EdgeError, never change it.
  const known = typeof err === 'object' && err !== null ? shaped.get(err) : undefined;
  if (known) return known;
  const edge = shape(err);
  if (typeof err === 'object' && err !== null) shaped.set(err, edge);
  return edge;
}

/** The EdgeError of each error already shaped. */
const shaped = new WeakMap<object, EdgeError>();

function shape(err: unknown): EdgeError {
  const error = ConnectError.from(err);
  const detail = errorDetail(error);
  const code = detail && TOO_LARGE.has(detail.reason) ? 'BAD_USER_INPUT' : GRAPHQL_CODE_BY_GRPC[error.code];
  let status = detail && TOO_LARGE.has(detail.reason) ? 413 : (HTTP_STATUS[error.code] ?? 500);
  let message = error.rawMessage;
  let log: EdgeError['log'];
  if (code === 'INTERNAL_SERVER_ERROR') {
    status = 500;
    log = 'error';
    message = 'internal error';
  } else if (code === 'SERVICE_UNAVAILABLE' && !detail) {
    log = 'warn';
    message =
      error.code === Code.DeadlineExceeded
        ? 'a service this request needs did not answer in time; retry shortly'
        : 'a service this request needs is unavailable; retry shortly';
  }
  const extensions: EdgeError['extensions'] = {
    code,
    ...(detail?.reason ? { reason: detail.reason } : {}),
    ...(detail?.field ? { field: detail.field } : {}),
    ...(detail && detail.limit > 0n ? { limit: Number(detail.limit) } : {}),
    ...(detail?.retryAfterSeconds ? { retryAfter: detail.retryAfterSeconds } : {}),
  };
  const edge: EdgeError = { status, message, extensions, log };
  if (status === 401) {
    // A credential was sent and refused (invalid_token), or none was sent for a call that needs one.
    const refused = detail?.reason === 'TOKEN_INVALID';
    edge.wwwAuthenticate = refused
      ? `Bearer realm="pastemesh", error="invalid_token", error_description="${message.replace(/["\\]/g, '')}"`
      : 'Bearer realm="pastemesh"';
  }
  return edge;
}

/**
 * Logs what an edge error hid from the client, with the request id a user's report will quote and the trace
 * ids that find the request's spans; an expected refusal (bad input, not found…) at debug, with its code.
 */
export function logEdgeError(
  edge: EdgeError,
  err: unknown,
  requestId: string,
  logger: Logger,
  trace?: RequestContext,
): void {
  const fields = trace ? logFields(trace) : { request_id: requestId };
  if (edge.log === 'error') logger.error({ err, ...fields }, 'request failed');
  else if (edge.log === 'warn')
    logger.warn({ err: ConnectError.from(err).rawMessage, ...fields }, 'downstream unavailable');
  else if (logger.isLevelEnabled('debug'))
    logger.debug(
      { code: edge.extensions.code, reason: edge.message, status: edge.status, ...fields },
      'request refused',
    );
}
