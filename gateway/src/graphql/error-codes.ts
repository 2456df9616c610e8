import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { Code, ConnectError } from '@connectrpc/connect';
import { errorDetail } from '@pastemesh/kit';

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

/** True when an error must be masked and logged: an internal failure, not something the caller can act on. */
export function isUnexpected(error: unknown): boolean {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof ConnectError) return GRAPHQL_CODE_BY_GRPC[original.code] === 'INTERNAL_SERVER_ERROR';
  if (original instanceof GraphQLError || original === undefined) return false;
  return true;
}

/**
 * Apollo's formatError: the one place errors are shaped. gRPC errors get their
 * mapped code and the reason, field, limit and retry time from their detail;
 * unexpected errors are masked (no stack, no SQL). The request id is added by
 * the request-id plugin, which also logs the masked ones.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const path = formatted.path;
  if (isUnexpected(error)) return { message: 'Internal server error', ...(path ? { path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof ConnectError) {
    const detail = errorDetail(original);
    return {
      message: original.rawMessage,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(path ? { path } : {}),
      extensions: {
        // Too-large content is the caller's input, whichever gRPC code carried it.
        code: detail?.reason === 'CONTENT_TOO_LARGE' ? 'BAD_USER_INPUT' : GRAPHQL_CODE_BY_GRPC[original.code],
        ...(detail?.reason ? { reason: detail.reason } : {}),
        ...(detail?.field ? { field: detail.field } : {}),
        ...(detail && detail.limit > 0n ? { limit: Number(detail.limit) } : {}),
        ...(detail?.retryAfterSeconds ? { retryAfter: detail.retryAfterSeconds } : {}),
      },
    };
  }
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions };
}
