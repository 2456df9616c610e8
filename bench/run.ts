// `npm run bench` / `npm run bench:quick`: starts the mesh as separate processes (MySQL + Redis, then the
// embedded default), seeds it, and runs every scenario alternating with its baseline (bare node:http or
// Apollo alone, started here too) over several rounds; then the 1M-paste scale and the sweeper windows.
// Prints the ratio table and target checks; writes every window's raw numbers to bench/results/*.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createContentStore, type ContentStore } from '../paste-svc/src/content/content-store.js';
import { MiB, capBufferPool, fitBufferPool, growBufferPool, innodbReads, type PoolFit } from './buffer-pool.js';
import { HOT_ID, expiredId, readBody } from './data.js';
import { spawnNode, waitReady } from '../scripts/mesh/child-process.js';
import { ROOT, SERVICES } from '../scripts/mesh/services.js';
import {
  DATABASES,
  GATEWAY_PROC,
  MYSQL_SERVER,
  OBJECT_STORE_PASTE_PROC,
  STORE_PASTE_PROC,
  freePorts,
  gatewayOf,
  startMesh,
  type Mesh,
  type Mode,
  type ObjectStorePair,
} from './mesh.js';
import { median, rows, rssTable, table, target, type Row } from './report.js';
import { LoadRunner, type Measurement, type Windows } from './runner.js';
import {
  baselineLoad,
  downstreamCalls,
  PACED_RATE,
  preflight,
  preflightRawCreates,
  preflightStoreReads,
  registerUsers,
  SAME_ANSWER,
  giveRawAnswerHeaders,
  scenarios,
  type Baseline,
  type Scenario,
} from './scenarios.js';
import { countExpired, makeObjectFolders, seedPastes, type PasteStore } from './seed.js';
import { buildSnapshot, builtAt, type Snapshot } from './snapshot-build.js';
import { serverProcs, type Proc } from './usage.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const modeArg = [...args].find((a) => a.startsWith('--mode='))?.slice(7);
const onlyArg = [...args]
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const MODES: Mode[] = modeArg ? [modeArg as Mode] : ['mysql', 'embedded'];
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? (quick ? 1 : 3));
const WINDOWS: Windows = {
  warmupS: Number(process.env['BENCH_WARMUP_S'] ?? (quick ? 1 : 3)),
  durationS: Number(process.env['BENCH_WINDOW_S'] ?? (quick ? 3 : 8)),
};
/** A paced window holds at least this many requests, so its p99 is not simply its slowest answer. */
const PACED_MIN_REQUESTS = quick ? 300 : 600;
const windowsFor = (s: Scenario): Windows =>
  s.rate ? { ...WINDOWS, durationS: Math.max(WINDOWS.durationS, PACED_MIN_REQUESTS / s.rate) } : WINDOWS;
const SMALL = 1_000;
const LARGE = Number(process.env['BENCH_LARGE'] ?? 1_000_000);
const LARGE_TAG = LARGE >= 1e6 ? `@${LARGE / 1e6}M` : `@${LARGE / 1e3}k`;
const EXPIRED = quick ? 10_000 : 100_000;
/**
 * The 1M phase runs with the buffer pool sized to the paste tables, as the README tells operators (`fit`, the
 * default), or at whatever the server has (`server`: at MariaDB's 128 MiB the 1M DB read measures the disk).
 */
const BUFFER_POOL = process.env['BENCH_BUFFER_POOL'] ?? 'fit';
if (BUFFER_POOL !== 'fit' && BUFFER_POOL !== 'server')
  throw new Error(`BENCH_BUFFER_POOL must be fit or server, not ${BUFFER_POOL}`);
/**
 * With `fit`, the create windows also run with a pool that holds what they write (~0.9 GB after three full
 * rounds, half of it the floor's table), as an operator sizes it. At the server's 128 MiB the tables outgrow
 * the pool in the first round, and every insert into a random-key B-tree (the floor has one, a create five)
 * starts to wait on the disk, more with each round (bench/README.md, "The create windows' buffer pool").
 */
const CREATE_POOL_MIB = 2048;
/**
 * BENCH_FILE_STORE (with BENCH_OBJECT_STORE=file): `in-use` (default), the store's folders made beforehand, as
 * a store that has held a few hundred thousand objects has them; `new`, an empty folder, where nearly every
 * write of the run also makes its object's folder.
 */
const FILE_STORE = process.env['BENCH_FILE_STORE'] ?? 'in-use';
if (FILE_STORE !== 'in-use' && FILE_STORE !== 'new')
  throw new Error(`BENCH_FILE_STORE must be in-use or new, not ${FILE_STORE}`);
/** The pool during the 1M phase; shown beside the 1M DB-read verdict. */
let pool: PoolFit | undefined;
/**
 * The DB read with content in a file store (gql-db-store) runs at 1k and 1M with the buffer pool held at this
 * size (the issue's ≤ 512 MiB), whatever the server has.
 */
const STORE_POOL_MIB = Number(process.env['BENCH_STORE_POOL_MIB'] ?? 512);
/** The pool during gql-db-store's phases, at 1k and at 1M (with the 1M tables' sizes). */
const storePool: { small?: PoolFit; large?: PoolFit } = {};
const SWEEP_WINDOW_S = quick ? 5 : 15;
/**
 * BENCH_BUNDLES: the services run bundles built apart from the working tree (`HEAD`: built now from HEAD by
 * snapshot-build.ts; a folder: bundles already built there in its layout), so another engineer's rebuild of
 * `*\/dist` from unfinished sources cannot start under a run. Unset: `*\/dist`, built first unless BENCH_SKIP_BUILD.
 */
