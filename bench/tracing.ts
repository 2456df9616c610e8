// `npx tsx bench/tracing.ts [--quick] [--inbound=traceparent]` (`npm run bench:tracing`): what tracing and the access
// log cost the mesh as deployed. The four services run as child processes from esbuild bundles of HEAD (built apart
// from the working tree by snapshot-build.ts, so other people's rebuilds of */dist cannot slip in), with the deployed
// NODE_OPTIONS, on MySQL + Redis with 1k pastes seeded once; one set of all four per setting, each set wired only to
// itself, all sets up at once over the same databases:
//   off         OTEL_SDK_DISABLED=true
//   default     tracing on, no exporter: trace context passed on, nothing recorded
//   sampled-10  parentbased_traceidratio 0.1, OTLP http/protobuf to bench/otlp-sink.ts (a process of its own)
//   sampled-100 the same at 1.0
//   access-log  LOG_LEVEL=info (a line per request at the gateway, per RPC at the services), tracing default
// Sets that are not loaded sit idle, so settings alternate window by window with no restart between them (a
// restart put ~20 s between two settings' windows, long enough for the other tenants' load to change). After
// one unmeasured pass that warms every set, each round visits every setting once, the order rotated by one each
// round, and measures the GraphQL hot read and the create (unique content per request; the two alternate which
// goes first), 50 connections, each window after a warm-up of its own. Ratios are taken within a round
// (setting / off, setting / default), then the median over rounds. Prints the tables and the issue's targets;
// every window goes to bench/results/tracing-<time>.json.
// Knobs: --inbound=traceparent (each request arrives with a trace context, as through the sidecar; see INBOUND),
// --settings=off,default --scenarios=read,create, BENCH_ROUNDS, BENCH_WARMUP_S, BENCH_WINDOW_S,
// BENCH_CPU_PROF=gateway,paste-svc (a V8 profile of that service in every set: bench/results/profiles),
// BENCH_NODE_OPTIONS, BENCH_PROC_LOG_DIR, MYSQL_BENCH_URL, TRACING_BENCH_REDIS_URL (db 6), BENCH_KEEP_DB,
// BENCH_BUNDLES=<dir> (bundles built there in snapshot-build.ts's layout instead of HEAD's: a patched copy, to
// see what a change would save; the ratios to `off` of two runs then compare).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { HOT_ID, readBody } from './data.js';
import type { LoadKind } from './load.js';
import { MYSQL_SERVER } from './mesh.js';
import { startOtlpSink, type SinkCounts } from './otlp-sink.js';
import { median, target } from './report.js';
import { LoadRunner, type Measurement } from './runner.js';
import { downstreamCalls } from './scenarios.js';
import { resetMysqlDatabases, seedPastes } from './seed.js';
import { buildSnapshot, builtAt } from './snapshot-build.js';
import { sampleStdoutBlocking, type StdoutBlocking } from './stdout-blocking.js';
import { benchProc, serverProcs, type Proc } from './usage.js';
import { ROOT, SERVICES, STOP_ORDER, type ServiceName } from '../scripts/mesh/services.js';
import { startMesh, type Env } from '../scripts/mesh/start-mesh.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
/**
 * --inbound=traceparent: every request comes with a fresh W3C traceparent, as through the Envoy sidecar when Istio
 * traces (deployed); default none: no trace context comes in, so the gateway starts each trace itself.
 */
const INBOUND = args.find((a) => a.startsWith('--inbound='))?.slice(10) ?? 'none';
if (INBOUND !== 'none' && INBOUND !== 'traceparent') throw new Error(`--inbound must be none or traceparent`);
const listArg = (name: string) =>
  args
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3)
    .split(',');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? (quick ? 4 : 5));
