import { ApiError, errorFromHttpStatus, networkError, type GraphQLErrorShape } from './api-error.js';
import type { Operation } from './operations.js';

/** What one GraphQL request produced: data (possibly partial) and every error. */
export interface GraphQLResult<T> {
  data: T | null;
  errors: ApiError[];
}

/** An operation's variables (the generated `…Variables` types are plain objects). */
export type Variables = Record<string, unknown>;

/** Where the API lives: the same origin that served the page (CSP connect-src 'self'). */
export const GRAPHQL_PATH = '/graphql';

/**
 * POSTs one operation as JSON. Apollo's CSRF prevention accepts only
 * `content-type: application/json` POSTs (or a preflighted header), which a
 * cross-site form cannot send. Never throws for GraphQL errors; throws
 * nothing at all: network and HTTP failures come back as errors too.
 */
export async function postGraphQL<T, V extends Variables>(
  query: Operation<T, V>,
  variables: NoInfer<V>,
  token?: string,
): Promise<GraphQLResult<T>> {
  const operationName = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1];
  let res: Response;
  try {
    res = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables, ...(operationName ? { operationName } : {}) }),
      credentials: 'omit',
    });
  } catch (err) {
    return { data: null, errors: [networkError(err)] };
  }
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json'))
    return {
      data: null,
      errors: [errorFromHttpStatus(res.status, res.headers.get('retry-after'), res.headers.get('x-request-id'))],
    };
  let body: { data?: T | null; errors?: GraphQLErrorShape[] };
  try {
    body = (await res.json()) as typeof body;
  } catch (err) {
    return { data: null, errors: [errorFromHttpStatus(res.status, null, null)] };
  }
  const errors = (body.errors ?? []).map((e) => new ApiError(e));
  // Fastify's own errors (e.g. body too large) are JSON without `errors`.
  if (!body.data && errors.length === 0 && !res.ok)
    errors.push(errorFromHttpStatus(res.status, res.headers.get('retry-after'), null));
  return { data: body.data ?? null, errors };
}