const BUNDLES = process.env['BENCH_BUNDLES'];
/**
 * BENCH_OBJECT_STORE: what the `store` pair (create-raw-s3) keeps content in: `s3rver` (default; an S3-protocol
 * server in a process of its own on the same cores) or `file` (paste-svc's file store: objects as files, no
 * second server), to tell the object store's own cost from paste-svc's.
 */
const OBJECT_STORE = process.env['BENCH_OBJECT_STORE'] ?? 's3rver';
if (OBJECT_STORE !== 's3rver' && OBJECT_STORE !== 'file')
  throw new Error(`BENCH_OBJECT_STORE must be s3rver or file, not ${OBJECT_STORE}`);
const bundles: Snapshot | undefined = !BUNDLES ? undefined : BUNDLES === 'HEAD' ? buildSnapshot() : builtAt(BUNDLES);
const log = (line: string) => console.log(line);

async function startBaselines(): Promise<{ procs: Proc[]; bare: string; apollo: string }> {
  const [barePort, apolloPort] = await freePorts(2);
  const logDir = process.env['BENCH_PROC_LOG_DIR'];
  const bare = spawnNode('bare-http', ['bench/baselines/bare-http.ts'], { PORT: String(barePort) }, true, logDir);
  const apollo = spawnNode(
    'apollo-alone',
    ['bench/baselines/apollo-alone.ts'],
    { PORT: String(apolloPort), NODE_ENV: 'production' },
    true,
    logDir,
  );
  await waitReady(bare, `http://127.0.0.1:${barePort}/`);
  await waitReady(apollo, `http://127.0.0.1:${apolloPort}/`, 60_000, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: readBody(HOT_ID),
  });
  return { procs: [bare, apollo], bare: `http://127.0.0.1:${barePort}`, apollo: `http://127.0.0.1:${apolloPort}` };
}

/**
 * The create floor (bench/baselines/mysql-insert.ts) on its own table in the bench's `pmbench_floor` database
 * (made and dropped with the mesh's).
 */
async function startFloor(): Promise<{ proc: Proc; url: string }> {
  const [port] = await freePorts(1);
  const db = new URL(MYSQL_SERVER);
  db.pathname = `/${DATABASES.floor}`;
  const proc = spawnNode(
    'mysql-insert',
    ['bench/baselines/mysql-insert.ts'],
    { PORT: String(port), MYSQL_URL: db.toString() },
    true,
    process.env['BENCH_PROC_LOG_DIR'],
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(proc, `${url}/`);
  return { proc, url };
}

/** s3rver in its own process (bench/s3-server.ts); resolves with the settings paste-svc needs to use it. */
async function startS3rver(): Promise<{ proc: Proc; env: Record<string, string> }> {
  const proc = spawnNode('s3rver', ['bench/s3-server.ts'], {}, true, process.env['BENCH_PROC_LOG_DIR']);
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver not ready after 30 s:\n${proc.tail()}`)), 30_000);
    proc.child.once('message', (msg: { env?: Record<string, string> }) => {
      clearTimeout(timer);
      if (msg.env) resolve(msg.env);
      else reject(new Error(`s3rver sent no settings: ${JSON.stringify(msg)}`));
    });
    proc.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (${code}) during start-up:\n${proc.tail()}`));
    });
  });
  return { proc, env };
}

interface Ctx {
  mesh: Mesh;
  runner: LoadRunner;
  baselines: Awaited<ReturnType<typeof startBaselines>>;
  /** The create floor's address, in MySQL mode when a scenario needs it. */
  floor: string | undefined;
  /** Processes this mode started besides the mesh and the baselines (the floor, s3rver): measured too. */
  extra: Proc[];
  runs: Measurement[];
}

function baselineUrl(ctx: Ctx, baseline: Baseline): string {
  if (baseline === 'bare-http') return ctx.baselines.bare;
  if (baseline === 'apollo-alone') return ctx.baselines.apollo;
  if (!ctx.floor) throw new Error('the create floor runs in MySQL mode only');
  return ctx.floor;
}

/** MariaDB and Redis, measured in the MySQL mode only (the embedded mode uses neither). */
const externalProcs = (mode: Mode): Proc[] => (mode === 'mysql' ? serverProcs() : []);

const procsOf = (ctx: Ctx) => [
  ...ctx.mesh.procs(),
  ...ctx.baselines.procs,
  ...ctx.extra,
  ...externalProcs(ctx.mesh.mode),
];

