// `npx tsx bench/ab-gateway.ts <before-bundle> [scenario,...]`: before/after for gateway changes. Runs two gateway
// builds against one mesh (MySQL + Redis), alternating after/before per scenario and round, and prints each
// one's req/s and gateway CPU µs per request (the number least disturbed by other tenants of the machine).
// Make the "before" bundle by building the old sources and copying gateway/dist to gateway/dist-before.
// Both run with the gateway's deployed NODE_OPTIONS; BENCH_BEFORE_NODE_OPTIONS replaces the before builds' (to
// compare flags, pass the same bundle twice).
import path from 'node:path';
import { registerUsers } from './scenarios.js';
import { scenarios } from './scenarios.js';
import { GATEWAY_PROC, gatewayOf, startMesh, type GatewayKind } from './mesh.js';
import { ROOT } from '../scripts/mesh/services.js';
import { median } from './report.js';
import { LoadRunner } from './runner.js';
import { seedPastes } from './seed.js';

const before = path.resolve(ROOT, process.argv[2] ?? 'gateway/dist-before/main.js');
const only = (process.argv[3] ?? 'raw-hot,gql-hot,gql-grpc,gql-db,list50').split(',');
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const windows = { warmupS: 2, durationS: Number(process.env['BENCH_WINDOW_S'] ?? 5) };

const mesh = await startMesh('mysql', console.log);
const runner = new LoadRunner();
try {
  const owners = await registerUsers(mesh.gateways.hot.url, 10);
  await seedPastes(mesh.store, { from: 0, to: 1000, owners, createdBase: Date.now() - 86_400_000, expiresAt: null });
  const flags: Record<string, string> =
    process.env['BENCH_BEFORE_NODE_OPTIONS'] === undefined
      ? {}
      : { NODE_OPTIONS: process.env['BENCH_BEFORE_NODE_OPTIONS'] };
  const list = scenarios(1000).filter((x) => only.includes(x.name));
  // The before build, wired as each kind of gateway the chosen scenarios load.
  const old = new Map<GatewayKind, { url: string }>();
  for (const kind of new Set(list.map((s) => s.gateway))) {
    old.set(
      kind,
      await mesh.addGateway(GATEWAY_PROC[kind].replace('gateway', 'gateway-before'), before, {
        ...mesh.gatewayEnv[kind],
        ...flags,
      }),
    );
  }
  const table: string[] = [];
  for (const s of list) {
    const after = { rps: [] as number[], us: [] as number[], rss: 0 };
    const prev = { rps: [] as number[], us: [] as number[], rss: 0 };
    const procName = {
      after: GATEWAY_PROC[s.gateway],
      before: GATEWAY_PROC[s.gateway].replace('gateway', 'gateway-before'),
    };
    const urls = { after: gatewayOf(mesh, s.gateway).url, before: old.get(s.gateway)!.url };
    await runner.alternate(
      s,
      urls,
      rounds,
      windows,
      () => mesh.procs(),
      (which, m, round) => {
        const bucket = which === 'after' ? after : prev;
        bucket.rps.push(m.rps);
        bucket.us.push(m.cpuUsPerReq[procName[which]] ?? NaN);
        const rss = m.usage.peakRssMiB[procName[which]];
        bucket.rss = Math.max(bucket.rss, rss ?? 0);
        console.log(
          `r${round} ${s.name} ${which}: ${m.rps.toFixed(0)} req/s, gateway ${m.cpuUsPerReq[procName[which]]?.toFixed(0)} µs/req, p99 ${m.p99} ms, RSS ${rss?.toFixed(0)} MiB`,
        );
      },
    );
    table.push(
      `| ${s.label} | ${median(prev.rps).toFixed(0)} | ${median(after.rps).toFixed(0)} | ${median(prev.us).toFixed(0)} | ${median(after.us).toFixed(0)} | ${((median(after.us) / median(prev.us) - 1) * 100).toFixed(0)}% | ${prev.rss.toFixed(0)} | ${after.rss.toFixed(0)} |`,
    );
  }
  console.log(
    '\n| scenario | before req/s | after req/s | before gateway µs/req | after gateway µs/req | CPU change | before peak RSS MiB | after peak RSS MiB |\n|---|---|---|---|---|---|---|---|',
  );
  console.log(table.join('\n'));
} finally {
  runner.close();
  await mesh.stop();
}
process.exit(0);
