import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ConnectError } from '@connectrpc/connect';
import { toEdgeError } from '../request/edge-error.js';

export { GRAPHQL_CODE_BY_GRPC } from '../request/edge-error.js';

/** The error a resolver threw, under graphql-js's wrapper. */
function originalOf(error: unknown): unknown {
  return error instanceof GraphQLError ? error.originalError : error;
}

/** True when an error must be masked and logged: an internal failure, not something the caller can act on. */
export function isUnexpected(error: unknown): boolean {
  const original = originalOf(error);
  if (original instanceof ConnectError) return toEdgeError(original).log === 'error';
  if (original instanceof GraphQLError || original === undefined) return false;
  return true;
}

/**
 * Apollo's formatError: GraphQL's side of the one error shaping (request/edge-error.ts, which plain HTTP uses
 * too). gRPC errors get their mapped code and the reason, field, limit and retry time from their detail;
 * unexpected errors and transport failures are masked (no stack, no SQL, no internal address). The request id
 * is added by the observability plugin, which also logs what was masked.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const path = formatted.path;
  const original = originalOf(error);
  if (original instanceof ConnectError || isUnexpected(error)) {
    const edge = toEdgeError(original);
    return {
      message: edge.message,
      ...(formatted.locations && !edge.log ? { locations: formatted.locations } : {}),
      ...(path ? { path } : {}),
      extensions: edge.extensions,
    };
  }
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions };
}