/** Scenario, then its baseline, round after round (A, B, A, B…). */
async function alternate(ctx: Ctx, list: Scenario[], tag = ''): Promise<void> {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of list) {
      const { url, admin } = gatewayOf(ctx.mesh, s.gateway);
      const name = s.name + tag;
      let before: Promise<Record<string, number>> | undefined;
      // DB reads: how many of InnoDB's page reads went to the disk (Innodb_buffer_pool_reads) in the window.
      const pages = ctx.mesh.mode === 'mysql' && s.load.kind === 'read-random';
      let pagesBefore: ReturnType<typeof innodbReads> | undefined;
      const m = await ctx.runner.measure(
        { scenario: name, target: s.gateway, round },
        url,
        s.load,
        s.connections,
        windowsFor(s),
        procsOf(ctx),
        () => {
          before = downstreamCalls(admin);
          if (pages) pagesBefore = innodbReads(MYSQL_SERVER);
        },
        s.rate,
      );
      // Downstream calls per request in the measured window (batching shows as < 1).
      const after = await downstreamCalls(admin);
      const start = (await before) ?? {};
      const delta = (k: string) => (after[k] ?? 0) - (start[k] ?? 0);
      const methods = Object.keys(after).filter((k) => !k.endsWith(' s') && delta(k) / m.requests > 0.001);
      const pagesAfter = pages ? await innodbReads(MYSQL_SERVER) : undefined;
      const pagesStart = await pagesBefore;
      m.extra = {
        callsPerRequest: Object.fromEntries(methods.map((k) => [k, delta(k) / m.requests])),
        meanCallMs: Object.fromEntries(methods.map((k) => [k, (1000 * delta(`${k} s`)) / delta(k)])),
        ...(pagesAfter && pagesStart
          ? {
              innodbDiskReadsPerRequest: (pagesAfter.disk - pagesStart.disk) / m.requests,
              innodbPageReadsPerRequest: (pagesAfter.logical - pagesStart.logical) / m.requests,
            }
          : {}),
      };
      const baseUrl = baselineUrl(ctx, s.baseline);
      const b = await ctx.runner.measure(
        { scenario: name, target: 'baseline', round },
        baseUrl,
        baselineLoad(s),
        s.connections,
        windowsFor(s),
        procsOf(ctx),
        undefined,
        s.rate,
      );
      ctx.runs.push(m, b);
      const same = s.sameAnswerBaseline
        ? await ctx.runner.measure(
            { scenario: name + SAME_ANSWER, target: 'baseline', round },
            baseUrl,
            s.sameAnswerBaseline,
            s.connections,
            windowsFor(s),
            procsOf(ctx),
            undefined,
            s.rate,
          )
        : undefined;
      if (same) ctx.runs.push(same);
      const disk = m.extra['innodbDiskReadsPerRequest'];
      log(
        `  r${round} ${name.padEnd(18)} ${m.rps.toFixed(0).padStart(6)} req/s p99 ${m.p99.toFixed(1)} ms | ${s.baseline} ${b.rps.toFixed(0)} req/s → ${(m.rps / b.rps).toFixed(3)}×` +
          (same ? ` | same answer ${same.rps.toFixed(0)} req/s → ${(m.rps / same.rps).toFixed(3)}×` : '') +
          (typeof disk === 'number'
            ? ` | InnoDB per read: ${disk.toFixed(3)} disk, ${(m.extra['innodbPageReadsPerRequest'] as number).toFixed(1)} pages`
            : ''),
      );
    }
  }
}

/**
 * Read p99 with the sweeper off, then while it works through `EXPIRED` expired pastes (seeded once; paste-svc
 * is restarted with the sweeper off or on before each window). The sweeper runs rounds back to back (every
 * 500 ms, 2,000 per round) at its default duty cycle, so every "on" window really overlaps deletions; its
 * rate is reported.
 */
async function sweeperPhase(ctx: Ctx, seeded: number): Promise<void> {
  const read: Scenario = scenarios(seeded).find((s) => s.name === 'gql-db')!;
  const at = Date.now();
  const secs = await seedPastes(ctx.mesh.store, {
    from: 0,
    to: EXPIRED,
    id: expiredId,
    contentBase: 100_000_000,
    owners: [],
    createdBase: at - 7 * 86_400_000,
    expiresAt: at - 3_600_000,
  });
  log(`  seeded ${EXPIRED} expired pastes in ${secs.toFixed(1)} s`);
  const window = { warmupS: WINDOWS.warmupS, durationS: SWEEP_WINDOW_S };
  for (let round = 1; round <= ROUNDS; round++) {
    await ctx.mesh.restartPaste({ SWEEP_ENABLED: 'false' });
    const off = await ctx.runner.measure(
      { scenario: 'sweep-off', target: read.gateway, round },
      gatewayOf(ctx.mesh, read.gateway).url,
      read.load,
      50,
      window,
      procsOf(ctx),
    );
    await ctx.mesh.restartPaste({ SWEEP_ENABLED: 'true', SWEEP_INTERVAL_MS: '500', SWEEP_BATCH_SIZE: '2000' });
    const before = await countExpired(ctx.mesh.store, Date.now());
    const on = await ctx.runner.measure(
      { scenario: 'sweep-on', target: read.gateway, round },
      gatewayOf(ctx.mesh, read.gateway).url,
      read.load,
      50,
      window,
      procsOf(ctx),
    );
    const after = await countExpired(ctx.mesh.store, Date.now());
    // Deleted during warm-up + window; the rate is over both.
    on.extra = {
      backlogBefore: before,
      backlogAfter: after,
      deletedPerS: (before - after) / (window.warmupS + window.durationS),
    };
    ctx.runs.push(off, on);
    log(
      `  r${round} read p99 sweeper off ${off.p99.toFixed(1)} ms, on ${on.p99.toFixed(1)} ms (${on.rps.toFixed(0)} vs ${off.rps.toFixed(0)} req/s); ` +
        `sweeper deleted ${before - after} (${((before - after) / (window.warmupS + window.durationS)).toFixed(0)}/s), ${after} left`,
    );
  }
  await ctx.mesh.restartPaste({ SWEEP_ENABLED: 'false' });
}

/** Where and whose pastes a phase seeds, and the object store their contents go to (none: in the table). */
interface SeedTarget {
  store: PasteStore;
  owners: string[];
  objects?: ContentStore;
}

