// The measured scenarios, each paired with the baseline it is divided by, and the checks run before load.
import type { ContentStore } from '../paste-svc/src/content/content-store.js';
import { HOT_ID, LIST_QUERY, readBody, CREATE_QUERY, pasteContent, pasteId, sha256Hex } from './data.js';
import type { LoadKind } from './load.js';
import type { GatewayKind, Mesh, Mode, ObjectStorePair } from './mesh.js';

/** What a scenario is divided by: bare node:http, Apollo alone, or the create floor (one mysql2 INSERT). */
export type Baseline = 'bare-http' | 'apollo-alone' | 'mysql-insert';

export interface Scenario {
  name: string;
  /** What the row of the table says. */
  label: string;
  /** Which gateway it loads (see GatewayKind). */
  gateway: GatewayKind;
  load: LoadKind;
  connections: number;
  /** Paced load (requests per second over all connections): latency without queueing. */
  rate?: number;
  baseline: Baseline;
  /**
   * A second baseline window each round, on the same baseline process asked for an answer like the scenario's
   * (raw-hot: bare node:http sending the raw answer's header lines, `giveRawAnswerHeaders`), recorded as scenario
   * `<name>:same-answer` (SAME_ANSWER): what the scenario's answer costs any server, apart from what the gateway does.
   */
  sameAnswerBaseline?: LoadKind;
  /** The modes it runs in (all when unset): the create floor is MySQL's, so its scenarios are MySQL only. */
  modes?: Mode[];
}

/** Created by plain-HTTP create scenarios: unlisted, so they never push the seeded pastes out of the public list. */
export const RAW_CREATE_PATH = '/?visibility=unlisted';
/** The size of each raw create's body (unique per request). */
export const RAW_CREATE_BYTES = 1024;

/** The pace of the latency pair (single read vs list of 50): well under either's capacity on this machine. */
export const PACED_RATE = 20;

/** The seven scenarios of the issue plus the 10-connection latency check and the paced latency pair. */
export function scenarios(seeded: number): Scenario[] {
  return [
    {
      name: 'raw-hot',
      label: 'GET /raw/:id hot (1 KiB)',
      gateway: 'hot',
      load: { kind: 'get', path: `/raw/${HOT_ID}` },
      connections: 50,
      baseline: 'bare-http',
      sameAnswerBaseline: { kind: 'get', path: AS_RAW_ANSWER },
    },
    {
      name: 'gql-hot',
      label: 'GraphQL paste(id){content} hot',
      gateway: 'hot',
      load: { kind: 'read' },
      connections: 50,
      baseline: 'apollo-alone',
    },
    {
      name: 'gql-hot-c10',
      label: 'GraphQL hot, 10 connections',
      gateway: 'hot',
      load: { kind: 'read' },
      connections: 10,
      baseline: 'apollo-alone',
    },
    {
      name: 'gql-grpc',
      label: 'GraphQL via gRPC (gateway cache off)',
      gateway: 'cold',
      load: { kind: 'read' },
      connections: 50,
      baseline: 'apollo-alone',
    },
    {
      name: 'gql-db',
      label: 'GraphQL via gRPC, random id (DB read)',
      gateway: 'miss',
      load: { kind: 'read-random', count: seeded },
      connections: 50,
      baseline: 'apollo-alone',
    },
    // As gql-db, with the content in a file store (CONTENT_STORE=file://) and its pastes in a database of their
    // own: run.ts runs it apart (storeReadPhase), with MariaDB's buffer pool held at BENCH_STORE_POOL_MIB.
    {
      name: 'gql-db-store',
      label: 'GraphQL via gRPC, random id (DB read), content in a file store',
      gateway: 'store-miss',
      load: { kind: 'read-random', count: seeded },
      connections: 50,
      baseline: 'apollo-alone',
      modes: ['mysql'],
    },
    {
      name: 'create',
      label: 'createPaste (durable)',
      gateway: 'hot',
      load: { kind: 'create' },
      connections: 50,
      baseline: 'apollo-alone',
    },
    // POST / (curl's create) against one autocommit INSERT of the same body; with the content in the table, then
    // in an object store (s3rver), where paste-svc writes the object before its transaction.
    {
      name: 'create-raw',
      label: 'POST / 1 KiB, content in the database',
      gateway: 'hot',
      load: { kind: 'post-unique', path: RAW_CREATE_PATH, size: RAW_CREATE_BYTES },
      connections: 50,
      baseline: 'mysql-insert',
      modes: ['mysql'],
    },
    {
      name: 'create-raw-s3',
      label: `POST / 1 KiB, content in ${process.env['BENCH_OBJECT_STORE'] === 'file' ? 'a file store' : 's3rver'}`,
      gateway: 'store',
      load: { kind: 'post-unique', path: RAW_CREATE_PATH, size: RAW_CREATE_BYTES },
      connections: 50,
      baseline: 'mysql-insert',
      modes: ['mysql'],
    },
    {
      name: 'list50',
      label: 'list of 50 with author + stats',
      gateway: 'hot',
      load: { kind: 'list' },
      connections: 50,
      baseline: 'apollo-alone',
    },
    // At 50 closed-loop connections p99 is queueing (it tracks CPU per request); paced, it is the latency itself.
    {
      name: 'gql-grpc-paced',
      label: `GraphQL via gRPC, ${PACED_RATE} req/s`,
      gateway: 'cold',
      load: { kind: 'read' },
      connections: 10,
      rate: PACED_RATE,
      baseline: 'apollo-alone',
    },
    {
      name: 'list50-paced',
      label: `list of 50, ${PACED_RATE} req/s`,
      gateway: 'hot',
      load: { kind: 'list' },
      connections: 10,
      rate: PACED_RATE,
      baseline: 'apollo-alone',
    },
    {
      name: 'mixed',
      label: 'mixed 95% read / 5% create',
      gateway: 'hot',
      load: { kind: 'mixed', readPercent: 95, hotCount: Math.min(seeded, 1000) },
      connections: 50,
      baseline: 'apollo-alone',
    },
  ];
}

