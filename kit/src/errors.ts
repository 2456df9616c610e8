import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { ErrorDetailSchema, type ErrorDetail } from '@pastemesh/gen/errors';

/**
 * The catalog of machine-readable reasons. Each travels as an ErrorDetail
 * beside a gRPC code; clients branch on the reason, people read the message.
 */
export const Reason = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  CONTENT_TOO_LARGE: 'CONTENT_TOO_LARGE',
  PASTE_NOT_FOUND: 'PASTE_NOT_FOUND',
  PASTE_EXPIRED: 'PASTE_EXPIRED',
  VERSION_NOT_FOUND: 'VERSION_NOT_FOUND',
  NOT_OWNER: 'NOT_OWNER',
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  TOKEN_INVALID: 'TOKEN_INVALID',
  TOKEN_REUSED: 'TOKEN_REUSED',
  API_KEY_NOT_FOUND: 'API_KEY_NOT_FOUND',
  ADMIN_REQUIRED: 'ADMIN_REQUIRED',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL',
  /** The call needs an access token; an API key is not enough (e.g. creating API keys). */
  ACCESS_TOKEN_REQUIRED: 'ACCESS_TOKEN_REQUIRED',
  /** A reply was larger than the caller accepts (ErrorDetail.limit, bytes): ask for fewer items at once. */
  REPLY_TOO_LARGE: 'REPLY_TOO_LARGE',
  /** A request body was larger than the endpoint accepts (ErrorDetail.limit, bytes). */
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  /** Concurrent updates of one paste kept racing; retrying the call is safe. */
  PASTE_UPDATE_CONFLICT: 'PASTE_UPDATE_CONFLICT',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** Optional facts an error carries besides its code and message. */
export interface ErrorFacts {
  field?: string;
  limit?: number;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** Builds the one error type handlers throw: a ConnectError with an explicit code and an ErrorDetail. */
export function appError(code: Code, reason: Reason, message: string, facts: ErrorFacts = {}): ConnectError {
  const detail = create(ErrorDetailSchema, {
    reason,
    field: facts.field ?? '',
    limit: BigInt(facts.limit ?? 0),
    retryAfterSeconds: facts.retryAfterSeconds ?? 0,
  });
  return new ConnectError(message, code, undefined, [{ desc: ErrorDetailSchema, value: detail }], facts.cause);
}

/** An INVALID_ARGUMENT naming the field, e.g. `invalidArgument('title', 'title: at most 200 characters', 200)`. */
export function invalidArgument(field: string, message: string, limit?: number): ConnectError {
  return appError(Code.InvalidArgument, Reason.INVALID_ARGUMENT, message, { field, ...(limit === undefined ? {} : { limit }) });
}

/** Reads the ErrorDetail from an error thrown by a client call or a handler, if it has one. */
export function errorDetail(err: unknown): ErrorDetail | undefined {
  const connectErr = ConnectError.from(err);
  return connectErr.findDetails(ErrorDetailSchema)[0];
}

/** Driver error codes that mean "the database or cache is unreachable right now", not a bug. */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
]);

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (CONNECTION_ERRORS.has(code) || (err as { fatal?: unknown }).fatal === true);
}

/**
 * Turns anything thrown by a handler into what the caller may see: errors made
 * with `appError` (they carry an ErrorDetail) and deliberate non-internal codes
 * pass through; a lost database or cache connection becomes Unavailable; anything else, including an Internal/Unknown ConnectError from a
 * library or a downstream call, becomes a generic Internal error (the cause is for logs only).
 */
export function toPublicError(err: unknown): { error: ConnectError; unexpected: boolean } {
  // A lost database connection is an outage the caller may retry, not an internal bug.
  if (isConnectionError(err)) {
    return { error: appError(Code.Unavailable, Reason.SERVICE_UNAVAILABLE, 'storage is unavailable right now; retry shortly', { cause: err }), unexpected: false };
  }
  if (err instanceof ConnectError) {
    const internal = (err.code === Code.Internal || err.code === Code.Unknown) && err.findDetails(ErrorDetailSchema).length === 0;
    if (!internal) return { error: err, unexpected: false };
    return { error: appError(Code.Internal, Reason.INTERNAL, 'internal error', { cause: err }), unexpected: true };
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return { error: new ConnectError('the call was cancelled', Code.Canceled), unexpected: false };
  }
  return { error: appError(Code.Internal, Reason.INTERNAL, 'internal error', { cause: err }), unexpected: true };
}

export { Code, ConnectError };