/**
 * The large phase of `scale` (scenarios already measured at SMALL): seeds `target` up to LARGE pastes, sizes the
 * buffer pool with `sizePool` (which also reads the tables into it), and runs them again, tagged LARGE_TAG.
 * Resolves with the pool, whose `restore` the caller runs when the mode ends (it runs here if a window fails).
 */
async function atScale(
  ctx: Ctx,
  scale: Scenario[],
  target: SeedTarget,
  sizePool: () => Promise<PoolFit>,
  labels: Record<string, string>,
  baselineOf: Record<string, string>,
): Promise<PoolFit> {
  log(`  seeding up to ${LARGE} pastes${target.objects ? `, content in ${target.objects.name}` : ''}…`);
  const big = await seedPastes(
    target.store,
    { from: SMALL, to: LARGE, owners: target.owners, createdBase: Date.now() - 86_400_000 - LARGE, expiresAt: null },
    log,
    target.objects,
  );
  log(`  seeded ${LARGE - SMALL} more pastes in ${big.toFixed(0)} s`);
  const fit = await sizePool();
  log(
    `  MariaDB buffer pool for the ${LARGE_TAG.slice(1)} phase: ${poolNote(fit)}` +
      (fit.phaseMiB !== fit.serverMiB
        ? `; set back when the mode ends (if interrupted: SET GLOBAL innodb_buffer_pool_size = ${fit.serverMiB * MiB})`
        : ''),
  );
  try {
    await alternate(ctx, scale, LARGE_TAG);
  } catch (err) {
    await fit.restore();
    throw err;
  }
  for (const s of scale) {
    labels[`${s.name}${LARGE_TAG}`] = `${s.label} @ ${LARGE_TAG.slice(1)} pastes`;
    baselineOf[`${s.name}${LARGE_TAG}`] = s.baseline;
  }
  return fit;
}

/** The pool's size, the server's own, the tables' sizes and how long reading them into the pool took. */
function poolNote(fit: PoolFit): string {
  const mib = (x: number) => x.toFixed(x < 10 ? 1 : 0);
  const tables = fit.tables.map((t) => `${t.table} ${mib(t.dataMiB)} + ${mib(t.indexMiB)}`).join(', ');
  return (
    `${fit.phaseMiB.toFixed(0)} MiB (server's ${fit.serverMiB.toFixed(0)} MiB; tables ${fit.tablesMiB.toFixed(0)} MiB, ` +
    `data + indexes: ${tables}${fit.warmS === undefined ? '' : `; read into the pool in ${fit.warmS.toFixed(0)} s`})`
  );
}

/**
 * The DB read with content in a file store (gql-db-store): paste-svc-store-miss with CONTENT_STORE=file:// on a
 * folder under the system's temporary one (s3rver would take a million objects, each a file plus metadata
 * files, far too slowly), its tables in a database of their own, MariaDB's pool held at STORE_POOL_MIB. Seeded
 * with SMALL pastes (objects written through paste-svc's own file store), checked (preflightStoreReads) and
 * measured; then, unless quick, seeded up to LARGE and measured again at the same pool size. The pool is set
 * back and the folder removed before the mode goes on.
 */
/**
 * The tables a DB read (BatchGetPastes: findPastesByIds) goes through, by primary key: read into a pool
 * smaller than the tables last, so they are what it holds (paste_versions' is not read by it, but is larger).
 */
const READ_TABLES = ['paste_contents', 'pastes'];