/** The scenario name a `sameAnswerBaseline` window is recorded under: `<scenario><SAME_ANSWER>`. */
export const SAME_ANSWER = ':same-answer';

/** bare-http's path answering with the header lines of the gateway's raw answer (bench/baselines/bare-http.ts). */
const AS_RAW_ANSWER = '/as-raw-answer';

/** Headers every HTTP/1.1 server adds to an answer itself, so bare node:http adds its own. */
const SERVER_OWN = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/**
 * Gives bare node:http the header lines of the hot gateway's raw answer (all but those node:http adds itself),
 * for raw-hot's same-answer baseline; resolves with how many lines the answer has, Node's own included.
 */
export async function giveRawAnswerHeaders(gatewayUrl: string, bareUrl: string): Promise<number> {
  const raw = await fetch(`${gatewayUrl}/raw/${HOT_ID}`);
  await raw.arrayBuffer();
  const lines = [...raw.headers].filter(([name]) => !SERVER_OWN.has(name));
  const res = await fetch(bareUrl + AS_RAW_ANSWER, { method: 'PUT', body: JSON.stringify(lines) });
  if (res.status !== 204) throw new Error(`bare-http refused the raw answer's headers: ${res.status}`);
  const check = await fetch(bareUrl + AS_RAW_ANSWER);
  await check.arrayBuffer();
  const sent = [...check.headers].filter(([name]) => !SERVER_OWN.has(name));
  if (JSON.stringify(sent) !== JSON.stringify(lines))
    throw new Error(`bare-http answers other headers than the gateway's raw answer: ${JSON.stringify(sent)}`);
  return [...raw.headers].length;
}

/** The baseline's own load: the same request shape at the same concurrency. */
export function baselineLoad(s: Scenario): LoadKind {
  if (s.baseline === 'mysql-insert') return s.load;
  return s.baseline === 'bare-http' ? { kind: 'get', path: '/' } : { kind: 'read' };
}

/**
 * Two raw creates of different 1 KiB bodies at each address must both succeed (201) with different answers
 * (autocannon counts only HTTP errors, and the floor answers 500 on a failed INSERT).
 */
export async function preflightRawCreates(urls: string[]): Promise<void> {
  for (const url of urls) {
    const answers = new Set<string>();
    for (const n of [1, 2]) {
      const body = `preflight ${n} ${Date.now()} `.padEnd(RAW_CREATE_BYTES, 'x');
      const res = await fetch(url + RAW_CREATE_PATH, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body,
      });
      const text = await res.text();
      if (res.status !== 201)
        throw new Error(`preflight raw create at ${url} failed: ${res.status} ${text.slice(0, 300)}`);
      answers.add(text);
    }
    if (answers.size !== 2) throw new Error(`preflight raw create at ${url}: two creates answered the same`);
  }
}

async function graphql(url: string, body: string): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

/** Downstream calls the gateway made so far, per method (and `<method> s`: seconds spent waiting for them). */
export async function downstreamCalls(adminUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const calls: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^grpc_client_(handled_total|handling_seconds_sum)\{([^}]*)\} ([\d.e+-]+)/.exec(line);
    if (!m) continue;
    const method = /grpc_method="([^"]+)"/.exec(m[2]!)?.[1] ?? '?';
    const key = m[1] === 'handled_total' ? method : `${method} s`;
    calls[key] = (calls[key] ?? 0) + Number(m[3]);
  }
  return calls;
}

/** paste-svc's database loads after cache misses, from its metrics. */
async function databaseLoads(adminUrl: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return Number(/^paste_cache_loads_total(?:\{[^}]*\})? ([\d.e+-]+)/m.exec(text)?.[1] ?? NaN);
}

