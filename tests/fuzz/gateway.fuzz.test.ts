// Property-based fuzzing of every gateway entry point against the real mesh (MariaDB, Redis, all services).
//
// One campaign runs a fixed-seed stream of plain HTTP and GraphQL cases while a side loop sends valid traffic
// from another address; each property below is then judged on what the campaign recorded, and the cases that
// broke it are replayed (same seed) so fast-check shrinks each kind to a minimal counterexample.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { badInputArb, badInputProblem, type BadInputCase } from './bad-input-cases.js';
import { createObserver, type CaseRecord, type Observer } from './fuzz-observer.js';
import { SEED, explain, report, runPhase, type Phase, type Ran } from './fuzz-phase.js';
import { startFuzzStack, type FuzzStack } from './fuzz-stack.js';
import { createGraphqlArbs, type GraphqlCase } from './graphql-cases.js';
import { httpCaseArb, type WireCase } from './http-cases.js';
import { startSideLoop, type SideLoopReport } from './side-loop.js';

const HTTP_RUNS = 1500;
const GRAPHQL_RUNS = 1200;
const BAD_INPUT_RUNS = 250;
/** GraphQL error codes that mean the gateway failed, not the client. */
const SERVER_CODES = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE']);

/** Property 1: a response, below 500, and no GraphQL error saying the server failed. */
function serverFailure(record: CaseRecord): string | undefined {
  const r = record.result;
  if (r.status === null) return `no response (${r.error})`;
  if (r.status >= 500) return `answered ${r.status}: ${JSON.stringify(r.body.slice(0, 240))}`;
  if (!String(r.headers['content-type'] ?? '').includes('json')) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(r.body);
  } catch {
    return undefined;
  }
  const errors = (Array.isArray(body) ? body : [body]).flatMap(
    (b) =>
      ((b as { errors?: unknown[] } | null)?.errors ?? []) as { message?: string; extensions?: { code?: string } }[],
  );
  const bad = errors.find((e) => SERVER_CODES.has(String(e?.extensions?.code)));
  return bad
    ? `answered ${r.status} with GraphQL error ${bad.extensions!.code}: ${JSON.stringify(bad.message)}`
    : undefined;
}

/** Answers below 500 that Node's HTTP parser refused (not a property failure; printed so they are seen). */
function noteMalformed(ran: Ran<unknown>[]): void {
  const malformed = ran.filter((r) => r.record.result.malformed && (r.record.result.status ?? 500) < 500);
  if (!malformed.length) return;
  const kinds = new Map<string, Ran<unknown>>();
  for (const r of malformed)
    kinds.set(
      `${r.signature} → ${r.record.result.status} (${r.record.result.error})`,
      kinds.get(`${r.signature} → ${r.record.result.status} (${r.record.result.error})`) ?? r,
    );
  report(
    `fuzz note: ${malformed.length} answer(s) below 500 were not valid HTTP for their request (status read from a bare socket): ` +
      [...kinds]
        .map(([k, r]) => `${k}, e.g. ${r.record.label}: ${r.record.request.split('\n')[0]!.slice(0, 120)}`)
        .join('; '),
  );
}

/** Cases that took over a second (the downstream deadline is raised to 10 s in this suite: see fuzz-stack.ts). */
function noteSlow(ran: Ran<unknown>[]): void {
  const slow = ran.filter((r) => r.record.result.ms > 1_000).sort((a, b) => b.record.result.ms - a.record.result.ms);
  if (!slow.length) return;
  report(
    `fuzz note: ${slow.length} case(s) took over 1 s: ${slow
      .slice(0, 5)
      .map((r) => `${r.record.label} ${r.record.result.ms} ms (${r.signature} → ${r.record.result.status})`)
      .join('; ')}`,
  );
}

/** FUZZ_DUMP=<file>: every campaign case's signature, status, time and request, for looking into coverage. */
function dump(file: string, ran: Ran<unknown>[]): void {
  const rows = ran.map((r) => ({
    label: r.record.label,
    signature: r.signature,
    status: r.record.result.status,
    ms: r.record.result.ms,
    request: r.record.request.slice(0, 600),
    body: r.record.result.body.slice(0, 300),
  }));
  fs.writeFileSync(file, JSON.stringify(rows, null, 1));
}

/** Property 2, per case: nothing the breakers count as a downstream failure, and no breaker open after it. */
function breakerFed(record: CaseRecord): string | undefined {
  const open = Object.entries(record.gauge).filter(([, v]) => v === 2);
  if (open.length) return `gateway_breaker_state read 2 for ${open.map(([s]) => s).join(', ')} after it`;
  if (record.breakerFailures.length)
    return `a breaker counted ${record.breakerFailures.length} failure(s): ${[...new Set(record.breakerFailures)].slice(0, 3).join('; ')}`;
  return undefined;
}

