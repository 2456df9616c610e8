// The bench's mesh: the one launcher (scripts/mesh) with every service a separate process started from its
// esbuild bundle (`npm run build`) with the NODE_OPTIONS its Deployment sets, in one of the two storage set-ups,
// plus gateways with their hot cache off (reads forced through gRPC) and a paste-svc whose cache always misses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePortsBelowEphemeral } from '@pastemesh/kit/testing';
import { ROOT, SERVICES, type ServiceName } from '../scripts/mesh/services.js';
import { startMesh as startLauncher } from '../scripts/mesh/start-mesh.js';
import { resetMysqlDatabases, type PasteStore } from './seed.js';
import type { Snapshot } from './snapshot-build.js';
import type { Proc } from './usage.js';

export type Mode = 'mysql' | 'embedded';
export const MYSQL_SERVER = process.env['MYSQL_BENCH_URL'] ?? 'mysql://root@127.0.0.1:3306/';
/** Its own Redis database, so keys never meet the test suites' (pub/sub is server-wide, which is harmless). */
export const REDIS_BENCH_URL = process.env['REDIS_BENCH_URL'] ?? 'redis://127.0.0.1:6379/7';
/** The DB-read paste-svc's: in the shared one it would find the entries the other paste-svc keeps for 10 minutes. */
const REDIS_MISS_URL = REDIS_BENCH_URL.replace(/(\/\d*)?$/, '/8');
/** The object-store DB-read paste-svc's (`store-miss`): its pastes have the same ids as the others'. */
const REDIS_STORE_MISS_URL = REDIS_BENCH_URL.replace(/(\/\d*)?$/, '/9');
export const DATABASES = {
  auth: 'pmbench_auth',
  paste: 'pmbench_paste',
  analytics: 'pmbench_analytics',
  /** The create floor's own table (bench/baselines/mysql-insert.ts). */
  floor: 'pmbench_floor',
  /** paste-svc-store-miss's tables (content in a file store): seeded and sized apart from paste-svc's. */
  pasteStore: 'pmbench_paste_store',
} as const;
const NO_LIMIT = '1000000000';

/** The bench's ports: below the ephemeral range and apart from the fault suite's (see freePortsBelowEphemeral). */
const BENCH_PORTS = { from: 12_000, size: 8_000 };

/** `count` distinct ports free right now, for the bench's other processes (baselines) that bind them later. */
export function freePorts(count: number): Promise<number[]> {
  return freePortsBelowEphemeral(count, BENCH_PORTS);
}

/**
 * The gateways a scenario can load: `hot` (as deployed), `cold` (HOT_CACHE=false: every read is a gRPC call to
 * paste-svc, answered from its Redis cache), `miss` (HOT_CACHE=false against a second paste-svc whose cache
 * entries expire after 1 ms: every read misses the cache and reads the database, then fills the cache as a
 * real miss does), `store` (as deployed, in front of a paste-svc with its content in an object store) and
 * `store-miss` (as `miss`, in front of a paste-svc with its content in an object store and its tables in a
 * database of their own, DATABASES.pasteStore). The last two are started by addObjectStore, only for the
 * scenarios that need them.
 */
export type GatewayKind = 'hot' | 'cold' | 'miss' | 'store' | 'store-miss';
/** The gateways addObjectStore starts. */
export type ObjectStoreKind = Extract<GatewayKind, 'store' | 'store-miss'>;
/** The process serving each kind of gateway (its CPU and RSS are reported under this name). */
export const GATEWAY_PROC: Record<GatewayKind, string> = {
  hot: 'gateway',
  cold: 'gateway-cold',
  miss: 'gateway-miss',
  store: 'gateway-store',
  'store-miss': 'gateway-store-miss',
};
/** The paste-svc behind each gateway addObjectStore starts. */
export const OBJECT_STORE_PASTE_PROC: Record<ObjectStoreKind, string> = {
  store: 'paste-svc-store',
  'store-miss': 'paste-svc-store-miss',
};
/** The paste-svc behind the `store` gateway. */
export const STORE_PASTE_PROC = OBJECT_STORE_PASTE_PROC.store;

/** What addObjectStore started: the gateway, its paste-svc's admin (metrics) address, and its tables. */
export interface ObjectStorePair extends GatewayUrls {
  pasteAdmin: string;
  tables: PasteStore;
}

/** Where a gateway answers: its public and admin (metrics) addresses. */
export interface GatewayUrls {
  url: string;
  admin: string;
}

