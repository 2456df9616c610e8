import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { ErrorDetailSchema, Reason as ReasonCode, ReasonSchema, type ErrorDetail } from '@pastemesh/gen/errors';

/** A reason's name: the catalog's value names without REASON_ (protobuf-es already drops the prefix). */
type ReasonName = Exclude<keyof typeof ReasonCode, 'UNSPECIFIED'>;

/**
 * The catalog of machine-readable reasons, generated from the contract (`pastemesh.errors.v1.Reason`, where
 * each is documented). Each travels by name in an ErrorDetail beside a gRPC code; clients branch on the
 * reason, people read the message.
 */
export const Reason: Readonly<{ [K in ReasonName]: K }> = Object.freeze(
  Object.fromEntries(
    ReasonSchema.values.filter((v) => v.number !== ReasonCode.UNSPECIFIED).map((v) => [v.localName, v.localName]),
  ) as { [K in ReasonName]: K },
);
export type Reason = ReasonName;

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
  return appError(Code.InvalidArgument, Reason.INVALID_ARGUMENT, message, {
    field,
    ...(limit === undefined ? {} : { limit }),
  });
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
    return {
      error: appError(Code.Unavailable, Reason.SERVICE_UNAVAILABLE, 'storage is unavailable right now; retry shortly', {
        cause: err,
      }),
      unexpected: false,
    };
  }
  if (err instanceof ConnectError) {
    const internal =
      (err.code === Code.Internal || err.code === Code.Unknown) && err.findDetails(ErrorDetailSchema).length === 0;
    if (!internal) return { error: err, unexpected: false };
    return { error: appError(Code.Internal, Reason.INTERNAL, 'internal error', { cause: err }), unexpected: true };
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return { error: new ConnectError('the call was cancelled', Code.Canceled), unexpected: false };
  }
  return { error: appError(Code.Internal, Reason.INTERNAL, 'internal error', { cause: err }), unexpected: true };
}

export { Code, ConnectError };
