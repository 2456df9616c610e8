// `npx tsx bench/security-headers.ts`: what the gateway's security headers cost per request, on a route as
// cheap as a hot raw read (1 KiB of text from memory) so the headers are a visible share:
//   once:        the gateway's way: helmet works the headers out at start-up, one callback hook sets them
//   per-request: @fastify/helmet's way: an async onRequest hook runs helmet's middleware on every request
//                (measured with the plugin itself on 2026-12-06: 47 vs 73 µs CPU per request, 0.65x req/s)
// Each server is its own process, loaded by autocannon from this one (10 connections); the variants alternate
// over rounds; CPU per request is the server's own process.cpuUsage. Prints medians and the ratio.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import helmet from 'helmet';
import { registerSecurityHeaders } from '../gateway/src/http/security-headers.js';

type Variant = 'once' | 'per-request';
const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const SECONDS = Number(process.env['SECONDS'] ?? 5);
const BODY = 'x'.repeat(1024);

async function serve(variant: Variant): Promise<void> {
  const app = Fastify();
  if (variant === 'once') registerSecurityHeaders(app);
  else {
    const middleware = helmet();
    app.addHook(
      'onRequest',
      (req, reply) =>
        new Promise<void>((resolve) =>
          middleware(req.raw as IncomingMessage, reply.raw as ServerResponse, () => resolve()),
        ),
    );
  }
  app.get('/raw', async (_req, reply) => reply.type('text/plain; charset=utf-8').send(BODY));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  let since = process.cpuUsage();
  process.on('message', (m: string) => {
    if (m === 'reset') since = process.cpuUsage();
    if (m === 'cpu') {
      const used = process.cpuUsage(since);
      process.send!({ cpuMs: (used.user + used.system) / 1000 });
    }
  });
  process.send!({ port });
}

function load(port: number, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) =>
    autocannon({ url: `http://127.0.0.1:${port}/raw`, connections: 10, duration: seconds }, (err, result) =>
      err ? reject(err) : resolve(result),
    ),
  );
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(message);
  });
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const results: Record<Variant, { rps: number[]; cpuUs: number[] }> = {
    once: { rps: [], cpuUs: [] },
    'per-request': { rps: [], cpuUs: [] },
  };
  const children = {} as Record<Variant, { child: ChildProcess; port: number }>;
  for (const variant of ['once', 'per-request'] as const) {
    const child = fork(self, ['--serve', variant], { execArgv: ['--import', 'tsx'] });
    const { port } = await new Promise<{ port: number }>((resolve) =>
      child.once('message', (m) => resolve(m as { port: number })),
    );
    children[variant] = { child, port };
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of (round % 2 ? ['per-request', 'once'] : ['once', 'per-request']) as Variant[]) {
      const { child, port } = children[variant];
      await load(port, 1); // warm-up
      child.send('reset');
      const run = await load(port, SECONDS);
      const { cpuMs } = await ask<{ cpuMs: number }>(child, 'cpu');
      results[variant].rps.push(run.requests.average);
      results[variant].cpuUs.push((cpuMs * 1000) / run.requests.total);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const variant of ['once', 'per-request'] as const) {
    console.log(
      `${variant.padEnd(13)} ${median(results[variant].rps).toFixed(0)} req/s, ${median(results[variant].cpuUs).toFixed(1)} µs CPU per request (median of ${ROUNDS})`,
    );
  }
  const ratio = (key: 'rps' | 'cpuUs') => (median(results['per-request'][key]) / median(results.once[key])).toFixed(2);
  console.log(`per-request / once: req/s ${ratio('rps')}x, CPU per request ${ratio('cpuUs')}x`);
  for (const { child } of Object.values(children)) child.kill();
}

if (process.argv[2] === '--serve') await serve(process.argv[3] as Variant);
else await main();
