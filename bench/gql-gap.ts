// `npx tsx bench/gql-gap.ts [--quick]`: why the GraphQL hot read's ratio to Apollo alone differs between the bench
// (gateway at LOG_LEVEL=warn, rate limits raised, no exporter; Apollo alone with NODE_ENV=production) and the mesh
// as deployed (istio/base/config.yaml: LOG_LEVEL=info, tracing at 10% to a collector, TRUST_PROXY_HOPS=1,
// default rate limits). One mesh (MySQL + Redis, the bundles in */dist, deployed NODE_OPTIONS) with one gateway
// per setting, and one Apollo alone per setting, all up at once and alternated window by window (order rotated
// each round), 50 connections, the hot paste; each setting's req/s over the bench's Apollo alone in the same round.
// Settings, each changing one thing from the bench's (or all of them: "as deployed"):
//   gateway      the bench's gateway                       apollo       the bench's baseline (NODE_ENV=production)
//   gw-info      LOG_LEVEL=info (the access log)           apollo-dev   NODE_ENV unset
//   gw-otel10    10% sampled, exported to otlp-sink.ts     apollo-flags the gateway's deployed NODE_OPTIONS
//   gw-deployed  all of the deployed gateway settings (rate limits still raised)
//   gateway/apollo with every scalar field of the paste (`*-wide`): the query's shape.
// Then one window against gw-limited, the deployed settings with the deployed rate limits: how many answers are 429.
import os from 'node:os';
import { spawnNode, waitReady, type ChildProc } from '../scripts/mesh/child-process.js';
import { HOT_ID, READ_ALL_SCALARS_QUERY, READ_QUERY, readBody } from './data.js';
import type { LoadKind } from './load.js';
import { freePorts, startMesh } from './mesh.js';
import { startOtlpSink } from './otlp-sink.js';
import { median } from './report.js';
import { LoadRunner, type Measurement } from './runner.js';
import { registerUsers } from './scenarios.js';
import { seedPastes } from './seed.js';
import { benchProc, type Proc } from './usage.js';

const quick = process.argv.includes('--quick');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? (quick ? 3 : 5));
const windows = { warmupS: 2, durationS: Number(process.env['BENCH_WINDOW_S'] ?? (quick ? 4 : 6)) };
const CONNECTIONS = 50;
const DEPLOYED_GATEWAY_OPTIONS = '--max-old-space-size=160 --v8-pool-size=1 --max-semi-space-size=16';

