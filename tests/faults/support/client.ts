// What a load generator sends to the gateway: GraphQL over HTTP with a client-side timeout, and a
// pool of gateway replicas that, like a Kubernetes Service, stops sending to a replica whose
// /readyz fails and sends to it again once it passes.
import { metricValue } from '../../support/graphql.js';

export { metricValue };

/** A GraphQL answer, or the error a client would act on. */
export interface GqlAnswer<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface RequestOptions {
  token?: string | undefined;
  headers?: Record<string, string>;
  /** Client-side timeout. Default 10 s. */
  timeoutMs?: number;
}

/** POSTs one operation; network errors and timeouts reject. */
export async function gqlRequest<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<GqlAnswer<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      // A person's browser: Node's own `user-agent: node` is a script to isbot, and a script's reads are not views.
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as Omit<GqlAnswer<T>, 'status'>) };
  } catch {
    return { status: res.status, errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 120)}` }] };
  }
}

/** Like gqlRequest, but any error (HTTP, GraphQL, network) throws with its code; resolves with data. */
export async function gqlData<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<T> {
  let answer: GqlAnswer<T>;
  try {
    answer = await gqlRequest<T>(url, query, variables, options);
  } catch (err) {
    throw new Error(`network: ${describeNetworkError(err)}`);
  }
  if (answer.errors?.length) {
    const e = answer.errors[0]!;
    throw new Error(`${e.extensions?.['code'] ?? `HTTP ${answer.status}`}: ${e.message}`);
  }
  if (answer.status !== 200 || !answer.data) throw new Error(`HTTP ${answer.status}`);
  return answer.data;
}

/**
 * Setup before a fault is not under test: retry a few times when the machine is too busy to answer
 * within a deadline (SERVICE_UNAVAILABLE or a network error), so a slow start does not fail a scenario.
 */
export async function setupCall<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= attempts || !/^(SERVICE_UNAVAILABLE|network)/.test(message)) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

/** Creates one public paste per content (setup, retried) and returns their ids in order. */
export async function createPastes(url: string, contents: string[], token?: string): Promise<string[]> {
  const ids: string[] = [];
  for (const c of contents) {
    const data = await setupCall(() => gqlData(url, `mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }`, { c }, { token }));
    ids.push(data['createPaste'].paste.id);
  }
  return ids;
}

/** The cause a fetch failure carries (ECONNREFUSED, UND_ERR_SOCKET, TimeoutError…). */
export function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'client timeout';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** Gateway replicas behind a readiness-aware round-robin, as a Kubernetes Service + kube-proxy would route. */
export interface GatewayPool {
  /** The next ready gateway; throws when none is ready (a Service with no endpoints). */
  pick(): string;
  ready(): string[];
  /** Times a replica left or rejoined the ready set. */
  readonly transitions: { url: string; ready: boolean; at: number }[];
  close(): void;
}

/**
 * Probes every gateway's /readyz every `pollMs` like a Kubernetes readiness probe: a replica leaves
 * after `failureThreshold` failed probes in a row (a 503, an error, or no answer within 2 s) and
 * rejoins after one success. Kubernetes probes every few seconds; the drain delay covers that gap.
 */
export function createGatewayPool(urls: string[], pollMs = 100, failureThreshold = 2): GatewayPool {
  const state = new Map(urls.map((u) => [u, true]));
  const failures = new Map(urls.map((u) => [u, 0]));
  const transitions: GatewayPool['transitions'] = [];
  let turn = 0;
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    await Promise.all(
      urls.map(async (url) => {
        const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.status === 200,
          () => false,
        );
        failures.set(url, ok ? 0 : failures.get(url)! + 1);
        const ready = ok || (state.get(url)! && failures.get(url)! < failureThreshold);
        if (ready !== state.get(url)) transitions.push({ url, ready, at: Date.now() });
        state.set(url, ready);
      }),
    );
    polling = false;
  };
  const timer = setInterval(() => void poll(), pollMs);
  return {
    pick() {
      const ready = urls.filter((u) => state.get(u));
      if (ready.length === 0) throw new Error('no ready gateway');
      return ready[turn++ % ready.length]!;
    },
    ready: () => urls.filter((u) => state.get(u)),
    transitions,
    close: () => clearInterval(timer),
  };
}

/** Reads one Prometheus value from a process's /metrics. */
export async function scrape(adminUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
  return metricValue(await res.text(), name, labels);
}