/** Property 3, per case: every protected burn paste still there after it. */
const burnedOne = (record: CaseRecord) => (record.burned.length ? `burned ${record.burned.join(', ')}` : undefined);

describe('gateway fuzzing (fast-check, fixed seed, real mesh)', () => {
  let fuzz: FuzzStack;
  let observer: Observer;
  let httpPhase: Phase<WireCase>;
  let graphqlPhase: Phase<GraphqlCase>;
  let httpRan: Ran<WireCase>[] = [];
  let graphqlRan: Ran<GraphqlCase>[] = [];
  let side: SideLoopReport;
  let opened: string[] = [];
  let endGauge: Record<string, number> = {};
  let endBreakers: Record<string, string> = {};
  let burns: Observer['burns'] = [];
  let burnCheck: string[] = [];
  const summary: string[] = [];

  beforeAll(async () => {
    const started = Date.now();
    fuzz = await startFuzzStack();
    observer = createObserver(fuzz);
    report(
      `fuzz: seed ${SEED}; routes in gateway/src: ${fuzz.routes.map((r) => r.path).join(' ')}` +
        `${fuzz.extraRoutes.length ? `; new ones fuzzed as such: ${fuzz.extraRoutes.map((r) => r.path).join(' ')}` : ''}; breakers watched: ${observer.breakerNames.join(', ') || 'none (gauge only)'}`,
    );
    const graphql = createGraphqlArbs({ schema: fuzz.schema, languages: fuzz.languages });
    httpPhase = {
      name: 'plain HTTP',
      arb: httpCaseArb({ assets: fuzz.assets, languages: fuzz.languages, extraRoutes: fuzz.extraRoutes }),
      wire: (c) => c,
      signature: (c) => `${c.family} ${c.method}`,
      numRuns: HTTP_RUNS,
      isolate: false,
    };
    graphqlPhase = {
      name: 'GraphQL',
      arb: graphql.graphqlCase,
      wire: graphql.compile,
      signature: (c) =>
        ['json', 'get', 'content-type'].includes(c.transport.kind)
          ? `${c.op.kind} ${c.op.root.fields[0]!.name}`
          : `envelope ${c.transport.kind}`,
      numRuns: GRAPHQL_RUNS,
      isolate: false,
    };
    const loop = startSideLoop(fuzz, observer.current);
    try {
      httpRan = await runPhase(httpPhase, observer);
      graphqlRan = await runPhase(graphqlPhase, observer);
    } finally {
      side = await loop.stop();
    }
    opened = [...observer.opened];
    endGauge = await observer.scrape();
    endBreakers = observer.breakerStates();
    burns = [...observer.burns];
    burnCheck = await fuzz.checkProtectedThroughGetPaste();
    if (process.env['FUZZ_DUMP']) dump(process.env['FUZZ_DUMP'], [...httpRan, ...graphqlRan]);
    report(
      `fuzz: campaign of ${httpRan.length} plain HTTP and ${graphqlRan.length} GraphQL cases took ${((Date.now() - started) / 1000).toFixed(1)} s (with start-up; watching: gauge ${(observer.timing.gauge / 1000).toFixed(1)} s, burn checks ${(observer.timing.burn / 1000).toFixed(1)} s)`,
    );
  }, 600_000);

  afterAll(async () => {
    if (summary.length) report(`fuzz: ${summary.join(', ')}`);
    await fuzz?.stop();
  });

  it('1. never answers 5xx (or a GraphQL INTERNAL_SERVER_ERROR / SERVICE_UNAVAILABLE) to plain HTTP input', async () => {
    const failed = httpRan.filter((r) => serverFailure(r.record)).length;
    report(`fuzz property 1 (plain HTTP): ${httpRan.length} cases, ${failed} answered 5xx or nothing`);
    noteMalformed([...httpRan, ...graphqlRan]);
    noteSlow([...httpRan, ...graphqlRan]);
    summary.push(`${httpRan.length} HTTP cases`);
    const why = await explain(httpPhase, httpRan, (r) => serverFailure(r), observer);
    if (why) throw new Error(why);
  }, 300_000);

  it('1. never answers 5xx, INTERNAL_SERVER_ERROR or SERVICE_UNAVAILABLE to GraphQL input', async () => {
    const failed = graphqlRan.filter((r) => serverFailure(r.record)).length;
    const all5xx = [...httpRan, ...graphqlRan].filter((r) => serverFailure(r.record)).length;
    report(
      `fuzz property 1 (GraphQL): ${graphqlRan.length} cases, ${failed} answered 5xx, nothing, or a server error code`,
    );
    summary.push(`${graphqlRan.length} GraphQL cases`, `${all5xx} 5xx`);
    const why = await explain(graphqlPhase, graphqlRan, (r) => serverFailure(r), observer);
    if (why) throw new Error(why);
  }, 300_000);

  it('2. never opens (or feeds) a circuit breaker on client input', async () => {
    const notClosed = [
      ...Object.entries(endGauge).filter(([, v]) => v !== 0),
      ...Object.entries(endBreakers).filter(([, v]) => v !== 'closed'),
    ];
    const fedHttp = httpRan.filter((r) => breakerFed(r.record)).length;
    const fedGraphql = graphqlRan.filter((r) => breakerFed(r.record)).length;
    const ok = !opened.length && !notClosed.length && !fedHttp && !fedGraphql;
    report(
      `fuzz property 2 (breakers): ${httpRan.length + graphqlRan.length} cases, gauge sampled after each; ` +
        `${opened.length ? `opened ${opened.length} time(s)` : 'never read 2'}; at the end ${JSON.stringify(endGauge)} (opossum: ${JSON.stringify(endBreakers)}); ` +
        `${fedHttp + fedGraphql} case(s) fed a breaker a failure`,
    );
    summary.push(
      ok
        ? 'breakers closed'
        : `breakers ${opened.length ? 'opened' : notClosed.length ? 'not closed at the end' : 'fed failures'}`,
    );
    if (ok) return;
    const parts = [
      opened.length ? `Breakers opened during the run:\n  ${[...new Set(opened)].slice(0, 10).join('\n  ')}` : '',
      notClosed.length
        ? `Not closed at the end of the run: ${JSON.stringify(endGauge)} (opossum: ${JSON.stringify(endBreakers)})`
        : '',
      'Cases that fed a breaker a failure (each repeated 10 times in 10 s opens it):',
      await explain(httpPhase, httpRan, (r) => breakerFed(r), observer),
      await explain(graphqlPhase, graphqlRan, (r) => breakerFed(r), observer),
    ];
    throw new Error(parts.filter(Boolean).join('\n'));
  }, 300_000);

  it('3. never burns a burn-after-read paste on a request that is not a reveal', async () => {
    const slots = fuzz.protectedIds().length;
    report(
      `fuzz property 3 (burn): ${slots} protected burn pastes met ${httpRan.length + graphqlRan.length} cases; ` +
        `${burns.length ? `${burns.length} burned (slot refilled each time)` : `${slots} burn pastes intact`}; GetPaste afterwards: ${burnCheck.length ? burnCheck.join('; ') : 'all there, concealed'}`,
    );
    summary.push(
      burns.length || burnCheck.length
        ? `${burns.length} protected burn paste(s) burned`
        : `${slots} burn pastes intact`,
    );
    if (!burns.length && !burnCheck.length) return;
    const parts = [
      burnCheck.length ? `After the run, through paste-svc's GetPaste: ${burnCheck.join('; ')}` : '',
      await explain(httpPhase, httpRan, (r) => burnedOne(r), observer),
      await explain(graphqlPhase, graphqlRan, (r) => burnedOne(r), observer),
    ];
    throw new Error(parts.filter(Boolean).join('\n'));
  }, 300_000);

  it('4. keeps valid traffic from another client working while the fuzzer runs', () => {
    report(
      `fuzz property 4 (side loop): ${side.requests} valid requests in ${side.iterations} iterations from 10.9.9.9 beside the fuzzer, ${side.failures.length} failed`,
    );
    summary.push(`side loop ${side.requests - side.failures.length}/${side.requests} ok`);
    if (!side.failures.length) return;
    const lines = side.failures
      .slice(0, 15)
      .map((f) => `● ${f.what}: ${f.problem}\n  while the fuzzer ran ${f.during}`);
    throw new Error(`${side.failures.length} of ${side.requests} valid requests failed:\n${lines.join('\n')}`);
  });

  it('5. answers known bad input with a 4xx that names the parameter or field', async () => {
    const phase: Phase<BadInputCase> = {
      name: 'bad-input',
      arb: badInputArb(fuzz.languages),
      wire: (c) => c.wire,
      signature: (c) =>
        `${c.edge} ${c.field}${(c.wire.query?.pairs.filter(([k]) => k === c.field).length ?? 0) > 1 ? ' repeated' : ''}`,
      numRuns: BAD_INPUT_RUNS,
      isolate: true,
    };
    const ran = await runPhase(phase, observer);
    const problem = (r: CaseRecord, c: BadInputCase) => badInputProblem(c, r.result);
    const failed = ran.filter((r) => problem(r.record, r.value)).length;
    report(
      `fuzz property 5 (bad input names its field): ${ran.length} cases (POST / and createPaste), ${failed} did not`,
    );
    summary.push(`${ran.length} bad-input cases, ${failed} unnamed`);
    const why = await explain(phase, ran, problem, observer);
    if (why) throw new Error(why);
  }, 300_000);
});
