// Talking to the gateway the way a web client or a script does: GraphQL over HTTP and plain curl-style requests.

/** A GraphQL response as the wire carries it. */
export interface GraphQLResult<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/**
 * A person's browser. Requests without one carry Node's `user-agent: node`, which isbot rightly counts as a
 * script: its reads are not views and it never reveals a burn-after-read paste.
 */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

/** POSTs one GraphQL operation as JSON (what Apollo's CSRF prevention accepts). */
export async function gql<T = Record<string, any>>(
  gatewayUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  headers: Record<string, string> = {},
): Promise<GraphQLResult<T>> {
  const res = await fetch(`${gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GraphQLResult<T>, 'status'>;
  return { status: res.status, ...body };
}

/** Like gql but fails the test on any error, returning data. */
export async function gqlOk<T = Record<string, any>>(gatewayUrl: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await gql<T>(gatewayUrl, query, variables, token);
  if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}

let counter = 0;
/** A unique, valid email for a test account. */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}.${Date.now().toString(36)}.${counter}.${Math.random().toString(36).slice(2, 8)}@example.test`;
}

/** Registers a fresh account through the gateway and returns its tokens. */
export async function signUp(gatewayUrl: string, label = 'user', ip?: string): Promise<{ email: string; password: string; accessToken: string; refreshToken: string; userId: string }> {
  const email = uniqueEmail(label).toLowerCase();
  const password = 'correct horse battery staple';
  const res = await gql<{ register: { accessToken: string; refreshToken: string; account: { user: { id: string } } } }>(
    gatewayUrl,
    `mutation($email: String!, $password: String!, $name: String!) {
      register(email: $email, password: $password, displayName: $name) { accessToken refreshToken account { user { id } } }
    }`,
    { email, password, name: label },
    undefined,
    ip ? { 'x-forwarded-for': ip } : {},
  );
  if (res.errors?.length) throw new Error(`register failed: ${JSON.stringify(res.errors)}`);
  const data = res.data!;
  return { email, password, accessToken: data.register.accessToken, refreshToken: data.register.refreshToken, userId: data.register.account.user.id };
}

/** Reads one counter from a Prometheus text exposition (summing series whose labels include all of `labels`). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
