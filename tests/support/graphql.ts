// The one GraphQL test client: talking to the gateway the way a person's browser does, for every suite
// (tests/gateway, tests/web, tests/faults, tests/fuzz, tests/pastectl). Set-up helpers (accounts, pastes) and
// reading Prometheus metrics sit beside it.

/** A GraphQL response as the wire carries it. */
export interface GraphQLResult<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/**
 * A person's browser, the user agent every request here carries unless `headers` replace it. Node's own
 * (`node`) is rightly a script to isbot: its reads are not counted as views and it never reveals a
 * burn-after-read paste.
 */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

export interface GqlOptions {
  /** Sent as `authorization: Bearer <token>` (an access token or an API key). */
  token?: string | undefined;
  /** Extra request headers (they win over the defaults, user-agent included). */
  headers?: Record<string, string>;
  /** Client-side timeout. Default 10 s: the gateway's own request timeout, five times its downstream deadline. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** A failed operation: `code` is the first error's extensions.code (or `HTTP <status>`, or `network`). */
export class GqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly result?: GraphQLResult<unknown>,
  ) {
    super(`${code}: ${message}`);
    this.name = 'GqlError';
  }
}

/**
 * POSTs one operation as JSON (what Apollo's CSRF prevention accepts) and resolves with the answer whatever its
 * status; a body that is not JSON becomes one error naming the status. Rejects only when no answer came
 * (network error, timeout). The fourth argument is a token, or options.
 */
export async function gql<T = Record<string, any>>(
  gatewayUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  tokenOrOptions?: string | GqlOptions,
  headers: Record<string, string> = {},
): Promise<GraphQLResult<T>> {
  const options = typeof tokenOrOptions === 'object' ? tokenOrOptions : { token: tokenOrOptions };
  const res = await fetch(`${gatewayUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': BROWSER_UA,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
  });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as Omit<GraphQLResult<T>, 'status'>) };
  } catch {
    return { status: res.status, errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 120)}` }] };
  }
}

/**
 * Like gql, but resolves with data and throws a GqlError on anything else: `<CODE>: <message>` for a GraphQL
 * error, `HTTP <status>` for an answer without data, `network: <cause>` when no answer came.
 */
export async function gqlOk<T = Record<string, any>>(
  gatewayUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  tokenOrOptions?: string | GqlOptions,
): Promise<T> {
  let result: GraphQLResult<T>;
  try {
    result = await gql<T>(gatewayUrl, query, variables, tokenOrOptions);
  } catch (err) {
    throw new GqlError('network', describeNetworkError(err));
  }
  const first = result.errors?.[0];
  if (first) throw new GqlError(String(first.extensions?.['code'] ?? `HTTP ${result.status}`), first.message, result);
  if (result.status !== 200 || !result.data) throw new GqlError(`HTTP ${result.status}`, 'no data', result);
  return result.data;
}

/** The cause a fetch failure carries (ECONNREFUSED, UND_ERR_SOCKET, client timeout…). */
export function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'client timeout';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * Set-up that is not under test: retries a few times while the machine is too busy to answer within a deadline
 * (SERVICE_UNAVAILABLE or a network error), so a slow start does not fail a test.
 */
export async function setupCall<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = err instanceof GqlError ? err.code : '';
      if (attempt >= attempts || !['SERVICE_UNAVAILABLE', 'network'].includes(code)) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

let counter = 0;
/** A unique, valid email for a test account. */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}.${Date.now().toString(36)}.${counter}.${Math.random().toString(36).slice(2, 8)}@example.test`;
}

/** A test account and its tokens. */
export interface Account {
  email: string;
  password: string;
  displayName: string;
  userId: string;
  accessToken: string;
  refreshToken: string;
}

export interface SignUpOptions {
  /** Default: a unique one made from the label. */
  email?: string | undefined;
  /** Default: the label. */
  displayName?: string;
  /** Sent as x-forwarded-for (suites whose gateway trusts one proxy hop). */
  ip?: string | undefined;
}

/** Registers a fresh account through the gateway (the third argument is a client address, or options). */
export async function signUp(
  gatewayUrl: string,
  label = 'user',
  ipOrOptions?: string | SignUpOptions,
): Promise<Account> {
  const options = typeof ipOrOptions === 'object' ? ipOrOptions : { ip: ipOrOptions };
  const email = options.email ?? uniqueEmail(label).toLowerCase();
  const password = 'correct horse battery staple';
  const displayName = options.displayName ?? label;
  const data = await gqlOk<{
    register: { accessToken: string; refreshToken: string; account: { user: { id: string } } };
  }>(
    gatewayUrl,
    `mutation($email: String!, $password: String!, $name: String!) {
      register(email: $email, password: $password, displayName: $name) { accessToken refreshToken account { user { id } } }
    }`,
    { email, password, name: displayName },
    { headers: options.ip ? { 'x-forwarded-for': options.ip } : {} },
  );
  const { accessToken, refreshToken, account } = data.register;
  return { email, password, displayName, userId: account.user.id, accessToken, refreshToken };
}

/** signUp for the browser suites: `<label> tester` is the display name, and the email may be given. */
export function registerUser(gatewayUrl: string, label: string, email?: string): Promise<Account> {
  return signUp(gatewayUrl, label, { email, displayName: `${label} tester` });
}

/** Creates a paste through GraphQL; returns its id. */
export async function createPaste(gatewayUrl: string, input: Record<string, unknown>, token?: string): Promise<string> {
  const data = await gqlOk<{ createPaste: { paste: { id: string } } }>(
    gatewayUrl,
    'mutation($input: CreatePasteInput!) { createPaste(input: $input) { paste { id } } }',
    { input },
    token,
  );
  return data.createPaste.paste.id;
}

/** Creates one public paste per content (set-up, retried while the machine is busy); returns their ids in order. */
export async function createPastes(gatewayUrl: string, contents: string[], token?: string): Promise<string[]> {
  const ids: string[] = [];
  for (const content of contents) ids.push(await setupCall(() => createPaste(gatewayUrl, { content }, token)));
  return ids;
}

/** Reads one value from a Prometheus text exposition, summing the series whose labels include all of `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Every series of `name` keyed by the value of its label `label` (e.g. a gauge per service). */
export function metricByLabel(text: string, name: string, label: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const key = new RegExp(`[{,]${label}="([^"]+)"`).exec(line)?.[1];
    if (key !== undefined) values[key] = Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return values;
}

/** Reads one value (as metricValue) from a process's admin /metrics. */
export async function scrape(adminUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
  return metricValue(await res.text(), name, labels);
}