async function storeReadPhase(
  ctx: Ctx,
  list: Scenario[],
  owners: string[],
  labels: Record<string, string>,
  baselineOf: Record<string, string>,
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmbench-objects-'));
  const objects = createContentStore({ kind: 'file', dir })!;
  const bytes = STORE_POOL_MIB * MiB;
  try {
    const pair: ObjectStorePair = await ctx.mesh.addObjectStore(
      { CONTENT_STORE: pathToFileURL(dir).href },
      'store-miss',
    );
    const target: SeedTarget = { store: pair.tables, owners, objects };
    const secs = await seedPastes(
      target.store,
      { from: 0, to: SMALL, owners, createdBase: Date.now() - 86_400_000, expiresAt: null },
      log,
      objects,
    );
    log(`  seeded ${SMALL} pastes with content in ${objects.name} in ${secs.toFixed(1)} s`);
    await preflightStoreReads(pair, objects, SMALL);
    storePool.small = await capBufferPool(MYSQL_SERVER, DATABASES.pasteStore, bytes, { last: READ_TABLES });
    log(`  MariaDB buffer pool for ${list.map((s) => s.name).join(', ')}: ${poolNote(storePool.small)}`);
    await alternate(ctx, list);
    if (!quick)
      storePool.large = await atScale(
        ctx,
        scenarios(LARGE).filter((s) => list.some((x) => x.name === s.name)),
        target,
        () =>
          capBufferPool(MYSQL_SERVER, DATABASES.pasteStore, bytes, {
            serverBytes: storePool.small!.serverMiB * MiB,
            last: READ_TABLES,
          }),
        labels,
        baselineOf,
      );
  } finally {
    await storePool.small?.restore();
    const started = performance.now();
    await fs.promises.rm(dir, { recursive: true, force: true });
    log(`  removed ${objects.name} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
}

async function runMode(
  mode: Mode,
  runner: LoadRunner,
  baselines: Ctx['baselines'],
  all: { rows: Row[]; runs: Measurement[]; checks: string[] },
) {
  log(`\n== ${mode} ==`);
  const mesh = await startMesh(mode, log, bundles);
  /** The object store of the `store` pair when it is a folder (BENCH_OBJECT_STORE=file), removed at the end. */
  let objectsDir: string | undefined;
  const ctx: Ctx = { mesh, runner, baselines, floor: undefined, extra: [], runs: [] };
  let fit: PoolFit | undefined;
  let createPool: { restore(): Promise<void> } | undefined;
  try {
    const list = scenarios(SMALL).filter(
      (s) => (!onlyArg || onlyArg.includes(s.name)) && (!s.modes || s.modes.includes(mode)),
    );
    if (list.some((s) => s.baseline === 'mysql-insert')) {
      const floor = await startFloor();
      ctx.extra.push(floor.proc);
      ctx.floor = floor.url;
      if (BUFFER_POOL === 'fit') {
        const grown = await growBufferPool(MYSQL_SERVER, CREATE_POOL_MIB * MiB);
        createPool = grown;
        log(
          `  MariaDB buffer pool for the create windows: ${grown.phaseMiB} MiB (server's ${grown.serverMiB} MiB), ` +
            `holding the tables they write, the floor's too; set back when the mode ends` +
            ` (if interrupted: SET GLOBAL innodb_buffer_pool_size = ${grown.serverMiB * MiB})`,
        );
      }
    }
    if (list.some((s) => s.gateway === 'store')) {
      if (OBJECT_STORE === 'file') {
        objectsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmbench-objects-'));
        if (FILE_STORE === 'in-use') {
          makeObjectFolders(objectsDir);
          // Written out now, not by the kernel's writeback during the first windows (a first round at 0.26×).
          execFileSync('sync');
        }
        log(
          `  file store: ${FILE_STORE === 'in-use' ? 'its 65,536 folders made beforehand, as in a store in use' : 'new, each folder made by its first write'}`,
        );
        await mesh.addObjectStore({ CONTENT_STORE: pathToFileURL(objectsDir).href });
      } else {
        const s3 = await startS3rver();
        ctx.extra.push(s3.proc);
        await mesh.addObjectStore(s3.env);
      }
    }
    const owners = await registerUsers(mesh.gateways.hot.url, 10);
    const secs = await seedPastes(mesh.store, {
      from: 0,
      to: SMALL,
      owners,
      createdBase: Date.now() - 86_400_000,
      expiresAt: null,
    });
    log(`  seeded ${SMALL} pastes in ${secs.toFixed(1)} s`);
    const listCalls = await preflight(mesh, baselines.apollo);
    log(`  one list-of-50 query made these downstream calls: ${JSON.stringify(listCalls)}`);
    if (list.some((s) => s.sameAnswerBaseline)) {
      const lines = await giveRawAnswerHeaders(mesh.gateways.hot.url, baselines.bare);
      log(`  the raw answer has ${lines} header lines; bare node:http sends them at ${baselines.bare}/as-raw-answer`);
    }
    const rawCreates = list.filter((s) => s.load.kind === 'post-unique');
    if (rawCreates.length > 0)
      await preflightRawCreates([
        ...new Set([...rawCreates.map((s) => gatewayOf(mesh, s.gateway).url), ...(ctx.floor ? [ctx.floor] : [])]),
      ]);
    // The object-store DB read runs in a phase of its own, with a buffer pool of its own size (storeReadPhase).
    await alternate(
      ctx,
      list.filter((s) => s.gateway !== 'store-miss'),
    );
    const labels = Object.fromEntries(list.map((s) => [s.name, s.label]));
    const baselineOf = Object.fromEntries(list.map((s) => [s.name, s.baseline]));
    const storeReads = list.filter((s) => s.gateway === 'store-miss');
    if (storeReads.length > 0) await storeReadPhase(ctx, storeReads, owners, labels, baselineOf);
    const scale = scenarios(LARGE).filter(
      (s) => (s.name === 'gql-hot' || s.name === 'gql-db') && list.some((x) => x.name === s.name),
    );
    if (mode === 'mysql' && !quick && scale.length > 0) {
      // 1M pastes are ~1.9 GB with their indexes: with a smaller pool the DB read at 1M measures the disk (see README).
      pool = fit = await atScale(
        ctx,
        scale,
        { store: mesh.store, owners },
        () => fitBufferPool(MYSQL_SERVER, DATABASES.paste, BUFFER_POOL === 'fit'),
        labels,
        baselineOf,
      );
    }
    if (mode === 'mysql' && (!onlyArg || onlyArg.includes('gql-db'))) await sweeperPhase(ctx, quick ? SMALL : LARGE);
    const modeRows = rows(mode, labels, ctx.runs, baselineOf);
    all.rows.push(...modeRows);
    all.runs.push(...ctx.runs);
    all.checks.push(...checks(mode, modeRows, ctx.runs, listCalls));
    all.checks.push(rssTable(mode, ctx.runs));
  } finally {
    // The floor and s3rver first: the mesh's stop drops the floor's database.
    for (const p of ctx.extra) await p.stop();
    await mesh.stop();
    await fit?.restore();
    await createPool?.restore();
    if (objectsDir) fs.rmSync(objectsDir, { recursive: true, force: true });
  }
}

