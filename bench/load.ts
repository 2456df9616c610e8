// The load generator: a child process of the benchmark (so its CPU never counts as a server's) that runs
// autocannon jobs sent over IPC: a warm-up, then a message, then the measured window.
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { CREATE_QUERY, HOT_ID, LIST_QUERY, pasteId, readBody } from './data.js';

/** What to send. */
export type LoadKind =
  | { kind: 'get'; path: string }
  | { kind: 'read'; id?: string }
  | { kind: 'read-random'; count: number }
  | { kind: 'create' }
  | { kind: 'list' }
  | { kind: 'mixed'; readPercent: number; hotCount: number };

export interface LoadJob {
  url: string;
  load: LoadKind;
  connections: number;
  /** Requests per second over all connections (open pacing); unset: as fast as answers come back. */
  rate?: number;
  warmupS: number;
  durationS: number;
}

export interface LoadResult {
  requests: number;
  durationS: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

type Req = { method?: string; path?: string; body?: string; headers?: Record<string, string> };
const JSON_HEADERS = { 'content-type': 'application/json' };
const gql = (body: string): Req => ({ method: 'POST', path: '/graphql', headers: JSON_HEADERS, body });
// UNLISTED: created pastes must not push the seeded, authored ones out of the public list.
const createBody = () =>
  JSON.stringify({ query: CREATE_QUERY, operationName: 'Create', variables: { input: { content: randomBytes(768).toString('base64'), visibility: 'UNLISTED', expiry: 'ONE_DAY' } } });
const randomInt = (n: number) => Math.floor(Math.random() * n);

function requestsFor(load: LoadKind): Req[] | ((req: Req) => Req) {
  switch (load.kind) {
    case 'get':
      return [{ method: 'GET', path: load.path }];
    case 'read':
      return [gql(readBody(load.id ?? HOT_ID))];
    case 'list':
      return [gql(JSON.stringify({ query: LIST_QUERY, operationName: 'List' }))];
    case 'read-random':
      return (req) => ({ ...req, ...gql(readBody(pasteId(randomInt(load.count)))) });
    case 'create':
      return (req) => ({ ...req, ...gql(createBody()) });
    case 'mixed':
      return (req) => ({ ...req, ...gql(Math.random() * 100 < load.readPercent ? readBody(pasteId(randomInt(load.hotCount))) : createBody()) });
  }
}

function run(job: LoadJob, durationS: number): Promise<autocannon.Result> {
  const reqs = requestsFor(job.load);
  const opts: autocannon.Options = {
    url: job.url,
    connections: job.connections,
    duration: durationS,
    pipelining: 1,
    timeout: 10,
    ...(job.rate ? { overallRate: job.rate } : {}),
    ...(typeof reqs === 'function' ? { requests: [{ setupRequest: reqs as never }] } : { requests: reqs as never }),
  };
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

process.on('message', (msg: { type: string; job?: LoadJob }) => {
  if (msg.type !== 'run' || !msg.job) return;
  const job = msg.job;
  void (async () => {
    try {
      if (job.warmupS > 0) await run(job, job.warmupS);
      process.send!({ type: 'measuring' });
      const r = await run(job, job.durationS);
      const result: LoadResult = {
        requests: r.requests.total,
        durationS: r.duration,
        rps: r.requests.total / r.duration,
        p50: r.latency.p50,
        p90: r.latency.p90,
        p99: r.latency.p99,
        max: r.latency.max,
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
      };
      process.send!({ type: 'result', result });
    } catch (err) {
      process.send!({ type: 'error', message: String(err) });
    }
  })();
});
process.send!({ type: 'ready' });
