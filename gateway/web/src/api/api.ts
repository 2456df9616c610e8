import { accessToken, currentSession, refreshSession } from '../auth/session.js';
import { ApiError } from './api-error.js';
import { postGraphQL, type GraphQLResult, type Variables } from './graphql-client.js';
import type { Operation } from './operations.js';

/**
 * Runs an operation as the signed-in user (or anonymously). When the gateway
 * rejects the access token, refreshes once and retries. If the session cannot
 * be refreshed it has ended: a query is retried anonymously so public content
 * still shows, but a mutation is not (a paste meant to be the user's must not
 * silently become anonymous).
 */
export async function execute<T, V extends Variables>(
  query: Operation<T, V>,
  variables: NoInfer<V>,
): Promise<GraphQLResult<T>> {
  const hadSession = currentSession() !== null;
  const token = await accessToken();
  const mutation = /^\s*mutation\b/.test(query);
  if (hadSession && !token && mutation) {
    // Refreshing failed before we could send: say so instead of acting anonymously.
    const ended = currentSession() === null;
    return {
      data: null,
      errors: [
        new ApiError({
          message: ended ? 'session expired' : 'could not renew the session',
          extensions: ended ? { code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' } : { code: 'SERVICE_UNAVAILABLE' },
        }),
      ],
    };
  }
  const first = await postGraphQL(query, variables, token);
  if (!token || !first.errors.some((e) => e.code === 'UNAUTHENTICATED')) return first;
  const refreshed = await refreshSession(token);
  if (refreshed) return postGraphQL(query, variables, refreshed.accessToken);
  if (mutation || currentSession()) return first;
  return postGraphQL(query, variables);
}

/** Like execute, but throws the first error unless it only concerns a field in `tolerate` (e.g. 'stats'). */
export async function request<T, V extends Variables>(
  query: Operation<T, V>,
  variables: NoInfer<V>,
  tolerate: string[] = [],
): Promise<{ data: T; partial: ApiError[] }> {
  const res = await execute(query, variables);
  const fatal = res.errors.filter((e) => !e.path || !e.path.some((p) => typeof p === 'string' && tolerate.includes(p)));
  if (fatal.length > 0 || !res.data) throw fatal[0] ?? res.errors[0];
  return { data: res.data, partial: res.errors.filter((e) => !fatal.includes(e)) };
}
