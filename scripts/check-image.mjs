#!/usr/bin/env node
// What the one Dockerfile does for a service, checked without a Docker engine (.ci/checks): lay out the
// image's /app with `build-service.mjs --image` (stage 1), give it this checkout's node_modules in place of
// stage 2's `npm install --omit=dev`, then run the runtime stage's CMD (`node --enable-source-maps .`) there, as
// the image would: NODE_ENV=production and nothing writable but DATA_DIR. Passes when the service listens,
// answers /healthz on its admin port, and exits 0 on SIGTERM; proves the layout holds everything it reads at
// start-up (bundle, source map, the gateway's schema and web client) and that "main" names the bundle.
// Usage: node scripts/check-image.mjs <service> [...]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function check(service) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `pm-image-${service}-`));
  const app = path.join(work, 'app');
  const data = path.join(work, 'data');
  fs.mkdirSync(data);
  let output = '';
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-service.mjs'), '--image', app, service], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATA_DIR: data,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      HTTP_PORT: '0',
      GRPC_PORT: '0',
      CONNECT_PORT: '0',
      ADMIN_PORT: '0',
    };
    const child = spawn(process.execPath, ['--enable-source-maps', '.'], {
      cwd: app,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    child.stderr.on('data', (d) => (output += d));
    const ports = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${service}: no "listening" line in 60 s`)), 60_000);
      child.stdout.on('data', (d) => {
        output += d;
        const line = output.split('\n').find((l) => l.includes('listening') && l.includes('"ports"'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line).ports);
        }
      });
      void exited.then((code) => reject(new Error(`${service} exited (${code}) before listening`)));
    });
    const health = await fetch(`http://127.0.0.1:${ports.admin}/healthz`).then((r) => r.status);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    const code = await exited;
    if (health !== 200 || code !== 0) throw new Error(`${service}: /healthz ${health}, exit ${code}`);
    console.log(`image: ${service} starts from its layout (node .), /healthz 200, exit 0 on SIGTERM`);
  } catch (err) {
    console.error(output.split('\n').slice(-20).join('\n'));
    throw err;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const services = process.argv.slice(2);
if (services.length === 0) throw new Error('usage: node scripts/check-image.mjs <service> [...]');
for (const service of services) await check(service);