const WINDOWS = {
  warmupS: Number(process.env['BENCH_WARMUP_S'] ?? (quick ? 2 : 3)),
  durationS: Number(process.env['BENCH_WINDOW_S'] ?? (quick ? 3 : 10)),
};
const CONNECTIONS = 50;
const SEEDED = 1_000;
const REDIS_URL = process.env['TRACING_BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379/6';
const DATABASES = ['pmtrace_auth', 'pmtrace_paste', 'pmtrace_analytics'];
const NO_LIMIT = '1000000000';
const MESH = ['gateway', 'paste-svc', 'auth-svc', 'analytics-svc'];
const log = (line: string) => console.log(line);

interface Setting {
  name: string;
  label: string;
  env(sinkUrl: string): Env;
  /** With --inbound=traceparent: the share of requests the sidecar in front marks sampled (the services follow it). */
  inboundSampled: number;
}
const recording = (ratio: string) => (sinkUrl: string) => ({
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: ratio,
  OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
});
const ALL_SETTINGS: Setting[] = [
  {
    name: 'off',
    label: '1. tracing off (OTEL_SDK_DISABLED)',
    env: () => ({ OTEL_SDK_DISABLED: 'true' }),
    inboundSampled: 0.1,
  },
  { name: 'default', label: '2. on, no exporter (default)', env: () => ({}), inboundSampled: 0.1 },
  { name: 'sampled-10', label: '3. on, 10% sampled, exported', env: recording('0.1'), inboundSampled: 0.1 },
  { name: 'sampled-100', label: '4. on, 100% sampled, exported', env: recording('1'), inboundSampled: 1 },
  {
    name: 'access-log',
    label: '5. access log on (info), tracing default',
    env: () => ({ LOG_LEVEL: 'info' }),
    inboundSampled: 0.1,
  },
];
const SETTINGS = ALL_SETTINGS.filter((s) => listArg('settings')?.includes(s.name) ?? true);
const ALL_SCENARIOS: { name: string; label: string; load: LoadKind }[] = [
  { name: 'read', label: 'GraphQL paste(id){content} hot', load: { kind: 'read' } },
  { name: 'create', label: 'createPaste (unique content)', load: { kind: 'create' } },
];
const SCENARIOS = ALL_SCENARIOS.filter((s) => listArg('scenarios')?.includes(s.name) ?? true);

/** One setting's services, wired to each other only. */
interface MeshSet {
  setting: Setting;
  url: string;
  /** Its processes, named by service (gateway, paste-svc…) as the tables show them. */
  procs(): Proc[];
}

/** One measured window and what came with it. */
interface Sample {
  round: number;
  setting: string;
  scenario: string;
  m: Measurement;
  spans: Record<string, number>;
  exportRequests: number;
  /** Lines each process wrote to stdout/stderr in the window. */
  lines: Record<string, number>;
  stdout: Record<string, StdoutBlocking>;
  /** This process's event-loop delay p99 (it drains the children's pipes), ms. */
  benchLoopP99Ms: number;
  /** The machine's 1-minute load average when the window ended (other tenants included). */
  load1: number;
}

const PROFILED = new Set((process.env['BENCH_CPU_PROF'] ?? '').split(',').filter(Boolean));
const profileArgs = (instance: string, service: string) =>
  PROFILED.has(service)
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${path.join(ROOT, 'bench', 'results', 'profiles')}`,
        `--cpu-prof-name=${instance}-${Date.now()}.cpuprofile`,
      ]
    : [];

async function graphql(url: string, body: string): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

const CREATE_BODY = JSON.stringify({
  query: 'mutation Create($input: CreatePasteInput!) { createPaste(input: $input) { paste { id } } }',
  variables: { input: { content: 'preflight', visibility: 'UNLISTED', expiry: 'ONE_DAY' } },
});

async function main(): Promise<void> {
  const snapshot = process.env['BENCH_BUNDLES'] ? builtAt(process.env['BENCH_BUNDLES']) : buildSnapshot();
  const head = snapshot.commit;
  log(
    `tracing bench: ${quick ? 'quick' : 'full'}, inbound trace context: ${INBOUND}, ${ROUNDS} rounds, ${WINDOWS.warmupS} s warm-up + ${WINDOWS.durationS} s windows, ` +
      `${CONNECTIONS} connections; bundles of ${head} (${snapshot.dir}); load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
  );
  const serviceOf = new Map(Object.entries(SERVICES).map(([key, info]) => [info.dir, key as ServiceName]));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmtrace-'));
  await resetMysqlDatabases(MYSQL_SERVER, DATABASES);
  const logDir = process.env['BENCH_PROC_LOG_DIR'];
  const sink = await startOtlpSink(logDir);
  // The launcher's own replicas migrate the databases and are stopped once the sets are up. It starts them as
  // `node <nodeArgs> <dist/main.js>` with no other way to name the script: the snapshot's bundle named here is
  // what node runs (the launcher's path an unused argument after it), so the migrations are the snapshot's too.
  const mesh = await startMesh({
    run: 'built',
    rebuild: false,
    ports: 'random',
    portBand: { from: 12_000, size: 8_000 },
    databasePrefix: 'pmtrace',
    env: {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      MYSQL_URL: MYSQL_SERVER,
      REDIS_URL,
    },
    serviceEnv: {
      auth: { REGISTER_MAX_PER_IP: NO_LIMIT, LOGIN_MAX_FAILURES_PER_IP: NO_LIMIT },
      paste: { SWEEP_ENABLED: 'false' },
      gateway: {
        RATE_LIMIT_READS_PER_MIN: NO_LIMIT,
        RATE_LIMIT_CREATES_PER_MIN: NO_LIMIT,
        RATE_LIMIT_LOGINS_PER_MIN: NO_LIMIT,
        RATE_LIMIT_BAD_REQUESTS_PER_MIN: NO_LIMIT,
      },
    },
    nodeOptions: process.env['BENCH_NODE_OPTIONS'] ?? 'deployed',
    nodeArgs: (name) =>
      serviceOf.has(name)
        ? [snapshot.entry(serviceOf.get(name)!)]
        : profileArgs(name, [...serviceOf.keys()].find((dir) => name.startsWith(`${dir}-`)) ?? ''),
    logDir,
  });
  const runner = new LoadRunner();
  const samples: Sample[] = [];
  // Lines each child wrote, counted as the launcher drains its pipes.
  const lines = new Map<string, number>();

  /** Starts one setting's four services (auth-svc first), each calling only the others of its set. */
  const startSet = async (setting: Setting): Promise<MeshSet> => {
    const env = setting.env(sink.url);
    const roles = new Map<string, string>();
    const add = async (service: ServiceName, extra: Env) => {
      const name = `${SERVICES[service].dir}-${setting.name}`;
      const instance = await mesh.addInstance({
        name,
        service,
        // The set in the service name, so the sink tells the sets' spans apart (late exports of the last window).
        env: { ...env, OTEL_SERVICE_NAME: `${SERVICES[service].dir}@${setting.name}`, ...extra },
        entry: snapshot.entry(service),
      });
      roles.set(name, SERVICES[service].dir);
      const proc = instance.proc!;
      lines.set(name, 0);
      for (const stream of [proc.child.stdout!, proc.child.stderr!])
        stream.on('data', (b: Buffer) => {
          let n = 0;
          for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
          lines.set(name, (lines.get(name) ?? 0) + n);
        });
      return `127.0.0.1:${instance.ports['grpc']}`;
    };
    const auth = await add('auth', {});
    const authPorts = mesh.instance(`auth-svc-${setting.name}`).ports;
    const authEnv = {
      AUTH_SVC_URL: auth,
      AUTH_JWKS_URL: `http://127.0.0.1:${authPorts['admin']}/.well-known/jwks.json`,
    };
    const analytics = await add('analytics', authEnv);
    const paste = await add('paste', { ...authEnv, ANALYTICS_SVC_URL: analytics });
    await add('gateway', { ...authEnv, ANALYTICS_SVC_URL: analytics, PASTE_SVC_URL: paste });
    const gateway = mesh.instance(`gateway-${setting.name}`);
    const url = `http://127.0.0.1:${gateway.ports['http']}`;
    const r = await graphql(url, readBody(HOT_ID));
    if ((r.data?.['paste'] as { content?: string } | undefined)?.content?.length !== 1024)
      throw new Error(`first read through the ${setting.name} set failed: ${JSON.stringify(r).slice(0, 300)}`);
    const created = await graphql(url, CREATE_BODY);
    if (created.errors)
      throw new Error(`first create through the ${setting.name} set failed: ${JSON.stringify(created).slice(0, 300)}`);
    return {
      setting,
      url,
      procs: () =>
        mesh
          .processes()
          .filter((p) => roles.has(p.name))
          .map((p) => ({
            name: roles.get(p.name)!,
            pid: p.pid,
            child: p.child,
            tail: () => p.tail(),
            stop: () => p.stop(),
          })),
    };
  };

  /** One window of `scenario` on `set`, with the sink's spans, the lines written and stdout blocking over it. */
  const measure = async (set: MeshSet, scenario: (typeof SCENARIOS)[number], round: number): Promise<Sample> => {
    const procs = set.procs();
    const names = new Map(procs.map((p) => [p.name, `${p.name}-${set.setting.name}`]));
    let startLines: Record<string, number> = {};
    let startCounts: Promise<SinkCounts> | undefined;
    let sampler: ReturnType<typeof sampleStdoutBlocking> | undefined;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    const m = await runner.measure(
      { scenario: scenario.name, target: set.setting.name, round },
      set.url,
      INBOUND === 'traceparent' ? { ...scenario.load, traceparentSampled: set.setting.inboundSampled } : scenario.load,
      CONNECTIONS,
      round === 0 ? { warmupS: 0, durationS: WINDOWS.warmupS + 1 } : WINDOWS,
      [...procs, sink.proc, ...serverProcs(), benchProc],
      () => {
        startLines = Object.fromEntries(lines);
        startCounts = sink.counts();
        sampler = sampleStdoutBlocking(procs);
        loop.enable();
      },
    );
    loop.disable();
    const stdout = sampler!.stop();
    const [c0, c1] = [await startCounts!, await sink.counts()];
    const own = (k: string) => lines.get(names.get(k)!)! - (startLines[names.get(k)!] ?? 0);
    return {
      round,
      setting: set.setting.name,
      scenario: scenario.name,
      m,
      spans: Object.fromEntries(
        Object.keys(c1.spans)
          .filter((k) => k.endsWith(`@${set.setting.name}`))
          .map((k) => [k.slice(0, k.indexOf('@')), c1.spans[k]! - (c0.spans[k] ?? 0)]),
      ),
      exportRequests: c1.requests - c0.requests,
      lines: Object.fromEntries(procs.map((p) => [p.name, own(p.name)])),
      stdout,
      benchLoopP99Ms: loop.percentile(99) / 1e6,
      load1: os.loadavg()[0]!,
    };
  };

  try {
    const secs = await seedPastes(
      { kind: 'mysql', url: mesh.mysqlUrl('paste') },
      { from: 0, to: SEEDED, owners: [], createdBase: Date.now() - 86_400_000, expiresAt: null },
    );
    const before = await downstreamCalls(mesh.adminUrl('gateway'));
    await graphql(mesh.gatewayUrl, CREATE_BODY);
    const after = await downstreamCalls(mesh.adminUrl('gateway'));
    const calls = Object.keys(after).filter((k) => !k.endsWith(' s') && after[k]! > (before[k] ?? 0));
    const sets: MeshSet[] = [];
    for (const setting of SETTINGS) sets.push(await startSet(setting));
    for (const s of STOP_ORDER) await mesh.stopService(s);
    log(
      `  seeded ${SEEDED} pastes in ${secs.toFixed(1)} s; a create makes these gateway → service calls: ` +
        `${calls.map((k) => `${k} ${after[k]! - (before[k] ?? 0)}`).join(', ')}; sets up: ` +
        `${sets.map((x) => `${x.setting.name} ${x.url}`).join(', ')}; OTLP sink ${sink.url}`,
    );
    for (const set of sets) for (const s of SCENARIOS) await measure(set, s, 0);
    log('  every set warmed');
    for (let round = 1; round <= ROUNDS; round++) {
      const order = sets.map((_, i) => sets[(i + round - 1) % sets.length]!);
      const scenarioOrder = round % 2 === 1 ? SCENARIOS : [...SCENARIOS].reverse();
      for (const set of order) {
        for (const s of scenarioOrder) {
          const x = await measure(set, s, round);
          samples.push(x);
          const us = (name: string) => fmt(x.m.cpuUsPerReq[name] ?? NaN);
          const mainUs = (name: string) => fmt(((x.m.usage.mainCpuMs[name] ?? NaN) * 1000) / x.m.requests);
          log(
            `  r${round} ${set.setting.name.padEnd(11)} ${s.name.padEnd(6)} ${x.m.rps.toFixed(0).padStart(5)} req/s p99 ${x.m.p99.toFixed(0).padStart(3)} ms | ` +
              `µs/req gateway ${us('gateway')} (main thread ${mainUs('gateway')}), paste-svc ${us('paste-svc')} (${mainUs('paste-svc')}), auth ${us('auth-svc')}, analytics ${us('analytics-svc')}, ` +
              `sink ${us('otlp-sink')}, bench ${us('bench')}, mariadbd ${us('mariadbd')} | spans/req ${spansPerRequest(x).toFixed(2)}, ` +
              `lines/req ${linesPerRequest(x).toFixed(2)} | load ${x.load1.toFixed(1)}`,
          );
        }
      }
    }
    report(samples);
  } finally {
    runner.close();
    await mesh.stop().catch(() => {});
    await sink.proc.stop();
    if (!process.env['BENCH_KEEP_DB']) await resetMysqlDatabases(MYSQL_SERVER, DATABASES, true);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `tracing-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({ quick, inbound: INBOUND, rounds: ROUNDS, windows: WINDOWS, head, samples }, null, 1),
  );
  log(`\nraw windows: ${path.relative(ROOT, file)}`);
}

const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const spread = (xs: number[], digits: number) =>
  xs.length ? `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})` : '–';
const meshUs = (m: Measurement) => MESH.reduce((a, k) => a + (m.cpuUsPerReq[k] ?? 0), 0);
const sum = (xs: Record<string, number>) => Object.values(xs).reduce((a, b) => a + b, 0);
const spansPerRequest = (x: Sample) => sum(x.spans) / x.m.requests;
const linesPerRequest = (x: Sample) => sum(x.lines) / x.m.requests;

function report(samples: Sample[]): void {
  const get = (setting: string, scenario: string) =>
    samples.filter((x) => x.setting === setting && x.scenario === scenario);
  /** Per round: f(setting's window) / f(reference's window), for the rounds both ran. */
  const ratios = (setting: string, ref: string, scenario: string, f: (x: Sample) => number) =>
    get(setting, scenario).flatMap((x) => {
      const r = get(ref, scenario).find((y) => y.round === x.round);
      return r ? [f(x) / f(r)] : [];
    });
  const checks: string[] = [];
  for (const s of SCENARIOS) {
    log(`\n### ${s.label} (${CONNECTIONS} connections; medians of ${ROUNDS} rounds, min–max)\n`);
    log(
      '| setting | req/s | × off | × default | gateway µs/req | paste-svc µs/req | 4 services µs/req | CPU × off | spans/req | log lines/req |',
    );
    log('|---|---|---|---|---|---|---|---|---|---|');
    for (const setting of SETTINGS) {
      const xs = get(setting.name, s.name);
      if (xs.length === 0) continue;
      const rps = (x: Sample) => x.m.rps;
      const us = (name: string) => fmt(median(xs.map((x) => x.m.cpuUsPerReq[name] ?? NaN)));
      const cells = [
        setting.label,
        spread(xs.map(rps), 0),
        spread(ratios(setting.name, 'off', s.name, rps), 3),
        spread(ratios(setting.name, 'default', s.name, rps), 3),
        us('gateway'),
        us('paste-svc'),
        fmt(median(xs.map((x) => meshUs(x.m)))),
        spread(
          ratios(setting.name, 'off', s.name, (x) => meshUs(x.m)),
          3,
        ),
        fmt(median(xs.map(spansPerRequest)), 2),
        fmt(median(xs.map(linesPerRequest)), 2),
      ];
      log(`| ${cells.join(' | ')} |`);
    }
    const goal = (setting: string, min: number, what: string) => {
      const r = ratios(setting, 'off', s.name, (x) => x.m.rps);
      const cpu = ratios(setting, 'off', s.name, (x) => meshUs(x.m));
      if (r.length === 0) return;
      checks.push(
        target(
          `${s.name}: ${what} costs ≤ ${Math.round((1 - min) * 100)}% of throughput (req/s ≥ ${min}× off)`,
          median(r) >= min,
          `${median(r).toFixed(3)}× (rounds ${r.map((x) => x.toFixed(3)).join(', ')}); the 4 services' CPU per request ${median(cpu).toFixed(3)}× off`,
        ),
      );
    };
    goal('default', 0.98, 'tracing with no exporter');
    goal('sampled-10', 0.9, '10% sampling, exported');
  }
  // Each setting did what it says: spans only where recording, access-log lines only at info.
  for (const x of samples) {
    const [spans, lines] = [spansPerRequest(x), linesPerRequest(x)];
    if (x.setting.startsWith('sampled') !== spans > 0 || (x.setting === 'access-log') !== lines >= 0.9)
      checks.push(
        `WARN  r${x.round} ${x.setting} ${x.scenario}: ${spans.toFixed(2)} spans, ${lines.toFixed(2)} log lines per request`,
      );
  }
  const logged = samples.filter((x) => x.setting === 'access-log');
  if (logged.length) {
    const blocked = Math.max(
      ...logged.flatMap((x) => Object.values(x.stdout).map((b) => b.inStdoutWrite / Math.max(1, b.samples))),
    );
    const bench = (setting: string) =>
      median(samples.filter((x) => x.setting === setting).map((x) => x.m.cpuUsPerReq['bench'] ?? NaN));
    checks.push(
      `info  access log: most of any process's main-thread samples inside write(1|2) in one window ${(100 * blocked).toFixed(1)}%; ` +
        `this process's event-loop delay p99 ≤ ${Math.max(...logged.map((x) => x.benchLoopP99Ms)).toFixed(1)} ms while draining; ` +
        `its CPU ${fmt(bench('access-log'))} µs/req against ${fmt(bench('default'))} with the log off`,
    );
  }
  log(`\n${checks.join('\n')}`);
}

await main();
process.exit(0);