function checks(mode: string, r: Row[], runs: Measurement[], listCalls: Record<string, number>): string[] {
  const get = (name: string) => r.find((x) => x.scenario === name);
  const out: string[] = [];
  const ratio = (name: string, min: number, what: string) => {
    const row = get(name);
    if (row)
      out.push(target(`${mode} ${what} ≥ ${min}×`, median(row.ratio) >= min, `${median(row.ratio).toFixed(3)}×`));
  };
  // Issue 19's targets (data path at scale), which replaced the first version's 0.35× and 0.9×.
  ratio('raw-hot', 0.7, 'GET /raw hot vs bare node:http');
  const sameAnswer = sameAnswerNote(mode, runs, 'raw-hot');
  if (sameAnswer) out.push(sameAnswer);
  ratio('gql-hot', 1.0, 'GraphQL hot vs Apollo alone');
  ratio('gql-grpc', 0.5, 'GraphQL via gRPC vs Apollo alone');
  const c10 = get('gql-hot-c10');
  if (c10) {
    // The target is absolute; Apollo alone's p99 under the same load in the same rounds says what this machine allows.
    const apolloP99 = runs.filter((m) => m.scenario === 'gql-hot-c10' && m.target === 'baseline').map((m) => m.p99);
    const context = apolloP99.length
      ? ` (Apollo alone at 10 connections, same rounds: ${median(apolloP99).toFixed(1)} ms)`
      : '';
    out.push(
      target(
        `${mode} GraphQL hot p99 ≤ 5 ms at 10 connections`,
        median(c10.p99) <= 5,
        `${median(c10.p99).toFixed(1)} ms${context}`,
      ),
    );
  }
  const list = get('list50');
  const single = get('gql-grpc');
  if (list && single) {
    const calls = Object.values(listCalls);
    out.push(
      target(
        `${mode} list of 50: one call per downstream service`,
        calls.length === 3 && calls.every((n) => n === 1),
        JSON.stringify(listCalls),
      ),
    );
    const k = median(list.p99) / median(single.p99);
    out.push(
      `info  ${mode} saturated (50 connections): list p99 / single read p99 = ${median(list.p99).toFixed(1)} / ${median(single.p99).toFixed(1)} ms = ${k.toFixed(2)}× (queueing: tracks CPU per request)`,
    );
  }
  const listPaced = get('list50-paced');
  const singlePaced = get('gql-grpc-paced');
  if (listPaced && singlePaced) {
    const k = median(listPaced.p99) / median(singlePaced.p99);
    out.push(
      target(
        `${mode} list of 50 p99 ≤ 3× single read p99 (via gRPC), both at ${PACED_RATE} req/s`,
        k <= 3,
        `${median(listPaced.p99).toFixed(1)} / ${median(singlePaced.p99).toFixed(1)} ms = ${k.toFixed(2)}×`,
      ),
    );
  }
  for (const name of ['gql-hot', 'gql-db']) {
    const small = get(name);
    const large = get(`${name}${LARGE_TAG}`);
    if (small && large) {
      const k = median(large.ratio) / median(small.ratio);
      const poolNote =
        name === 'gql-db' && pool
          ? `; MariaDB buffer pool ${pool.phaseMiB.toFixed(0)} MiB, server's ${pool.serverMiB.toFixed(0)}`
          : '';
      out.push(
        target(
          `${mode} ${name} at ${LARGE_TAG.slice(1)} ≥ 0.9× at 1k (normalised by Apollo alone)`,
          k >= 0.9,
          `${k.toFixed(3)}× (raw ${median(large.rps).toFixed(0)} vs ${median(small.rps).toFixed(0)} req/s${poolNote})`,
        ),
      );
    }
  }
  out.push(...storeReadChecks(mode, r, runs));
  const off = runs.filter((m) => m.scenario === 'sweep-off');
  const on = runs.filter((m) => m.scenario === 'sweep-on');
  if (off.length && on.length) {
    const k = median(on.map((m) => m.p99)) / median(off.map((m) => m.p99)) - 1;
    out.push(
      target(
        `${mode} sweeper raises read p99 < 20%`,
        k < 0.2,
        `${(k * 100).toFixed(0)}% (${median(off.map((m) => m.p99)).toFixed(1)} → ${median(on.map((m) => m.p99)).toFixed(1)} ms)`,
      ),
    );
  }
  out.push(...createChecks(mode, r, runs));
  const peak: Record<string, number> = {};
  for (const m of runs)
    for (const [n, mib] of Object.entries(m.usage.peakRssMiB)) peak[n] = Math.max(peak[n] ?? 0, mib);
  for (const svc of ['auth-svc', 'paste-svc', 'paste-svc-miss', OBJECT_STORE_PASTE_PROC['store-miss'], 'analytics-svc'])
    if (peak[svc]) out.push(target(`${mode} ${svc} RSS ≤ 150 MiB`, peak[svc]! <= 150, `${peak[svc]!.toFixed(0)} MiB`));
  for (const gw of Object.values(GATEWAY_PROC))
    if (peak[gw]) out.push(target(`${mode} ${gw} RSS ≤ 200 MiB`, peak[gw]! <= 200, `${peak[gw]!.toFixed(0)} MiB`));
  return out;
}

/**
 * Issue 19's "DB read at 1M ≥ 0.9× at 1k with a buffer pool ≤ 512 MiB (content in the object store)": the
 * ratio of gql-db-store's normalised ratios at LARGE and SMALL, with the pool both ran at; plus what MariaDB,
 * paste-svc and the gateway spent per read and how many of InnoDB's page reads went to the disk, at each size.
 */