const mesh = await startMesh('mysql', console.log);
const runner = new LoadRunner();
const sink = await startOtlpSink();
const apollos: ChildProc[] = [];
try {
  const owners = await registerUsers(mesh.gateways.hot.url, 2);
  await seedPastes(mesh.store, { from: 0, to: 1000, owners, createdBase: Date.now() - 86_400_000, expiresAt: null });

  const otel10 = {
    OTEL_SERVICE_NAME: 'gateway',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  };
  const deployed = {
    ...otel10,
    LOG_LEVEL: 'info',
    TRUST_PROXY_HOPS: '1',
    MAX_CONNECTIONS_PER_IP: '0',
    GRAPHQL_INTROSPECTION: 'false',
    REQUEST_TIMEOUT_MS: '10000',
    HEADERS_TIMEOUT_MS: '5000',
  };
  const entry = 'gateway/dist/main.js';
  const gw = async (name: string, env: Record<string, string>) => ({
    name,
    url: (await mesh.addGateway(name, entry, { ...mesh.gatewayEnv.hot, ...env })).url,
  });
  const gateways = [
    { name: 'gateway', url: mesh.gateways.hot.url },
    await gw('gw-info', { LOG_LEVEL: 'info' }),
    await gw('gw-otel10', otel10),
    await gw('gw-deployed', deployed),
  ];
  const limited = await gw('gw-limited', {
    ...deployed,
    RATE_LIMIT_READS_PER_MIN: '1200',
    RATE_LIMIT_BAD_REQUESTS_PER_MIN: '60',
  });

  const apollo = async (name: string, env: Record<string, string | undefined>) => {
    const [port] = await freePorts(1);
    const proc = spawnNode(name, ['bench/baselines/apollo-alone.ts'], { PORT: String(port), ...env }, true);
    apollos.push(proc);
    await waitReady(proc, `http://127.0.0.1:${port}/`, 60_000, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: readBody(HOT_ID),
    });
    return { name, url: `http://127.0.0.1:${port}` };
  };
  const baselines = [
    await apollo('apollo', { NODE_ENV: 'production' }),
    await apollo('apollo-dev', { NODE_ENV: undefined }),
    await apollo('apollo-flags', { NODE_ENV: 'production', NODE_OPTIONS: DEPLOYED_GATEWAY_OPTIONS }),
  ];

  const narrow: LoadKind = { kind: 'read', query: READ_QUERY };
  const wide: LoadKind = { kind: 'read', query: READ_ALL_SCALARS_QUERY };
  // Both shapes must answer the same data from both sides before any load.
  for (const query of [READ_QUERY, READ_ALL_SCALARS_QUERY]) {
    const answers = await Promise.all(
      [mesh.gateways.hot.url, baselines[0]!.url].map(async (url) => {
        const res = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: readBody(HOT_ID, query),
        });
        const json = (await res.json()) as { data?: { paste?: Record<string, unknown> }; errors?: unknown };
        if (json.errors || !json.data?.paste) throw new Error(`${url}: ${JSON.stringify(json)}`);
        return Object.keys(json.data.paste).sort().join(',');
      }),
    );
    if (answers[0] !== answers[1]) throw new Error(`fields differ: ${answers[0]} vs ${answers[1]}`);
  }

  const targets = [
    ...gateways.map((g) => ({ ...g, proc: g.name, load: narrow })),
    ...baselines.map((b) => ({ ...b, proc: b.name, load: narrow })),
    { name: 'gateway-wide', url: mesh.gateways.hot.url, proc: 'gateway', load: wide },
    { name: 'apollo-wide', url: baselines[0]!.url, proc: 'apollo', load: wide },
  ];
  const procs = () => [...mesh.procs(), ...apollos, sink.proc, benchProc];
  const results = new Map<string, Measurement[]>();
  console.log(
    `\n${ROUNDS} rounds, ${windows.warmupS} s + ${windows.durationS} s windows, ${CONNECTIONS} connections; load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (let round = 0; round <= ROUNDS; round++) {
    // Round 0 warms every process and is not counted.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const t of order) {
      const m = await runner.measure(
        { scenario: 'gql-hot', target: t.name, round },
        t.url,
        t.load,
        CONNECTIONS,
        round === 0 ? { warmupS: 1, durationS: 2 } : windows,
        procs(),
      );
      if (round === 0) continue;
      results.set(t.name, [...(results.get(t.name) ?? []), m]);
      console.log(
        `  r${round} ${t.name.padEnd(13)} ${m.rps.toFixed(0).padStart(6)} req/s, p99 ${m.p99} ms, ${t.proc} ${m.cpuUsPerReq[t.proc]?.toFixed(0)} µs/req, bench ${m.cpuUsPerReq['bench']?.toFixed(0) ?? '?'} µs/req`,
      );
    }
  }
  const perRound = (name: string, over: string) => results.get(name)!.map((m, i) => m.rps / results.get(over)![i]!.rps);
  const fmt = (xs: number[]) =>
    `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
  console.log('\n| setting | req/s | × apollo (same round) | × gateway (same round) | CPU µs/req | p99 ms |');
  console.log('|---|---|---|---|---|---|');
  for (const t of targets) {
    const ms = results.get(t.name)!;
    const over = t.load === wide ? 'apollo-wide' : 'apollo';
    const overGw = t.load === wide ? 'gateway-wide' : 'gateway';
    console.log(
      `| ${t.name} | ${median(ms.map((m) => m.rps)).toFixed(0)} | ${fmt(perRound(t.name, over))} | ${fmt(perRound(t.name, overGw))} | ${median(ms.map((m) => m.cpuUsPerReq[t.proc] ?? NaN)).toFixed(0)} | ${median(ms.map((m) => m.p99))} |`,
    );
  }
  // Deployed apollo baselines against the deployed gateway: the independent run's two possible pairings.
  for (const b of ['apollo', 'apollo-dev', 'apollo-flags'])
    console.log(
      `gw-deployed × ${b}: ${fmt(perRound('gw-deployed', b))}; gateway × ${b}: ${fmt(perRound('gateway', b))}`,
    );

  const lim = await runner.measure(
    { scenario: 'gql-hot', target: 'gw-limited', round: 1 },
    limited.url,
    narrow,
    CONNECTIONS,
    windows,
    procs(),
  );
  console.log(
    `gw-limited (deployed rate limits, 1,200 reads a minute per address): ${lim.rps.toFixed(0)} req/s, ${lim.non2xx} of ${lim.requests} answers not 2xx, gateway ${lim.cpuUsPerReq['gw-limited']?.toFixed(0)} µs/req`,
  );
  console.log(`spans received: ${JSON.stringify((await sink.counts()).spans)}`);
} finally {
  runner.close();
  for (const p of apollos) await p.stop();
  await sink.proc.stop();
  await mesh.stop();
}
