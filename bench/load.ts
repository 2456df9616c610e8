// The load generator: a child process of the benchmark (so its CPU never counts as a server's) that runs
// jobs sent over IPC (autocannon closed loops, or its own paced open loop): a warm-up, then a message, then the
// measured window.
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { CREATE_QUERY, HOT_ID, LIST_QUERY, pasteContent, pasteId, readBody } from './data.js';

/** What to send. */
export type LoadKind = (
  | { kind: 'get'; path: string }
  /** `query` replaces READ_QUERY (an operation named Read taking `$id`): another shape of the same read. */
  | { kind: 'read'; id?: string; query?: string }
  | { kind: 'read-random'; count: number }
  | { kind: 'create' }
  /**
   * A plain-HTTP POST of `size` bytes of printable text, unique per request: autocannon's idReplacement puts a
   * fresh id where the body says `[<id>]` (identical bodies would all land on one deduplicated content row).
   */
  | { kind: 'post-unique'; path: string; size: number }
  | { kind: 'list' }
  | { kind: 'mixed'; readPercent: number; hotCount: number }
) & {
  /**
   * Each request carries a fresh W3C traceparent, sampled with this probability: what the Envoy sidecar in
   * front of the gateway adds when Istio traces. Unset: no trace context comes in.
   */
  traceparentSampled?: number;
};