function storeReadChecks(mode: string, r: Row[], runs: Measurement[]): string[] {
  const small = r.find((x) => x.scenario === 'gql-db-store');
  const large = r.find((x) => x.scenario === `gql-db-store${LARGE_TAG}`);
  if (!small) return [];
  const at = (row: Row) => {
    const windows = runs.filter((m) => m.scenario === row.scenario && m.target !== 'baseline');
    const perRead = (key: string) => median(windows.map((m) => Number(m.extra?.[key] ?? NaN)));
    const cpu = (name: string) => (row.cpuUs[name] ?? NaN).toFixed(0);
    return (
      `${median(row.rps).toFixed(0)} req/s, mariadbd ${cpu('mariadbd')} µs, ${OBJECT_STORE_PASTE_PROC['store-miss']} ` +
      `${cpu(OBJECT_STORE_PASTE_PROC['store-miss'])} µs, ${GATEWAY_PROC['store-miss']} ${cpu(GATEWAY_PROC['store-miss'])} µs per read, ` +
      `InnoDB ${perRead('innodbPageReadsPerRequest').toFixed(1)} page reads of which ${perRead('innodbDiskReadsPerRequest').toFixed(3)} from disk per read`
    );
  };
  const out = [`info  ${mode} gql-db-store at ${SMALL / 1e3}k: ${at(small)}`];
  if (!large) return out;
  out.push(`info  ${mode} gql-db-store at ${LARGE_TAG.slice(1)}: ${at(large)}`);
  const pools = [storePool.small, storePool.large].filter((p): p is PoolFit => p !== undefined);
  const poolMiB = Math.max(...pools.map((p) => p.phaseMiB));
  const k = median(large.ratio) / median(small.ratio);
  out.push(
    target(
      `${mode} DB read at ${LARGE_TAG.slice(1)} ≥ 0.9× at 1k, content in file store, pool ≤ 512 MiB (normalised by Apollo alone)`,
      k >= 0.9 && poolMiB <= 512,
      `${k.toFixed(3)}× (raw ${median(large.rps).toFixed(0)} vs ${median(small.rps).toFixed(0)} req/s; MariaDB buffer pool ${poolMiB.toFixed(0)} MiB` +
        (storePool.large ? `; ${poolNote(storePool.large)}` : '') +
        ')',
    ),
  );
  return out;
}

/**
 * The create targets (item 6 of "data path at scale"), for each raw-create scenario that ran: ≥ 0.5× the
 * mysql2 INSERT floor, p99 ≤ 50 ms at 50 connections, CPU per create ≤ 250 µs in the gateway and ≤ 400 µs in
 * paste-svc; plus what the floor and MariaDB spent per create in the same rounds.
 */
function createChecks(mode: string, r: Row[], runs: Measurement[]): string[] {
  const out: string[] = [];
  for (const s of scenarios(SMALL).filter((x) => x.baseline === 'mysql-insert')) {
    const row = r.find((x) => x.scenario === s.name);
    if (!row) continue;
    const what = `${mode} ${s.name} (${s.label})`;
    const gateway = GATEWAY_PROC[s.gateway];
    const paste = s.gateway === 'store' ? STORE_PASTE_PROC : 'paste-svc';
    const gatewayUs = row.cpuUs[gateway] ?? NaN;
    const pasteUs = row.cpuUs[paste] ?? NaN;
    out.push(
      target(
        `${what} ≥ 0.5× the mysql2 INSERT floor`,
        median(row.ratio) >= 0.5,
        `${median(row.ratio).toFixed(3)}× (${median(row.rps).toFixed(0)} vs ${median(row.baselineRps).toFixed(0)} creates/s)`,
      ),
      target(
        `${what} p99 ≤ 50 ms at ${s.connections} connections`,
        median(row.p99) <= 50,
        `${median(row.p99).toFixed(1)} ms`,
      ),
      target(`${what} gateway CPU per create ≤ 250 µs`, gatewayUs <= 250, `${gatewayUs.toFixed(0)} µs`),
      target(`${what} paste-svc CPU per create ≤ 400 µs`, pasteUs <= 400, `${pasteUs.toFixed(0)} µs`),
    );
    const floor = runs.filter((m) => m.scenario === s.name && m.target === 'baseline');
    const perFloor = (name: string) => median(floor.map((m) => m.cpuUsPerReq[name] ?? NaN)).toFixed(0);
    const floorP99 = median(floor.map((m) => m.p99)).toFixed(1);
    // The other gateways and paste-svcs are idle here; the rest (analytics-svc, auth-svc, MariaDB, Redis, s3rver) work.
    const rest = Object.entries(row.cpuUs)
      .filter(([name]) => !/^(gateway|paste-svc)/.test(name) && name !== 'load')
      .map(([name, us]) => `${name} ${us.toFixed(0)}`)
      .join(', ');
    out.push(
      `info  ${what}: CPU µs per create: ${gateway} ${gatewayUs.toFixed(0)}, ${paste} ${pasteUs.toFixed(0)}, ${rest}; ` +
        `the floor: mysql-insert ${perFloor('mysql-insert')}, mariadbd ${perFloor('mariadbd')} per insert, p99 ${floorP99} ms`,
      cpuBudget(
        what,
        runs.filter((m) => m.scenario === s.name),
      ),
    );
  }
  return out;
}

/**
 * What bounds a create ratio on a machine the load saturates: the CPU of every process (the load generator's
 * included) per request, mesh against floor, round by round. With both sides keeping the same cores busy, the
 * throughput ratio is the inverse of the CPU ratio, so ≥ 0.5× the floor means the whole mesh spending at most
 * twice the floor's CPU per create (bench/README.md, "The create target is a CPU budget").
 */
