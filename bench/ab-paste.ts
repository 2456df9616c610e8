// `npx tsx bench/ab-paste.ts <before-paste-svc-bundle> [scenario,...]`: before/after for paste-svc changes, as
// ab-gateway.ts is for the gateway. Starts the mesh from `*\/dist`, the `store` pair on a file store
// (`paste-svc-store` and `gateway-store`), and beside it the before build's paste-svc (`paste-svc-store-before`)
// on the same database, Redis and folder, behind a gateway of this build. Alternates after/before per scenario
// and round (default create-raw-s3: POST / of unique 1 KiB bodies) and prints req/s, p99 and paste-svc's CPU µs
// per request, all threads and the main thread alone (the file store's writes run on a thread of their own).
// The before bundle: e.g. `/tmp/pmbench-build-<commit>/paste-svc/dist/main.js` from snapshot-build.ts.
// Both run with paste-svc's deployed NODE_OPTIONS; BENCH_BEFORE_NODE_OPTIONS replaces the before build's (to
// A/B a flag with one bundle, as ab-gateway.ts does).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gatewayOf, startMesh } from './mesh.js';
import { median } from './report.js';
import { LoadRunner } from './runner.js';
import { registerUsers, scenarios } from './scenarios.js';
import { seedPastes } from './seed.js';

const before = path.resolve(process.argv[2] ?? '');
if (!process.argv[2] || !fs.existsSync(before)) throw new Error(`no paste-svc bundle at "${process.argv[2] ?? ''}"`);
const only = (process.argv[3] ?? 'create-raw-s3').split(',');
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 4);
const windows = { warmupS: 2, durationS: Number(process.env['BENCH_WINDOW_S'] ?? 5) };

const objects = fs.mkdtempSync(path.join(os.tmpdir(), 'pmbench-ab-objects-'));
const storeEnv = { CONTENT_STORE: pathToFileURL(objects).href };
const mesh = await startMesh('mysql', console.log);
const runner = new LoadRunner();
try {
  await mesh.addObjectStore(storeEnv);
  const flags = process.env['BENCH_BEFORE_NODE_OPTIONS'];
  const beforeEnv = flags === undefined ? storeEnv : { ...storeEnv, NODE_OPTIONS: flags };
  const beforeGateway = await mesh.addPasteBefore(beforeEnv, before);
  const owners = await registerUsers(mesh.gateways.hot.url, 10);
  await seedPastes(mesh.store, { from: 0, to: 1000, owners, createdBase: Date.now() - 86_400_000, expiresAt: null });
  const list = scenarios(1000).filter((s) => only.includes(s.name));
  const unknown = only.filter((name) => !list.some((s) => s.name === name && s.gateway === 'store'));
  if (unknown.length) throw new Error(`not scenarios of the store pair: ${unknown.join(', ')}`);
  const table: string[] = [];
  for (const s of list) {
    const urls = { after: gatewayOf(mesh, 'store').url, before: beforeGateway.url };
    const proc = { after: 'paste-svc-store', before: 'paste-svc-store-before' };
    const seen = {
      after: { rps: [] as number[], p99: [] as number[], us: [] as number[], mainUs: [] as number[], rss: 0 },
      before: { rps: [] as number[], p99: [] as number[], us: [] as number[], mainUs: [] as number[], rss: 0 },
    };
    await runner.alternate(
      s,
      urls,
      rounds,
      windows,
      () => mesh.procs(),
      (which, m, round) => {
        const name = proc[which];
        const us = m.cpuUsPerReq[name] ?? Number.NaN;
        const mainUs = ((m.usage.mainCpuMs[name] ?? Number.NaN) * 1000) / m.requests;
        const rss = m.usage.peakRssMiB[name] ?? 0;
        const b = seen[which];
        b.rps.push(m.rps);
        b.p99.push(m.p99);
        b.us.push(us);
        b.mainUs.push(mainUs);
        b.rss = Math.max(b.rss, rss);
        console.log(
          `r${round} ${s.name} ${which}: ${m.rps.toFixed(0)} req/s, p99 ${m.p99} ms, paste-svc ${us.toFixed(0)} µs/req (main thread ${mainUs.toFixed(0)}), RSS ${rss.toFixed(0)} MiB`,
        );
      },
    );
    const { after: a, before: b } = seen;
    table.push(
      `| ${s.name} (file store) | ${median(b.rps).toFixed(0)} → ${median(a.rps).toFixed(0)} | ${median(b.p99).toFixed(0)} → ${median(a.p99).toFixed(0)} | ${median(b.us).toFixed(0)} → ${median(a.us).toFixed(0)} | ${median(b.mainUs).toFixed(0)} → ${median(a.mainUs).toFixed(0)} | ${b.rss.toFixed(0)} → ${a.rss.toFixed(0)} |`,
    );
  }
  console.log(
    '\n| scenario | req/s before → after | p99 ms | paste-svc µs/req | of it main thread | peak RSS MiB |\n|---|---|---|---|---|---|',
  );
  console.log(table.join('\n'));
} finally {
  runner.close();
  await mesh.stop();
  fs.rmSync(objects, { recursive: true, force: true });
}
process.exit(0);