export interface LoadJob {
  url: string;
  load: LoadKind;
  connections: number;
  /**
   * Requests per second, open loop: one request every 1000/rate ms whatever is still in flight (`connections`
   * is then unused); unset: `connections` closed loops, each sending as soon as its answer is back.
   */
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
// A fresh headers object per request: autocannon writes content-length into the one it is given, and a shared
// object then carried one body's length into every other request (the paced loop's fetch refused them).
const gql = (body: string): Req => ({
  method: 'POST',
  path: '/graphql',
  headers: { 'content-type': 'application/json' },
  body,
});
// UNLISTED: created pastes must not push the seeded, authored ones out of the public list.
const createBody = () =>
  JSON.stringify({
    query: CREATE_QUERY,
    operationName: 'Create',
    variables: { input: { content: randomBytes(768).toString('base64'), visibility: 'UNLISTED', expiry: 'ONE_DAY' } },
  });
const randomInt = (n: number) => Math.floor(Math.random() * n);

/** autocannon's placeholder and the length of the id it puts there (hyperid, url-safe, fixed length). */
const ID_PLACEHOLDER = '[<id>]';
const ID_LENGTH = 33;
/** A body of `size` bytes once autocannon has replaced its placeholder: the id first, then printable text. */
export function uniqueBody(size: number): string {
  const text = pasteContent(1, size).toString('latin1');
  return `${ID_PLACEHOLDER}${text.slice(ID_LENGTH)}`;
}
/** The same replacement for the paced loop (autocannon does it in closed loops). */
const withId = (body: string) =>
  body.replace(ID_PLACEHOLDER, randomBytes(25).toString('base64url').slice(0, ID_LENGTH));

/**
 * BENCH_USER_AGENT: a User-Agent header on every request. autocannon sends none, and a view without one skips the
 * bot check a browser's read pays (isbot, ~2 µs per browser user agent unless remembered).
 */
const USER_AGENT = process.env['BENCH_USER_AGENT'];

function withUserAgent(reqs: Req[] | ((req: Req) => Req)): Req[] | ((req: Req) => Req) {
  if (!USER_AGENT) return reqs;
  const add = (r: Req): Req => ({ ...r, headers: { ...r.headers, 'user-agent': USER_AGENT } });
  return typeof reqs === 'function' ? (req) => add(reqs(req)) : reqs.map(add);
}

function requestsFor(load: LoadKind): Req[] | ((req: Req) => Req) {
  const reqs = withUserAgent(requestsOfKind(load));
  const sampled = load.traceparentSampled;
  if (sampled === undefined) return reqs;
  const next = typeof reqs === 'function' ? reqs : (req: Req) => ({ ...req, ...reqs[0]! });
  return (req) => {
    const r = next(req);
    const flags = Math.random() < sampled ? '01' : '00';
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-${flags}`;
    return { ...r, headers: { ...r.headers, traceparent } };
  };
}

function requestsOfKind(load: LoadKind): Req[] | ((req: Req) => Req) {
  switch (load.kind) {
    case 'get':
      return [{ method: 'GET', path: load.path }];
    case 'read':
      return [gql(readBody(load.id ?? HOT_ID, load.query))];
    case 'list':
      return [gql(JSON.stringify({ query: LIST_QUERY, operationName: 'List' }))];
    case 'read-random':
      return (req) => ({ ...req, ...gql(readBody(pasteId(randomInt(load.count)))) });
    case 'create':
      return (req) => ({ ...req, ...gql(createBody()) });
    case 'post-unique':
      return [
        {
          method: 'POST',
          path: load.path,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: uniqueBody(load.size),
        },
      ];
    case 'mixed':
      return (req) => ({
        ...req,
        ...gql(Math.random() * 100 < load.readPercent ? readBody(pasteId(randomInt(load.hotCount))) : createBody()),
      });
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
    ...(job.load.kind === 'post-unique' ? { idReplacement: true } : {}),
    ...(job.rate ? { overallRate: job.rate } : {}),
    ...(typeof reqs === 'function' ? { requests: [{ setupRequest: reqs as never }] } : { requests: reqs as never }),
  };
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** Nearest-rank percentile of ascending `sorted`. */
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : 0;

/**
 * Paced load: one request every 1000/rate ms, each timed from the moment it was due, until the window ends and
 * the last answer is in. Not autocannon's overallRate: that sends each connection's quota for the second back to
 * back when the second starts (every connection at once), and fills in latencies as if one request per
 * millisecond had been due, so a "20 req/s" p99 measured the queue of a burst.
 */
async function runPaced(job: LoadJob, durationS: number): Promise<LoadResult> {
  const reqs = requestsFor(job.load);
  const next = (): Req => {
    const req = typeof reqs === 'function' ? reqs({}) : reqs[0]!;
    return job.load.kind === 'post-unique' && req.body ? { ...req, body: withId(req.body) } : req;
  };
  const interval = 1000 / job.rate!;
  const count = Math.max(1, Math.round(durationS * job.rate!));
  const latencies: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const req = next();
    const init: RequestInit = {
      method: req.method ?? 'GET',
      signal: AbortSignal.timeout(10_000),
      ...(req.headers ? { headers: req.headers } : {}),
      ...(req.body ? { body: req.body } : {}),
    };
    inFlight.push(
      fetch(job.url + (req.path ?? '/'), init).then(
        async (res) => {
          await res.arrayBuffer();
          // As autocannon does: latencies of 2xx answers only.
          if (res.status >= 200 && res.status < 300) latencies.push(performance.now() - due);
          else non2xx++;
        },
        (err: unknown) => {
          if (err instanceof Error && err.name === 'TimeoutError') timeouts++;
          else if (errors++ === 0)
            console.error(
              `    paced load: first failure: ${String(err)} ${String((err as { cause?: unknown }).cause ?? '')}`,
            );
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const ms = (v: number) => Math.round(v * 10) / 10;
  return {
    requests: latencies.length + non2xx,
    durationS: elapsedS,
    rps: (latencies.length + non2xx) / elapsedS,
    p50: ms(percentile(latencies, 50)),
    p90: ms(percentile(latencies, 90)),
    p99: ms(percentile(latencies, 99)),
    max: ms(latencies[latencies.length - 1] ?? 0),
    errors,
    timeouts,
    non2xx,
  };
}

/** One window of `job` lasting `durationS`: paced when it has a rate, autocannon otherwise. */
async function measured(job: LoadJob, durationS: number): Promise<LoadResult> {
  if (job.rate) return runPaced(job, durationS);
  const r = await run(job, durationS);
  return {
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
}

process.on('message', (msg: { type: string; job?: LoadJob }) => {
  if (msg.type !== 'run' || !msg.job) return;
  const job = msg.job;
  void (async () => {
    try {
      if (job.warmupS > 0) await measured(job, job.warmupS);
      process.send!({ type: 'measuring' });
      process.send!({ type: 'result', result: await measured(job, job.durationS) });
    } catch (err) {
      process.send!({ type: 'error', message: String(err) });
    }
  })();
});
process.send!({ type: 'ready' });
