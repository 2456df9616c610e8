// `npx tsx bench/content-store.ts`: what CONTENT_STORE costs on one machine (the embedded default, SQLite),
// to choose the default: paste-svc in this process with its content in the table (`database`), in files
// (`file:///…`) and in a local S3-protocol server (s3rver, the stand-in for MinIO/Garage on the same machine).
// Per round and store (order rotated each round): CONCURRENCY clients create WINDOW_MS of unique 1 KiB pastes
// over gRPC, then read each created paste once (every read a cache miss: fresh ids, in-process cache only).
// Prints creates/s and cold reads/s, medians over rounds, and ratios to `database` within each round.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PasteService } from '@pastemesh/gen/paste';
import { createLogger } from '../kit/src/observability/logger.js';
import { createServiceClient } from '../kit/src/rpc/clients.js';
import { createApp } from '../paste-svc/src/app.js';
import { loadPasteConfig } from '../paste-svc/src/config.js';
import { startTestS3 } from '../paste-svc/src/testing/s3.js';

const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
const WINDOW_MS = Number(process.env['WINDOW_MS'] ?? 4_000);
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? 16);
const body = (i: number) => Buffer.from(`${i} ${Math.random()} `.padEnd(1024, 'x'));

type Store = 'database' | 'file' | 's3';

async function measure(store: Store, s3env: Record<string, string>): Promise<{ creates: number; reads: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-bench-store-'));
  const storeEnv =
    store === 'database'
      ? {}
      : store === 'file'
        ? { CONTENT_STORE: pathToFileURL(path.join(dir, 'objects')).href }
        : s3env;
  const config = loadPasteConfig({
    HOST: '127.0.0.1',
    GRPC_PORT: '0',
    CONNECT_PORT: '0',
    ADMIN_PORT: '0',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    SWEEP_ENABLED: 'false',
    AUTH_SVC_URL: '127.0.0.1:1',
    ANALYTICS_SVC_URL: '127.0.0.1:1',
    OTEL_SDK_DISABLED: 'true',
    ...storeEnv,
  });
  const app = createApp(config, {
    logger: createLogger('bench', 'silent'),
    events: { recordPasteEvent() {} },
    jwks: async () => ({ keys: [] }),
  });
  const ports = await app.start();
  const { client, close } = createServiceClient(PasteService, { address: `127.0.0.1:${ports.grpc}` });
  try {
    const ids: string[] = [];
    let n = 0;
    const until = performance.now() + WINDOW_MS;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) ids.push((await client.createPaste({ content: body(n++) })).paste!.id);
      }),
    );
    const creates = ids.length / ((performance.now() - started) / 1000);
    let next = 0;
    const readStart = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ids.length) await client.getPaste({ id: ids[next++]! });
      }),
    );
    const reads = ids.length / ((performance.now() - readStart) / 1000);
    return { creates, reads };
  } finally {
    close();
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const s3 = await startTestS3('bench');
const stores: Store[] = ['database', 'file', 's3'];
const results: Record<Store, { creates: number; reads: number }[]> = { database: [], file: [], s3: [] };
const ratios: Record<Store, { creates: number[]; reads: number[] }> = {
  database: { creates: [], reads: [] },
  file: { creates: [], reads: [] },
  s3: { creates: [], reads: [] },
};
try {
  await measure('database', s3.env); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = stores.map((_, i) => stores[(i + round) % stores.length]!);
    const inRound = {} as Record<Store, { creates: number; reads: number }>;
    for (const store of order) inRound[store] = await measure(store, s3.env);
    for (const store of stores) {
      results[store].push(inRound[store]);
      ratios[store].creates.push(inRound[store].creates / inRound.database.creates);
      ratios[store].reads.push(inRound[store].reads / inRound.database.reads);
    }
    console.error(`round ${round + 1}/${ROUNDS} done`);
  }
} finally {
  await s3.cleanup();
}
console.log(`CONTENT_STORE on one machine (SQLite, ${CONCURRENCY} clients, 1 KiB pastes, ${ROUNDS} rounds)`);
console.log('store     creates/s  ×database   cold reads/s  ×database');
for (const store of stores) {
  const c = median(results[store].map((r) => r.creates));
  const r = median(results[store].map((x) => x.reads));
  console.log(
    `${store.padEnd(9)} ${c.toFixed(0).padStart(9)}  ${median(ratios[store].creates).toFixed(2).padStart(9)}   ${r
      .toFixed(0)
      .padStart(12)}  ${median(ratios[store].reads).toFixed(2).padStart(9)}`,
  );
}