function cpuBudget(what: string, runs: Measurement[]): string {
  const total = (m: Measurement) => Object.values(m.cpuUsPerReq).reduce((a, b) => a + b, 0);
  const rounds = [...new Set(runs.map((m) => m.round))].flatMap((round) => {
    const mesh = runs.find((m) => m.round === round && m.target !== 'baseline');
    const floor = runs.find((m) => m.round === round && m.target === 'baseline');
    return mesh && floor ? [{ mesh, floor }] : [];
  });
  if (rounds.length === 0) return `info  ${what}: no round measured both sides`;
  const busy = (m: Measurement) => (total(m) * m.rps) / 1e6;
  const times = rounds.map(({ mesh, floor }) => total(mesh) / total(floor));
  return (
    `info  ${what}: every process's CPU per request, mesh ${median(rounds.map((x) => total(x.mesh))).toFixed(0)} µs ` +
    `vs floor ${median(rounds.map((x) => total(x.floor))).toFixed(0)} µs: ${median(times).toFixed(2)}× ` +
    `(${Math.min(...times).toFixed(2)}–${Math.max(...times).toFixed(2)}), so at most ~${(1 / median(times)).toFixed(2)}× ` +
    `the floor's creates/s; cores busy ${median(rounds.map((x) => busy(x.mesh))).toFixed(2)} vs ${median(rounds.map((x) => busy(x.floor))).toFixed(2)}`
  );
}

/**
 * The scenario against its same-answer baseline (bare node:http sending the raw answer's header lines), and that
 * baseline against the plain one, round by round: how much of the ratio to bare node:http the answer's header
 * lines take whoever sends them, and how much is the gateway's own work (bench/README.md, "The raw answer's
 * header lines"). Undefined when the scenario ran without it.
 */
function sameAnswerNote(mode: string, runs: Measurement[], scenario: string): string | undefined {
  const of = (name: string, mesh: boolean, round: number) =>
    runs.find((m) => m.scenario === name && m.round === round && (m.target === 'baseline') !== mesh);
  const rounds = [...new Set(runs.filter((m) => m.scenario === scenario + SAME_ANSWER).map((m) => m.round))].flatMap(
    (round) => {
      const gateway = of(scenario, true, round);
      const bare = of(scenario, false, round);
      const same = of(scenario + SAME_ANSWER, false, round);
      return gateway && bare && same ? [{ gateway, bare, same }] : [];
    },
  );
  if (rounds.length === 0) return undefined;
  const vsSame = median(rounds.map((x) => x.gateway.rps / x.same.rps));
  const sameVsBare = median(rounds.map((x) => x.same.rps / x.bare.rps));
  const us = (pick: (x: (typeof rounds)[number]) => Measurement, proc: string) =>
    median(rounds.map((x) => pick(x).cpuUsPerReq[proc] ?? 0)).toFixed(1);
  return (
    `info  ${mode} GET /raw hot vs bare node:http sending the same header lines: ${vsSame.toFixed(3)}×; ` +
    `bare node:http with them: ${sameVsBare.toFixed(3)}× of itself without (CPU µs per request: ` +
    `bare-http ${us((x) => x.bare, 'bare-http')} → ${us((x) => x.same, 'bare-http')}, ` +
    `load ${us((x) => x.bare, 'load')} → ${us((x) => x.same, 'load')} → ${us((x) => x.gateway, 'load')} with the gateway)`
  );
}

async function main(): Promise<void> {
  log(
    `pastemesh bench (${quick ? 'quick' : 'full'}): ${ROUNDS} round(s), warm-up ${WINDOWS.warmupS} s, window ${WINDOWS.durationS} s, modes ${MODES.join(', ')}`,
  );
  if (bundles) log(`bundles of ${bundles.commit} (${bundles.dir})`);
  // The launcher checks each service's `*\/dist` even when it starts the snapshot's bundles (a fresh clone has none).
  const distMissing = Object.values(SERVICES).some((s) => !fs.existsSync(path.join(ROOT, s.dir, 'dist', 'main.js')));
  if ((!bundles && !process.env['BENCH_SKIP_BUILD']) || distMissing)
    execFileSync(process.execPath, ['scripts/build-service.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const baselines = await startBaselines();
  const runner = new LoadRunner();
  const all = { rows: [] as Row[], runs: [] as Measurement[], checks: [] as string[] };
  try {
    for (const mode of MODES) await runMode(mode, runner, baselines, all);
  } finally {
    runner.close();
    for (const p of baselines.procs) await p.stop();
  }
  log(`\n${table(all.rows)}\n`);
  for (const c of all.checks) log(c);
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  const meta = {
    quick,
    rounds: ROUNDS,
    windows: WINDOWS,
    modes: MODES,
    node: process.version,
    hot: HOT_ID,
    at: new Date().toISOString(),
    // The conditions the numbers depend on (bench/README.md, thirteenth session).
    bundles: bundles?.commit ?? 'dist',
    bufferPool: BUFFER_POOL === 'fit' ? { mode: 'fit', createWindowsMiB: CREATE_POOL_MIB } : { mode: 'server' },
    objectStore: OBJECT_STORE === 'file' ? { kind: 'file', folders: FILE_STORE } : { kind: OBJECT_STORE },
  };
  fs.writeFileSync(file, JSON.stringify({ meta, rows: all.rows, checks: all.checks, runs: all.runs }, null, 2));
  log(`\nraw results: ${path.relative(ROOT, file)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
