/** One error as the gateway's GraphQL layer reports it (see gateway/src/graphql/error-codes.ts). */
export interface GraphQLErrorShape {
  message: string;
  path?: (string | number)[];
  extensions?: {
    code?: string;
    reason?: string;
    field?: string;
    limit?: number;
    retryAfter?: number;
    requestId?: string;
  };
}

/** The codes the gateway puts in `extensions.code`, plus NETWORK for "could not reach it at all". */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR'
  | 'NETWORK'
  | (string & {});

/** A failed API call, carrying what the UI needs to explain it. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly reason: string | undefined;
  readonly field: string | undefined;
  readonly limit: number | undefined;
  readonly retryAfter: number | undefined;
  readonly requestId: string | undefined;
  readonly path: (string | number)[] | undefined;

  constructor(shape: GraphQLErrorShape) {
    super(shape.message);
    this.name = 'ApiError';
    const ext = shape.extensions ?? {};
    this.code = ext.code ?? 'INTERNAL_SERVER_ERROR';
    this.reason = ext.reason;
    this.field = ext.field;
    this.limit = typeof ext.limit === 'number' ? ext.limit : undefined;
    this.retryAfter = typeof ext.retryAfter === 'number' ? ext.retryAfter : undefined;
    this.requestId = ext.requestId;
    this.path = shape.path;
  }
}

/** The gateway answered HTTP without a GraphQL body (proxy error, body limit, …): map the status. */
export function errorFromHttpStatus(
  status: number,
  retryAfterHeader: string | null,
  requestId: string | null,
): ApiError {
  const retryAfter = retryAfterHeader && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : undefined;
  const ext = { ...(requestId ? { requestId } : {}), ...(retryAfter ? { retryAfter } : {}) };
  if (status === 413)
    return new ApiError({
      message: 'request too large',
      extensions: { ...ext, code: 'BAD_USER_INPUT', reason: 'CONTENT_TOO_LARGE', field: 'content' },
    });
  if (status === 429)
    return new ApiError({ message: 'too many requests', extensions: { ...ext, code: 'RATE_LIMITED' } });
  if (status === 401)
    return new ApiError({ message: 'not signed in', extensions: { ...ext, code: 'UNAUTHENTICATED' } });
  if (status === 502 || status === 503 || status === 504)
    return new ApiError({ message: `gateway answered ${status}`, extensions: { ...ext, code: 'SERVICE_UNAVAILABLE' } });
  return new ApiError({ message: `unexpected HTTP ${status}`, extensions: { ...ext, code: 'INTERNAL_SERVER_ERROR' } });
}

/** fetch itself failed: offline, DNS, connection refused. */
export function networkError(cause: unknown): ApiError {
  const err = new ApiError({
    message: cause instanceof Error ? cause.message : String(cause),
    extensions: { code: 'NETWORK' },
  });
  return err;
}
