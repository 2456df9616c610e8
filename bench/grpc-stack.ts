// `npx tsx bench/grpc-stack.ts [--quick]`: the gRPC stack micro-benchmark. 1 KiB unary (GetPaste answering a
// fixed 1 KiB paste from memory), 50 calls in flight, compression off, no interceptors: the stacks alone.
//   grpc-js:  the kit's grpc-js server binding  ←  the kit's grpc-js Transport under Connect's typed client
//   connect:  connect-node on http2 (h2c)        ←  connect-node's gRPC transport (HTTP/2)
// Each server and each client is its own process; CPU per call comes from /proc (servers) and
// process.cpuUsage (clients). Stacks alternate over the rounds; medians with min–max are printed.
import http2 from 'node:http2';
import path from 'node:path';
import { fork } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { createClient, type ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter, createGrpcTransport as createConnectTransport } from '@connectrpc/connect-node';
import { PasteService, Visibility } from '@pastemesh/gen/paste';
import { addServiceToGrpcServer, createGrpcTransport } from '@pastemesh/kit/rpc';
import { pasteContent } from './data.js';
import { spawnNode } from '../scripts/mesh/child-process.js';
import { ROOT } from '../scripts/mesh/services.js';
import { freePorts } from './mesh.js';
import { cpuMs } from './usage.js';
import { median } from './report.js';

type Stack = 'grpc-js' | 'connect';
const IN_FLIGHT = 50;

/** GetPaste answers one 1 KiB paste; every other method is unused here. */
function impl(): ServiceImpl<typeof PasteService> {
  const paste = {
    id: 'B0000000000',
    content: pasteContent(0),
    contentIncluded: true,
    visibility: Visibility.PUBLIC,
    version: 1,
    latestVersion: 1,
  };
  return new Proxy({} as ServiceImpl<typeof PasteService>, {
    get: (_, name) => (name === 'getPaste' ? async () => ({ paste }) : async () => ({})),
  });
}

async function serve(stack: Stack, port: number): Promise<void> {
  if (stack === 'grpc-js') {
    const server = new grpc.Server();
    addServiceToGrpcServer(server, { service: PasteService, impl: impl() }, [], new AbortController().signal);
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  } else {
    const handler = connectNodeAdapter({ routes: (r) => r.service(PasteService, impl()), acceptCompression: [] });
    await new Promise<void>((resolve) => http2.createServer(handler).listen(port, '127.0.0.1', resolve));
  }
  process.send!({ ready: true });
}

/** Keeps IN_FLIGHT calls going for `seconds` after a 1 s warm-up; reports calls/s and client CPU per call. */
async function drive(stack: Stack, port: number, seconds: number): Promise<{ callsPerS: number; clientUs: number }> {
  const transport =
    stack === 'grpc-js'
      ? createGrpcTransport({ address: `127.0.0.1:${port}` })
      : createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, acceptCompression: [] });
  const client = createClient(PasteService, transport);
  const run = async (ms: number) => {
    const until = Date.now() + ms;
    let calls = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (Date.now() < until) {
          const res = await client.getPaste({ id: 'B0000000000' });
          if (res.paste?.content.length !== 1024) throw new Error('bad reply');
          calls++;
        }
      }),
    );
    return calls;
  };
  await run(1_000);
  process.send?.({ type: 'measuring' });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const calls = await run(seconds * 1_000);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if ('close' in transport) (transport as { close(): void }).close();
  return { callsPerS: calls / elapsed, clientUs: (cpu.user + cpu.system) / calls };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const rounds = quick ? 1 : 5;
  const seconds = quick ? 3 : 6;
  const [grpcPort, connectPort] = await freePorts(2);
  const ports: Record<Stack, number> = { 'grpc-js': grpcPort!, connect: connectPort! };
  const servers = Object.fromEntries(
    (['grpc-js', 'connect'] as Stack[]).map((s) => [
      s,
      spawnNode(`server-${s}`, ['bench/grpc-stack.ts', 'serve', s, String(ports[s])], {}, true),
    ]),
  ) as Record<Stack, ReturnType<typeof spawnNode>>;
  await Promise.all(Object.values(servers).map((p) => new Promise((r) => p.child.once('message', r))));
  const results: Record<Stack, { callsPerS: number; clientUs: number; serverUs: number }[]> = {
    'grpc-js': [],
    connect: [],
  };
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const stack of ['grpc-js', 'connect'] as Stack[]) {
        const client = fork(
          path.join(ROOT, 'bench', 'grpc-stack.ts'),
          ['drive', stack, String(ports[stack]), String(seconds)],
          {
            execArgv: ['--import', 'tsx'],
          },
        );
        const before = { at: 0, cpu: 0 };
        const r = await new Promise<{ callsPerS: number; clientUs: number; calls: number }>((resolve, reject) => {
          client.on(
            'message',
            (msg: { type: string; result?: { callsPerS: number; clientUs: number; calls: number } }) => {
              if (msg.type === 'measuring')
                Object.assign(before, { at: performance.now(), cpu: cpuMs(servers[stack].pid) });
              if (msg.type === 'result')
                resolve({ ...msg.result!, calls: msg.result!.callsPerS * ((performance.now() - before.at) / 1000) });
            },
          );
          client.once('exit', (code) => (code ? reject(new Error(`client exited ${code}`)) : undefined));
        });
        const serverUs = ((cpuMs(servers[stack].pid) - before.cpu) * 1000) / r.calls;
        results[stack].push({ callsPerS: r.callsPerS, clientUs: r.clientUs, serverUs });
        console.log(
          `r${round} ${stack.padEnd(8)} ${r.callsPerS.toFixed(0).padStart(6)} calls/s, client ${r.clientUs.toFixed(0)} µs/call, server ${serverUs.toFixed(0)} µs/call`,
        );
        client.kill();
      }
    }
  } finally {
    for (const p of Object.values(servers)) await p.stop();
  }
  const fmt = (xs: number[]) =>
    `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  console.log('\n| stack | calls/s | client CPU µs/call | server CPU µs/call |\n|---|---|---|---|');
  for (const s of ['grpc-js', 'connect'] as Stack[]) {
    const r = results[s];
    console.log(
      `| ${s} | ${fmt(r.map((x) => x.callsPerS))} | ${fmt(r.map((x) => x.clientUs))} | ${fmt(r.map((x) => x.serverUs))} |`,
    );
  }
  const ratio = results['grpc-js'].map((x, i) => x.callsPerS / results.connect[i]!.callsPerS);
  console.log(
    `grpc-js / connect calls/s: ${median(ratio).toFixed(2)}× (${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)})`,
  );
}

const [role, stack, port, seconds] = process.argv.slice(2);
if (role === 'serve') await serve(stack as Stack, Number(port));
else if (role === 'drive') {
  const result = await drive(stack as Stack, Number(port), Number(seconds));
  process.send!({ type: 'result', result });
  process.exit(0);
} else await main().then(() => process.exit(0));
