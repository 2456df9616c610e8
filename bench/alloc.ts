// `npx tsx bench/alloc.ts [scenario,...] [--mode=embedded]`: how many bytes each gateway allocates per request,
// and where (by package and by allocation site), from V8's sampling heap profiler running in the gateway during
// each measured window (objects already freed counted too). Unlike CPU µs per request, which swings ±30%
// between rounds on this shared machine, bytes per request repeat to a few percent, so a change to the
// request path can be judged from one run; and allocation is what young-generation pauses (the 10-connection
// p99) are paid for. The profiler slows the gateway: req/s here are not comparable with `npm run bench`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GATEWAY_PROC, gatewayOf, startMesh, type Mode } from './mesh.js';
import type { Proc } from './usage.js';
import { LoadRunner } from './runner.js';
import { registerUsers, scenarios } from './scenarios.js';
import { seedPastes } from './seed.js';

const args = process.argv.slice(2);
const only = (args.find((a) => !a.startsWith('--')) ?? 'raw-hot,gql-hot-c10,gql-grpc,list50').split(',');
const mode = (args.find((a) => a.startsWith('--mode='))?.slice(7) ?? 'mysql') as Mode;
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 2);
const windows = { warmupS: 2, durationS: Number(process.env['BENCH_WINDOW_S'] ?? 5) };

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

const packageOf = (url: string) => {
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) {
    const module = url.slice(5);
    return module.startsWith('internal/') ? 'node:internal' : module.startsWith('_http_') ? 'node:http' : url;
  }
  return url.includes('/dist/') ? 'app' : url || '(native)';
};

/** Bytes by package of the innermost frame with a script, and by allocation site. */
function summarise(head: HeapNode): { total: number; byPackage: Map<string, number>; bySite: Map<string, number> } {
  const byPackage = new Map<string, number>();
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, owner: string) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const here = url ? packageOf(url) : owner;
    total += node.selfSize;
    byPackage.set(here, (byPackage.get(here) ?? 0) + node.selfSize);
    const site = `${functionName || '(anon)'} ${here === 'app' ? url.replace(/.*\/(\w[\w-]*)\/dist\//, '$1/dist/') : here}:${lineNumber + 1}`;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    for (const c of node.children) walk(c, here);
  };
  walk(head, '(native)');
  return { total, byPackage, bySite };
}

/** Starts sampling in `pid` (through heap-sampler.cjs's control file); the function returned stops it and reads the profile. */
function startSampling(dir: string, proc: Proc, n: number): () => Promise<HeapNode> {
  const { pid } = proc;
  const control = path.join(dir, `${pid}.ctl`);
  fs.writeFileSync(control, `start ${n}`);
  return async () => {
    fs.writeFileSync(control, `stop ${n}`);
    const file = path.join(dir, `${pid}-${n}.heapprofile`);
    for (let i = 0; i < 600 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    if (!fs.existsSync(file))
      throw new Error(
        `no heap profile from ${proc.name} after 60 s (exit code ${proc.child.exitCode}, signal ${proc.child.signalCode}); it last wrote:\n${proc.tail()}`,
      );
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { head?: HeapNode; error?: string };
    if (!profile.head) throw new Error(`heap sampling failed in ${pid}: ${profile.error}`);
    return profile.head;
  };
}

const top = (m: Map<string, number>, n: number, per: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${(v / per / 1024).toFixed(1).padStart(6)} KB  ${k}`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-alloc-'));
process.env['BENCH_HEAP_SAMPLE'] = Object.values(GATEWAY_PROC).join(',');
process.env['BENCH_HEAP_SAMPLE_DIR'] = dir;
const mesh = await startMesh(mode, console.log);
const runner = new LoadRunner();
try {
  const owners = await registerUsers(mesh.gateways.hot.url, 10);
  await seedPastes(mesh.store, { from: 0, to: 1000, owners, createdBase: Date.now() - 86_400_000, expiresAt: null });
  const lines: string[] = [];
  let samples = 0;
  for (const s of scenarios(1000).filter((x) => only.includes(x.name) && !x.rate)) {
    const name = GATEWAY_PROC[s.gateway];
    const proc = mesh.procs().find((p) => p.name === name)!;
    const { url } = gatewayOf(mesh, s.gateway);
    const perRound: number[] = [];
    let last: ReturnType<typeof summarise> | undefined;
    let lastRequests = 1;
    for (let round = 1; round <= rounds; round++) {
      let stop: (() => Promise<HeapNode>) | undefined;
      const m = await runner.measure(
        { scenario: s.name, target: name, round },
        url,
        s.load,
        s.connections,
        windows,
        [proc],
        () => {
          stop = startSampling(dir, proc, ++samples);
        },
      );
      last = summarise(await stop!());
      lastRequests = Math.max(1, m.requests);
      perRound.push(last.total / lastRequests);
      console.log(
        `  r${round} ${s.name.padEnd(12)} ${name.padEnd(12)} ${(last.total / lastRequests / 1024).toFixed(1)} KB/request over ${m.requests} requests`,
      );
    }
    lines.push(`\n${s.label} (${name}): ${perRound.map((b) => (b / 1024).toFixed(1)).join(' / ')} KB per request`);
    lines.push('  by package (last round):', ...top(last!.byPackage, 12, lastRequests).map((l) => '  ' + l));
    lines.push('  by allocation site:', ...top(last!.bySite, 15, lastRequests).map((l) => '  ' + l));
  }
  console.log(lines.join('\n'));
} finally {
  runner.close();
  await mesh.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