export interface Mesh {
  mode: Mode;
  /** `store` and `store-miss` once addObjectStore has started them. */
  gateways: Record<Exclude<GatewayKind, ObjectStoreKind>, GatewayUrls> & Partial<Record<ObjectStoreKind, GatewayUrls>>;
  /** What each kind of gateway is started with beyond the common settings (for addGateway). */
  gatewayEnv: Record<Exclude<GatewayKind, ObjectStoreKind>, Record<string, string>> &
    Partial<Record<ObjectStoreKind, Record<string, string>>>;
  /** The admin (metrics) address of the paste-svc behind the `miss` gateway. */
  pasteMissAdmin: string;
  store: PasteStore;
  procs(): Proc[];
  /** Starts one more gateway (e.g. an earlier build, for before/after) wired like the others; it is measured and stopped with them. */
  addGateway(name: string, entry: string, extra: Record<string, string>): Promise<GatewayUrls>;
  /**
   * Starts a paste-svc with its content where `storeEnv`'s CONTENT_STORE says and a gateway in front of it; sets
   * `gateways[kind]`. `store`: `paste-svc-store` on paste-svc's database and Redis, `gateway-store` as deployed.
   * `store-miss` (MySQL mode): `paste-svc-store-miss` on DATABASES.pasteStore with cache entries that expire
   * after 1 ms in a Redis database of its own, `gateway-store-miss` with HOT_CACHE=false: every read is a
   * database read and an object-store read.
   */
  addObjectStore(storeEnv: Record<string, string>, kind?: ObjectStoreKind): Promise<ObjectStorePair>;
  /**
   * Starts `paste-svc-store-before` from `entry` (an earlier build's paste-svc bundle) beside the `store` pair,
   * on the same database, Redis and `storeEnv`, with `gateway-store-before` (this build) in front: a before/after
   * of paste-svc against one mesh (ab-paste.ts). Measured and stopped with the others.
   */
  addPasteBefore(storeEnv: Record<string, string>, entry: string): Promise<GatewayUrls>;
  /** Restarts paste-svc with extra variables (e.g. the sweeper on), on the same ports. */
  restartPaste(extra: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** A scenario's gateway; `store` exists once addObjectStore has started it. */
export function gatewayOf(mesh: Pick<Mesh, 'gateways'>, kind: GatewayKind): GatewayUrls {
  const gateway = mesh.gateways[kind];
  if (!gateway) throw new Error(`no ${GATEWAY_PROC[kind]} in this mesh: start it with addObjectStore first`);
  return gateway;
}

/** BENCH_CPU_PROF=gateway,paste-svc writes V8 CPU profiles of those processes to bench/results/profiles. */
const PROFILED = new Set((process.env['BENCH_CPU_PROF'] ?? '').split(',').filter(Boolean));
/** Processes bench/alloc.ts samples allocations in (read when a process starts: alloc.ts sets it after imports). */
const heapSampled = (name: string) => (process.env['BENCH_HEAP_SAMPLE'] ?? '').split(',').includes(name);
const nodeArgs = (name: string) => [
  ...(PROFILED.has(name)
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${path.join(ROOT, 'bench', 'results', 'profiles')}`,
        `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
      ]
    : []),
  ...(heapSampled(name) ? ['--require', path.join(ROOT, 'bench', 'heap-sampler.cjs')] : []),
];
/** What heap-sampler.cjs reads in the processes it samples. */
const heapSamplerEnv = () => ({
  BENCH_HEAP_SAMPLE_DIR: process.env['BENCH_HEAP_SAMPLE_DIR'],
  BENCH_HEAP_SAMPLE_PROMOTED: process.env['BENCH_HEAP_SAMPLE_PROMOTED'],
});

/** The service a process of the mesh runs (`paste-svc-miss`: paste), by its name. */
const SERVICE_OF = (Object.keys(SERVICES) as ServiceName[]).map((service) => ({ service, dir: SERVICES[service].dir }));
const serviceOf = (name: string) => SERVICE_OF.find(({ dir }) => name === dir || name.startsWith(`${dir}-`))?.service;

/**
 * Starts the mesh. `bundles`: every service runs that build's bundle (snapshot-build.ts) instead of `*\/dist`
 * (the launcher names only its own path, which node is then given as an unused argument, as tracing.ts does).
 */
export async function startMesh(mode: Mode, log: (line: string) => void, bundles?: Snapshot): Promise<Mesh> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `pmbench-${mode}-`));
  if (mode === 'mysql') await resetMysqlDatabases(MYSQL_SERVER, Object.values(DATABASES));
  const gatewayLimits = {
    RATE_LIMIT_READS_PER_MIN: NO_LIMIT,
    RATE_LIMIT_CREATES_PER_MIN: NO_LIMIT,
    RATE_LIMIT_LOGINS_PER_MIN: NO_LIMIT,
    RATE_LIMIT_BAD_REQUESTS_PER_MIN: NO_LIMIT,
  };
  const mesh = await startLauncher({
    run: 'built',
    // run.ts builds first (unless BENCH_SKIP_BUILD); ab-gateway.ts and alloc.ts measure what dist holds.
    rebuild: false,
    ports: 'random',
    portBand: BENCH_PORTS,
    databasePrefix: 'pmbench',
    env: {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      ...(mode === 'mysql' ? { MYSQL_URL: MYSQL_SERVER, REDIS_URL: REDIS_BENCH_URL } : {}),
      ...heapSamplerEnv(),
    },
    serviceEnv: {
      auth: { REGISTER_MAX_PER_IP: NO_LIMIT, LOGIN_MAX_FAILURES_PER_IP: NO_LIMIT },
      paste: { SWEEP_ENABLED: 'false' },
      gateway: gatewayLimits,
    },
    // The heap bounds production uses; BENCH_NODE_OPTIONS replaces them ('' for V8's defaults).
    nodeOptions: process.env['BENCH_NODE_OPTIONS'] ?? 'deployed',
    nodeArgs: (name) => {
      const service = bundles && serviceOf(name);
      return [...nodeArgs(name), ...(service ? [bundles.entry(service)] : [])];
    },
    logDir: process.env['BENCH_PROC_LOG_DIR'],
  });
  try {
    const pasteMiss = await mesh.addInstance({
      name: 'paste-svc-miss',
      service: 'paste',
      env: { CACHE_MAX_TTL_MS: '1', ...(mode === 'mysql' ? { REDIS_URL: REDIS_MISS_URL } : {}) },
    });
    const gatewayEnv: Mesh['gatewayEnv'] = {
      hot: {},
      cold: { HOT_CACHE: 'false' },
      miss: { HOT_CACHE: 'false', PASTE_SVC_URL: `127.0.0.1:${pasteMiss.ports['grpc']}` },
    };
    const addGateway = async (name: string, extra: Record<string, string>, entry?: string) => {
      const gateway = await mesh.addInstance({ name, service: 'gateway', env: extra, ...(entry ? { entry } : {}) });
      return { url: `http://127.0.0.1:${gateway.ports['http']}`, admin: `http://127.0.0.1:${gateway.ports['admin']}` };
    };
    const gateways: Mesh['gateways'] = {
      hot: { url: mesh.gatewayUrl, admin: mesh.adminUrl('gateway') },
      cold: await addGateway(GATEWAY_PROC.cold, gatewayEnv.cold),
      miss: await addGateway(GATEWAY_PROC.miss, gatewayEnv.miss),
    };
    log(
      `  mesh up (${mode}): gateways ${Object.entries(gateways)
        .map(([k, g]) => `${k} ${g.url}`)
        .join(', ')}, data ${dataDir}`,
    );
    const store: PasteStore =
      mode === 'mysql'
        ? { kind: 'mysql', url: mesh.mysqlUrl('paste') }
        : { kind: 'sqlite', file: path.join(dataDir, 'paste-svc.db') };
    return {
      mode,
      gateways,
      gatewayEnv,
      pasteMissAdmin: `http://127.0.0.1:${pasteMiss.ports['admin']}`,
      store,
      procs: () => mesh.processes(),
      addGateway: (name, entry, extra) => addGateway(name, extra, entry),
      async addObjectStore(storeEnv, kind = 'store') {
        const miss = kind === 'store-miss';
        if (miss && mode !== 'mysql') throw new Error('the store-miss pair runs in MySQL mode only');
        const db = new URL(MYSQL_SERVER);
        db.pathname = `/${DATABASES.pasteStore}`;
        const tables: PasteStore = miss ? { kind: 'mysql', url: db.toString() } : store;
        const env = miss
          ? { ...storeEnv, MYSQL_URL: db.toString(), REDIS_URL: REDIS_STORE_MISS_URL, CACHE_MAX_TTL_MS: '1' }
          : storeEnv;
        const paste = await mesh.addInstance({ name: OBJECT_STORE_PASTE_PROC[kind], service: 'paste', env });
        const extra = { ...(miss ? { HOT_CACHE: 'false' } : {}), PASTE_SVC_URL: `127.0.0.1:${paste.ports['grpc']}` };
        gatewayEnv[kind] = extra;
        const gateway = (gateways[kind] = await addGateway(GATEWAY_PROC[kind], extra));
        log(
          `  object-store pair up: ${OBJECT_STORE_PASTE_PROC[kind]} (${storeEnv['CONTENT_STORE']}), gateway ${gateway.url}`,
        );
        return { ...gateway, pasteAdmin: `http://127.0.0.1:${paste.ports['admin']}`, tables };
      },
      async addPasteBefore(storeEnv, entry) {
        const paste = await mesh.addInstance({
          name: 'paste-svc-store-before',
          service: 'paste',
          env: storeEnv,
          entry,
        });
        return addGateway('gateway-store-before', { PASTE_SVC_URL: `127.0.0.1:${paste.ports['grpc']}` });
      },
      restartPaste: (extra) => mesh.restart('paste', 0, extra),
      async stop() {
        await mesh.stop();
        if (mode === 'mysql' && !process.env['BENCH_KEEP_DB'])
          await resetMysqlDatabases(MYSQL_SERVER, Object.values(DATABASES), true);
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await mesh.stop();
    throw err;
  }
}