/**
 * One request of every scenario must succeed with no GraphQL errors before any load runs (autocannon only
 * counts HTTP errors); returns the downstream calls one list query makes.
 */
export async function preflight(mesh: Mesh, apolloUrl: string): Promise<Record<string, number>> {
  const fail = (what: string, got: unknown) => {
    throw new Error(`preflight ${what} failed: ${JSON.stringify(got).slice(0, 500)}`);
  };
  const { hot, cold, miss } = mesh.gateways;
  const raw = await fetch(`${hot.url}/raw/${HOT_ID}`);
  if (raw.status !== 200 || (await raw.arrayBuffer()).byteLength !== 1024) fail('raw', raw.status);
  const loadsBefore = await databaseLoads(mesh.pasteMissAdmin);
  for (const url of [hot.url, cold.url, miss.url, miss.url, apolloUrl.replace(/\/$/, '')]) {
    const r = await graphql(url, readBody(HOT_ID));
    if (r.errors || (r.data?.['paste'] as { content?: string })?.content?.length !== 1024) fail(`read at ${url}`, r);
  }
  // The DB-read gateway must miss the cache every time, the second read of one paste included.
  const loads = (await databaseLoads(mesh.pasteMissAdmin)) - loadsBefore;
  if (loads !== 2) fail('two reads through the DB-read gateway: database loads', loads);
  const created = await graphql(
    hot.url,
    JSON.stringify({
      query: CREATE_QUERY,
      variables: { input: { content: 'preflight', visibility: 'UNLISTED', expiry: 'ONE_DAY' } },
    }),
  );
  if (created.errors) fail('create', created);
  const before = await downstreamCalls(hot.admin);
  const list = await graphql(hot.url, JSON.stringify({ query: LIST_QUERY }));
  const after = await downstreamCalls(hot.admin);
  const edges = (list.data?.['pastes'] as { edges?: { node: { author: unknown } }[] })?.edges ?? [];
  if (list.errors || edges.length !== 50 || edges.some((e) => !e.node.author)) fail('list', list);
  const calls: Record<string, number> = {};
  for (const [method, n] of Object.entries(after)) {
    // RecordViews is the view producer flushing earlier reads on its own timer, not part of the list.
    if (!method.endsWith(' s') && method !== 'RecordViews' && n - (before[method] ?? 0) > 0)
      calls[method] = n - (before[method] ?? 0);
  }
  return calls;
}

/**
 * Reads through an object-store DB-read pair (`store-miss`) must be database reads whose bytes come from the
 * store: two reads of one seeded paste make two database loads (paste-svc's `paste_cache_loads_total`) and answer
 * its content; then, with other bytes put under its key in `objects` (its row holds none), a third read answers
 * those. The seeded bytes are put back.
 */
export async function preflightStoreReads(pair: ObjectStorePair, objects: ContentStore, seeded: number): Promise<void> {
  const fail = (what: string, got: unknown) => {
    throw new Error(`preflight ${what} through ${pair.url} failed: ${JSON.stringify(got).slice(0, 500)}`);
  };
  const i = Math.min(7, seeded - 1);
  const bytes = pasteContent(i);
  const key = sha256Hex(bytes);
  const read = async () => {
    const r = await graphql(pair.url, readBody(pasteId(i)));
    if (r.errors) fail('read', r);
    return (r.data?.['paste'] as { content?: string } | undefined)?.content;
  };
  const loadsBefore = await databaseLoads(pair.pasteAdmin);
  for (const n of [1, 2]) if ((await read()) !== bytes.toString('latin1')) fail(`read ${n}: content`, await read());
  const loads = (await databaseLoads(pair.pasteAdmin)) - loadsBefore;
  if (loads !== 2) fail('two reads: database loads', loads);
  const other = Buffer.from(bytes.toString('latin1').toUpperCase(), 'latin1');
  await objects.put(key, other);
  try {
    if ((await read()) !== other.toString('latin1')) fail('read of bytes put in the store', 'the seeded bytes');
  } finally {
    await objects.put(key, bytes);
  }
}

/** Signs up `n` users through the gateway; returns their ids (seeded pastes are theirs). */
export async function registerUsers(gatewayUrl: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = JSON.stringify({
      query:
        'mutation R($e: String!) { register(email: $e, password: "bench-password-123", displayName: "Bench User") { account { user { id } } } }',
      variables: { e: `bench${i}-${Date.now()}@example.com` },
    });
    const r = await graphql(gatewayUrl, body);
    const id = (r.data?.['register'] as { account: { user: { id: string } } } | undefined)?.account.user.id;
    if (!id) throw new Error(`register failed: ${JSON.stringify(r).slice(0, 300)}`);
    ids.push(id);
  }
  return ids;
}
